"""Helpers for the voice tests (no tests here): a real recording to clone a voice from."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

def recording(path: Path, seconds: float = 1.0) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        tone = (np.sin(np.arange(int(16000 * seconds)) * 0.05) * 8000).astype(np.int16)
        out.writeframes(tone.tobytes())
    return path
