"""Tests of the Home Assistant layer of sonos_chime."""
