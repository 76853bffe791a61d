"""A State's needs assessment: its recommendations clustered, their coverage, requests to file."""
