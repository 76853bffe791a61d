"""Accounts, roles, partner organisations, API tokens, and the one module that says who may do what."""
