"""Helpers for the analyze tests (no tests here): a model's valid script reply."""

from __future__ import annotations

SENTENCES = [
    "A second pilot line for solid-state battery cells opened this week.",
    "It doubles the number of cells the maker can test each month.",
    "Solid-state cells swap the liquid electrolyte for a ceramic layer.",
    "That promises more energy and less fire risk in the same space.",
    "The hard part has been the thin layer, which cracks during charging.",
    "The new line keeps each stack under pressure through every cycle.",
    "Early cells kept ninety-one percent of their capacity after eight hundred cycles.",
    "That is close to what carmakers ask for before they sign a contract.",
    "Volume production is still at least two years away, the team says.",
    "The next test is a cell that survives a nail without a pressure frame.",
    "Read the full story from Tech Digest Weekly.",
]


def good_script(scenes: int = 5) -> dict:
    size = -(-len(SENTENCES) // scenes)
    groups = [SENTENCES[i : i + size] for i in range(0, len(SENTENCES), size)]
    scene_list = [
        {"narration": " ".join(group), "headline": f"Headline {n}", "keywords": ["battery", "pilot line"]}
        for n, group in enumerate(groups, 1)
    ]
    return {
        "title": "Solid-state batteries reach a second pilot line",
        "summary": "A second pilot line doubles testing of solid-state cells.",
        "narration": " ".join(s["narration"] for s in scene_list),
        "scenes": scene_list,
        "titles": ["Solid-state batteries reach a second pilot line", "Batteries without liquid", "The pilot line"],
        "description": "A new pilot line for solid-state batteries.",
        "hashtags": ["#Batteries", "#SolidState", "#EV"],
        "platforms": {
            "youtube_title": "Solid-state batteries reach a second pilot line",
            "youtube_description": "A new pilot line for solid-state batteries.",
            "x_post": "Solid-state batteries reach a second pilot line https://techdigest.example.org/2026/11/solid-state-pilot",
            "instagram_caption": "Solid-state batteries take a step. #Batteries",
            "linkedin_post": "A second pilot line for solid-state cells has opened.",
        },
    }
