"""Tests for sonos_chime and its emulated Sonos household."""
