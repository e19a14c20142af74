"""tts adapters."""
