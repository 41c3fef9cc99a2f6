"""Helpers shared by the test packages: signing in, and the worlds tests stand in."""
