"""Governance: the committee and its seats, criteria sets, screening, optimiser runs, proposals,
votes with recusal, confirmations, engagements, and the tamper-evident audit log."""
