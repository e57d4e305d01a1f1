"""Tests of the chime engine, which has no Home Assistant imports."""
