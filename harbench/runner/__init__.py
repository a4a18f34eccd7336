"""Suites, cells, the results store and the runner that fills it."""
