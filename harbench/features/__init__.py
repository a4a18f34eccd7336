"""Feature sets computed for all windows of a WindowSet at once."""
