"""The ``rostra`` command line."""

from rostra.cli.app import main

__all__ = ["main"]
