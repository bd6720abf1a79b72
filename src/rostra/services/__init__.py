"""Use cases: one method per user action, written against the ports in ``ports.py``."""
