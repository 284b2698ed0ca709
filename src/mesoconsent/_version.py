"""The package version: the one place it is written (pyproject.toml reads it from here, and
reading it needs no importlib.metadata lookup at start-up)."""

__version__ = "0.1.0"
