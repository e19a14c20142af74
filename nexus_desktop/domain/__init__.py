"""Job states, value types and errors. No Qt, no SQL."""
