"""The funds OHCHR administers (A/HRC/43/37, para 61): partners of their own kind, their
donors' pledges and contributions, and what more would fund."""
