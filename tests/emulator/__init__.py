"""Tests of the emulated Sonos household, driven by real SoCo."""
