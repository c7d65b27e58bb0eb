"""Gateway: one HTTP front door for the ops dashboard, the public API and webhooks."""
