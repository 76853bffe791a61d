"""Notifications: follow-up reminders stored for the platform and sent by e-mail."""
