"""Local stand-ins for cloud APIs, on 127.0.0.1, that reject what the real API would reject."""
