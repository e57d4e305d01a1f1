"""An emulated Sonos household that real, unmodified SoCo drives over HTTP.

Each speaker listens on its own loopback address (127.0.0.2, 127.0.0.3, ...,
port 1400) and answers the UPnP/SOAP calls SoCo 0.32 makes: device and
service descriptions, AVTransport, RenderingControl, GroupRenderingControl,
ContentDirectory (the queue), ZoneGroupTopology and DeviceProperties.

Besides UPnP, every speaker serves ``GET /emulator/state``, ``GET
/emulator/events``, ``DELETE /emulator/events`` and ``POST /emulator/faults``
with a JSON object holding any of ``{"clear": true}``, ``{"latency": s}``,
``{"media_fetch_delay": s}``, ``{"action": "Play", "code": 701, "times": 1}``
(or a list of those under ``"fail"``) and ``{"offline": true, "offline_for": s}``
(without ``offline_for`` only the Python API can bring it back).

Error codes: 800 for transport, queue and group-volume commands on a group
member; 701 for Pause on TV/line-in or when stopped, and for playing nothing;
711 for a seek past the end; 714 for cloud queues and ``x-sonos-vli:`` sent
over UPnP; 501 for volume/EQ changes on a fixed-output speaker (what real
Ports and Connects answer); 401 for unknown actions; 402 for bad arguments.
"""

from .household import DEFAULT_NAMES, Household
from .sources import Track
from .speaker import Speaker

__all__ = ["DEFAULT_NAMES", "Household", "Speaker", "Track"]
