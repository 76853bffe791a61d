"""Offers of support posted by partners."""
