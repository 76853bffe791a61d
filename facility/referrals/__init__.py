"""Situations the Human Rights Council refers to the facility (A/HRC/43/37, para 65)."""
