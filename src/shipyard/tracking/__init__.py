"""Tracking: runs, metrics, params, tags, search and the reproducibility record."""
