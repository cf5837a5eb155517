"""Placeholder, filled by this wave's audit fixes."""
