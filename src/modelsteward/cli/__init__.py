"""The ``modelsteward`` command line."""
