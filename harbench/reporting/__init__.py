"""Reports: read stored results only, never retrain."""
