"""platforms adapters."""
