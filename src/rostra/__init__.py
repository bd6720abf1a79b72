"""Rostra: comments, inline feedback and reader support for news sites."""

__version__ = "0.1.0"
