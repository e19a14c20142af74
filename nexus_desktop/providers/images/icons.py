"""Icons for illustrated keywords: Material Design Icons (Pictogrammers, Apache 2.0),
the font and its names as the ``fonticon-materialdesignicons7`` package ships them,
drawn with Pillow like any other glyph.

``match`` finds the icon for a shot's words: an icon named exactly after a word
(or its singular), then a small table of words whose icon has another name, then
an icon whose name starts with the word. Without the package, or with no match,
there is no icon and the shot falls back to other kinds.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Sequence
from pathlib import Path

from PIL import ImageFont

log = logging.getLogger(__name__)

# Words whose icon goes by another name in the set.
_SYNONYMS = {
    "money": "cash", "cost": "cash", "costs": "cash", "price": "tag", "prices": "tag", "funding": "cash-multiple",
    "investment": "finance", "investors": "account-group", "growth": "trending-up", "rise": "trending-up",
    "fall": "trending-down", "drop": "trending-down", "decline": "trending-down", "sales": "cart",
    "people": "account-group", "team": "account-group", "engineers": "hammer-wrench", "engineer": "hammer-wrench",
    "researchers": "flask", "research": "flask", "study": "book-open-variant", "science": "atom",
    "energy": "lightning-bolt", "power": "lightning-bolt", "electricity": "flash", "batteries": "battery-charging",
    "cells": "battery-charging", "cell": "battery-charging", "climate": "earth", "heat": "thermometer-high",
    "temperature": "thermometer", "weather": "weather-partly-cloudy", "rain": "weather-pouring",
    "city": "city-variant", "cities": "city-variant", "law": "gavel", "court": "gavel", "government": "bank",
    "election": "vote", "vote": "vote", "health": "heart-pulse", "hospital": "hospital-building",
    "doctor": "doctor", "medicine": "pill", "drug": "pill", "vaccine": "needle", "data": "database",
    "software": "code-braces", "code": "code-braces", "computer": "laptop", "internet": "web", "phone": "cellphone",
    "smartphone": "cellphone", "security": "shield-lock", "privacy": "shield-account", "ai": "robot",
    "robot": "robot", "factory": "factory", "production": "factory", "manufacturing": "factory",
    "line": "factory", "pilot": "test-tube", "test": "test-tube", "tests": "test-tube", "testing": "test-tube",
    "car": "car-electric", "cars": "car-electric", "vehicle": "car-electric", "vehicles": "car-electric",
    "ev": "car-electric", "range": "map-marker-distance", "flight": "airplane",
    "space": "rocket-launch", "launch": "rocket-launch", "music": "music", "film": "movie-open", "game": "gamepad-variant",
    "food": "food", "water": "water", "ocean": "waves", "farm": "barn", "school": "school", "students": "school",
    "jobs": "briefcase", "work": "briefcase", "market": "chart-line", "markets": "chart-line", "stocks": "chart-line",
    "time": "clock-outline", "years": "calendar", "year": "calendar", "week": "calendar-week", "month": "calendar-month",
    "safety": "shield-check", "fire": "fire", "pressure": "gauge", "speed": "speedometer", "charge": "battery-charging-high",
    "charging": "ev-station", "capacity": "battery-high", "cycles": "autorenew", "cycle": "autorenew",
    "park": "tree", "nature": "leaf", "plant": "sprout", "solar": "solar-power", "wind": "wind-turbine",
    "news": "newspaper-variant", "report": "file-document", "chips": "chip", "chip": "chip", "stack": "layers",
    # Added after looking at the sample articles' contact sheets: words they say whose icon goes by another name.
    "broiler": "stove", "oven": "stove", "ramekins": "bowl", "ramekin": "bowl", "custard": "bowl",
    "sugar": "spoon-sugar", "cold": "snowflake", "ice": "snowflake", "seconds": "timer-sand", "minutes": "timer",
    "cpu": "cpu-64-bit", "processor": "cpu-64-bit", "manager": "monitor-dashboard", "branch": "source-branch",
    "patches": "bandage", "patch": "bandage", "changelogs": "text-box", "changelog": "text-box",
    "maintainers": "account-wrench", "maintainer": "account-wrench", "site": "web", "sites": "web",
    "website": "web", "logins": "login", "streets": "road", "street": "road", "asphalt": "road", "pavement": "road",
    "sidewalks": "road", "buildings": "office-building", "building": "office-building", "midday": "weather-sunny",
    "sun": "weather-sunny", "sunny": "weather-sunny", "summer": "weather-sunny", "afternoons": "weather-sunny",
    "residents": "home-group", "junctions": "traffic-light", "lights": "traffic-light", "gravel": "grain",
    "compounds": "molecule", "flavor": "silverware-fork-knife", "flavour": "silverware-fork-knife",
    "gluten": "barley", "starch": "barley", "milestone": "flag-checkered", "passengers": "account-group",
    "users": "account-group", "tracking": "magnify", "indexing": "magnify", "indexers": "magnify",
    "process": "cog", "processes": "cog", "canopy": "tree", "trees": "pine-tree", "heat": "thermometer-high",
    "cooler": "thermometer-low", "pasta": "pasta", "noodles": "pasta", "seawater": "waves", "sea": "waves",
    "salt": "shaker", "salty": "shaker", "sauce": "pot-steam", "bread": "bread-slice", "dough": "bread-slice",
    "kneading": "hand-back-right", "fermentation": "flask", "enzymes": "flask", "yeast": "flask",
    "bugs": "bug", "releases": "package-variant", "release": "package-variant", "features": "puzzle",
    "cookies": "cookie", "jars": "cookie", "widget": "chat", "prompt": "message-alert", "bikes": "bike",
    "cameras": "camera", "buses": "bus-multiple", "stops": "bus-stop", "puddle": "water", "puddles": "water",
    "weeks": "calendar", "days": "calendar", "map": "map",
}
# Words that match an icon by name but say nothing on screen.
_GENERIC = frozenset({"solid", "state", "set", "plus", "minus", "check", "close", "help", "home", "menu",
                      "new", "key", "tag", "label", "note", "view", "image", "file", "select", "sort"})
# Names too generic or too odd to stand for a word on screen.
_AVOID = re.compile(r"(^alpha|^numeric|^format|^alphabet|^abjad|^abugida|-outline$|-off$|-box$|-circle$)")


@functools.lru_cache(maxsize=1)
def icon_set() -> tuple[str, dict[str, str]] | None:
    """(font path, {icon-name: character}) or None when the package is missing."""
    try:
        from fonticon_mdi7 import MDI7
    except ImportError:
        log.warning("the icon set (fonticon-materialdesignicons7) is not installed; no illustrated keywords")
        return None
    names = {name.replace("_", "-"): value[-1] for name, value in vars(MDI7).items()
             if not name.startswith("_") and isinstance(value, str)}
    font = Path(MDI7.__font_file__)
    return (str(font), names) if font.is_file() else None


def match(words: Sequence[str]) -> tuple[str, str] | None:
    """The best icon for these words (most important first): (icon name, the word it
    stands for), or None."""
    found = icon_set()
    if found is None:
        return None
    names = found[1]
    for word in words:
        word = word.lower().strip()
        if word in _GENERIC:
            continue
        for candidate in (word, word[:-1] if word.endswith("s") else "", _SYNONYMS.get(word, "")):
            if candidate and candidate in names and not _AVOID.search(candidate):
                return candidate, word
    for word in words:  # an icon named "<word>-something"
        if len(word) < 4 or word in _GENERIC:
            continue
        prefixed = sorted((n for n in names if n.startswith(word + "-") and not _AVOID.search(n)), key=len)
        if prefixed:
            return prefixed[0], word
    return None


@functools.lru_cache(maxsize=8)
def icon_font(size: int) -> ImageFont.FreeTypeFont | None:
    found = icon_set()
    return ImageFont.truetype(found[0], size) if found else None


def glyph(name: str) -> str | None:
    found = icon_set()
    return found[1].get(name) if found else None
