"""The demo data set: fictitious requests, offers, experts and accounts on real recommendations."""
