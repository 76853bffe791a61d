"""The roster of experts nominated by partners."""
