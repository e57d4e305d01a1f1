"""AlarmClock: the household's alarm list, which Home Assistant core reads at set-up.

Only what controllers read is answered: ``ListAlarms`` and the evented
variables. The list is household-wide, as on real systems, so every speaker
gives the same answer. Its version is ``{uid}:{n}``: SoCo checks that the uid
is a zone of the household and skips a list whose ``n`` it has already seen,
so ``n`` only ever grows. A household starts without alarms; tests add some
with :meth:`Household.add_alarm`.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.sax.saxutils import quoteattr

from . import Call, action, evented

if TYPE_CHECKING:
    from ..household import Household
    from ..speaker import Speaker

SERVICE = "AlarmClock"
BUZZER = "x-rincon-buzzer:0"
"""The ProgramURI of the built-in chime (SoCo maps it to ``program_uri=None``)."""
TIME_ZONE = "ffc40a000503000003000502ffc4"
"""A TimeZone rule as in Home Assistant core's Sonos event fixtures (CET/CEST)."""
TIME_SERVERS = ",".join(f"{n}.sonostime.pool.ntp.org" for n in range(4))


@dataclass(frozen=True, slots=True, kw_only=True)
class Alarm:
    """One alarm, in the units ``ListAlarms`` reports (times as HH:MM:SS)."""

    alarm_id: int
    room_uuid: str
    start_time: str = "07:00:00"
    duration: str = "02:00:00"
    """Empty for an alarm that plays until stopped."""
    recurrence: str = "DAILY"
    enabled: bool = True
    program_uri: str = BUZZER
    program_metadata: str = ""
    play_mode: str = "SHUFFLE_NOREPEAT"
    volume: int = 20
    include_linked_zones: bool = False

    def xml(self) -> str:
        """The ``<Alarm .../>`` element, attributes in the order speakers send."""
        attributes = {
            "ID": str(self.alarm_id),
            "StartTime": self.start_time,
            "Duration": self.duration,
            "Recurrence": self.recurrence,
            "Enabled": "1" if self.enabled else "0",
            "RoomUUID": self.room_uuid,
            "ProgramURI": self.program_uri,
            "ProgramMetaData": self.program_metadata,
            "PlayMode": self.play_mode,
            "Volume": str(self.volume),
            "IncludeLinkedZones": "1" if self.include_linked_zones else "0",
        }
        rendered = "".join(f" {k}={quoteattr(v)}" for k, v in attributes.items())
        return f"<Alarm{rendered}/>"


def list_version(household: Household) -> str:
    """``{uid}:{n}``, named after the household's first speaker."""
    return f"{household.speakers[0].uid}:{household.alarm_list_version}"


@action(SERVICE)
def ListAlarms(call: Call) -> dict[str, object]:  # noqa: N802
    """Every alarm of the household, whichever speaker is asked."""
    household = call.household
    return {
        "CurrentAlarmList": "<Alarms>"
        + "".join(alarm.xml() for alarm in household.alarms)
        + "</Alarms>",
        "CurrentAlarmListVersion": list_version(household),
    }


@evented(SERVICE)
def _alarm_clock_events(speaker: Speaker) -> dict[str, str]:
    """Core acts on AlarmListVersion only; the rest as in its test fixtures."""
    return {
        "TimeZone": TIME_ZONE,
        "TimeServer": TIME_SERVERS,
        "TimeGeneration": "20000001",
        "AlarmListVersion": list_version(speaker.household),
        "DailyIndexRefreshTime": "",
        "TimeFormat": "INV",
        "DateFormat": "INV",
    }
