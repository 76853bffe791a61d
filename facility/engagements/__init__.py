"""Engagements as they run, and the follow-up reports that close the loop."""
