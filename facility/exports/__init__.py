"""Publishing the facility's public data: the IATI activity file and CSV/JSON exports."""
