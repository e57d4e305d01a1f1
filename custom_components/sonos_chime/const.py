"""Constants for the Sonos Chime integration."""

import logging
from typing import Final

DOMAIN: Final = "sonos_chime"
LOGGER = logging.getLogger(__package__)

# Config entry data: every zone address the household reported.
CONF_HOSTS: Final = "hosts"

# SSDP discovery waits this long for answers (seconds).
DISCOVERY_TIMEOUT: Final = 5.0

# The chime library lives under config/www so Home Assistant serves it at /local.
WWW_DIR: Final = "www"
LIBRARY_DIR: Final = "sonos_chime"
LOCAL_URL_PATH: Final = "/local"
LIBRARY_URL_PATH: Final = f"{LOCAL_URL_PATH}/{LIBRARY_DIR}"
AUDIO_SUFFIXES: Final = frozenset({".mp3", ".wav", ".flac", ".ogg", ".m4a", ".aac"})

# The play action.
SERVICE_PLAY: Final = "play"
ATTR_MEDIA: Final = "media"
ATTR_ZONES: Final = "zones"
ATTR_VOLUME: Final = "volume"
ATTR_TV: Final = "tv"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
DEFAULT_TITLE: Final = "Chime"
