"""Outgoing contributions to open-source projects: patches, commits and their trailers."""
