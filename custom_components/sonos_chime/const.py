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
# Room volumes: a volume per zone name, or each speaker's own plus an offset
# kept between a minimum and a maximum.
ATTR_ZONE_VOLUMES: Final = "zone_volumes"
# Plays as asked in quiet hours too (else at the household's night volume).
ATTR_URGENT: Final = "urgent"
ATTR_ONLY_OCCUPIED: Final = "only_occupied"
ATTR_VOLUME_OFFSET: Final = "volume_offset"
ATTR_VOLUME_MIN: Final = "volume_min"
ATTR_VOLUME_MAX: Final = "volume_max"
ATTR_TV: Final = "tv"
ATTR_MODE: Final = "mode"
ATTR_MESSAGE: Final = "message"
ATTR_TTS_ENGINE: Final = "tts_engine"
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
# The media this many times in a row, as one chime: a clock striking.
ATTR_STRIKES: Final = "strikes"
DEFAULT_TITLE: Final = "Chime"

# Main entry option: every zone of the household is a chime zone, present and future.
CONF_ALL_ZONES: Final = "all_zones"
# Quiet hours (household options): a daily window, and the volume chimes
# that play on in it take; per chime, whether it holds or plays on.
CONF_QUIET_START: Final = "quiet_start"
CONF_QUIET_END: Final = "quiet_end"
CONF_NIGHT_VOLUME: Final = "night_volume"
CONF_QUIET_HOURS: Final = "quiet_hours"
# Only zones whose area is occupied (occupancy.py): a chime's and an action's.
CONF_ONLY_OCCUPIED: Final = "only_occupied"
# A chime's choice in quiet hours: hold back, or play at the night volume.
QUIET_HOLD: Final = "hold"
QUIET_NIGHT_VOLUME: Final = "night_volume"
QUIET_CHOICES: Final = (QUIET_HOLD, QUIET_NIGHT_VOLUME)

# Subentry types.
SUBENTRY_ZONE: Final = "zone"
SUBENTRY_CHIME: Final = "chime"

# Zone subentry data (unique_id is the zone's uid).
CONF_ZONE_UID: Final = "uid"
CONF_ZONE_NAME: Final = "name"

# Chime subentry data.
CONF_NAME: Final = "name"
CONF_MEDIA: Final = "media"  # library file, /local/... path, URL or media-source id
CONF_VOLUME: Final = "volume"  # 0-100, absent: leave volumes as they are
# Room volumes: {zone uid: 0-100}, and each speaker's own plus an offset,
# kept between a minimum and a maximum (ChimeRequest.volume_for).
CONF_ZONE_VOLUMES: Final = "zone_volumes"
CONF_VOLUME_OFFSET: Final = "volume_offset"
CONF_VOLUME_MIN: Final = "volume_min"
CONF_VOLUME_MAX: Final = "volume_max"
CONF_ZONES: Final = "zones"  # zone uids; empty: every chime zone
# More times of day (["HH:MM:SS"]), and a repeat every N minutes from the
# chime's time until another: every one a scheduled time of its own.
CONF_MORE_TIMES: Final = "more_times"
CONF_REPEAT_MINUTES: Final = "repeat_minutes"
CONF_REPEAT_UNTIL: Final = "repeat_until"
CONF_TIME: Final = "time"  # "HH:MM:SS", local time
# A clock chime (clock.py): from its time, a full hour, to its last hour, it
# strikes every hour, with the Westminster quarters between when chosen.
CONF_CLOCK: Final = "clock"
CONF_CLOCK_UNTIL: Final = "clock_until"  # "HH:00:00", the last hour struck
CLOCK_OFF: Final = "off"
CLOCK_HOURS: Final = "hours"
CLOCK_QUARTERS: Final = "quarters"
CLOCK_CHOICES: Final = (CLOCK_OFF, CLOCK_HOURS, CLOCK_QUARTERS)
CONF_WEEKDAYS: Final = "weekdays"  # subset of schedule.WEEKDAYS
CONF_TV: Final = "tv"  # engine.TvMode value
CONF_MODE: Final = "mode"  # engine.ChimeMode value; absent: interrupt
CONF_ENABLED: Final = "enabled"
CONF_MESSAGE: Final = "message"  # spoken after the chime; absent: none
CONF_TTS_ENGINE: Final = "tts_engine"  # tts entity or engine; absent: the default

# Fired after every chime, scheduled or asked for, with the per-zone result.
EVENT_CHIME_PLAYED: Final = "sonos_chime_played"

# HA core's Sonos integration: its devices are reused for our zone entities.
SONOS_DOMAIN: Final = "sonos"
