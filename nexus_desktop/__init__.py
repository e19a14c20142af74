"""Nexus Desktop: from the feeds a creator follows to narrated videos and posts."""

__version__ = "0.1.0"
