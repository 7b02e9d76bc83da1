"""Core layer: configuration, errors, ids, URIs and time helpers. Imports nothing above it."""
