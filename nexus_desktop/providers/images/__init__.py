"""images adapters."""
