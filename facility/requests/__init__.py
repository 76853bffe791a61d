"""Capacity-building requests filed by States."""
