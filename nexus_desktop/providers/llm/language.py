"""Which language an article is in: from its script, then from the text itself.

Narrate picks a voice by this code and falls back to espeak-ng for languages the
bundled voice cannot speak, so a non-Latin script must never come out as "en",
and English must never come out as anything else.

Latin-script text is identified with py3langid (a kept fork of langid.py: a
naive Bayes model over byte n-grams, 97 languages, shipped in the package, no
download). A confident answer beats the feed's declared language; on a short
text it cannot be sure of, the declared language is used only if it is written
in the text's script, else the app's language.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata

log = logging.getLogger(__name__)

APP_LANGUAGE = "en"  # the app's own language: its interface and its bundled voice
CONFIDENT = 0.9  # py3langid's normalized probability we trust over a declared language
MIN_WORDS = 4  # fewer words than this is never a confident identification

# Script of a letter (from its Unicode name) -> the language code to assume.
_SCRIPT_LANGUAGE = {
    "CYRILLIC": "ru", "GREEK": "el", "HIRAGANA": "ja", "KATAKANA": "ja", "CJK": "zh", "HANGUL": "ko",
    "ARABIC": "ar", "HEBREW": "he", "DEVANAGARI": "hi", "BENGALI": "bn", "THAI": "th", "GEORGIAN": "ka",
    "ARMENIAN": "hy", "TAMIL": "ta", "TELUGU": "te", "GUJARATI": "gu", "GURMUKHI": "pa", "KANNADA": "kn",
    "MALAYALAM": "ml", "SINHALA": "si", "KHMER": "km", "LAO": "lo", "MYANMAR": "my", "ETHIOPIC": "am",
}
# Letters that single out a language among those sharing its script.
_SCRIPT_HINTS = {
    "ru": (("uk", "іїєґ"), ("bg", "ъ"), ("sr", "ђћџљњ")),
    "ar": (("fa", "پچژگ"), ("ur", "ٹڈڑے")),
}
# The dozen commonest words of Latin-script languages.
_COMMON_WORDS = {
    "en": "the and of to in is that it for was on with as are this by be from have",
    "de": "der die und das ist nicht ein eine zu den mit sich des auf für im dem",
    "fr": "le la les et des est une pour que qui dans du pas sur au avec ce",
    "es": "el la los las que de y en un una por para es del se con su",
    "it": "il la che di e le un una per non sono del della con gli si",
    "pt": "o a os as que de e do da em um uma para com não no na",
    "nl": "de het een en van is dat op te zijn niet met voor die er ook",
    "sv": "och att det som en på är av för med till den inte har jag ett",
    "da": "og at det som en på er af for med til den ikke har jeg et",
    "no": "og at det som en på er av for med til den ikke har jeg ei",
    "pl": "i w na z że się nie do to jest jak o po ale co dla",
    "cs": "a v na se je že to s z do o jako ale by pro jsou",
    "tr": "ve bir bu da de için ile çok olarak daha gibi ama ne",
    "ro": "și în de la cu a pe că nu un o este din care pentru",
    "fi": "ja on ei että se oli hän ovat mutta myös kuin tai",
    "hu": "a az és hogy nem is egy van meg ez de csak már",
    "id": "yang dan di itu dengan untuk dari ini dalam tidak akan ke",
}
_COMMON_SETS = {code: frozenset(words.split()) for code, words in _COMMON_WORDS.items()}
_WORD = re.compile(r"[^\W\d_]+")


# ISO 639-1: a feed's <language> is free text, and "zz" or "english" helps no voice.
_ISO_639_1 = frozenset(
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee "
    "el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is "
    "it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms "
    "mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk "
    "sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi "
    "yo za zh zu".split()
)


def normalize_code(code: str | None) -> str:
    """'en-US' -> 'en', 'pt_BR' -> 'pt'; empty for anything that is not a language code."""
    code = (code or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in _ISO_639_1 else ""


def detect_language(text: str, declared: str | None = None, *, app_language: str = APP_LANGUAGE) -> str:
    """The article's language code. A non-Latin script decides (with a declared code
    of that script preferred); Latin text goes by py3langid when it is confident,
    else by the declared code if it is a Latin-script language, else the app's."""
    declared_code = normalize_code(declared)
    sample = text[:20000]
    script = _dominant_script(sample)
    if script is not None:
        if declared_code and _script_of(declared_code) == script:
            return declared_code
        return _refine_script(script, sample)
    obvious = _obvious_latin(sample)
    if obvious:
        return obvious  # its commonest words leave no doubt: no need to load the model (a few seconds, once)
    guess, confidence = identify(sample)
    words = len(_WORD.findall(sample))
    if guess and confidence >= CONFIDENT and words >= MIN_WORDS and _script_of(guess) is None:
        return guess
    if guess == "en" and confidence >= 0.5:
        return "en"  # never narrate English with another language's voice
    if declared_code and _script_of(declared_code) is None:
        return declared_code if not _plainly_english(sample) else "en"
    return app_language


_identifier = None
_identifier_lock = threading.Lock()


def identify(text: str) -> tuple[str, float]:
    """py3langid's best language and its normalized probability; ('', 0) for no text."""
    global _identifier
    if not text.strip():
        return "", 0.0
    with _identifier_lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        language, probability = _identifier.classify(text)
    return normalize_code(language), float(probability)


def _obvious_latin(text: str) -> str:
    """A language whose commonest words make up a sixth of a text of 30 words or
    more and outnumber any other's three to one; '' when it is not that plain."""
    words = _WORD.findall(text[:5000])
    if len(words) < 30:
        return ""
    scores = _latin_scores(text[:5000])
    ranked = sorted(scores, key=scores.__getitem__, reverse=True)
    best, second = ranked[0], ranked[1]
    plain = scores[best] >= len(words) / 6 and scores[best] >= 3 * max(1, scores[second])
    return best if plain else ""


def _plainly_english(text: str) -> bool:
    """English's commonest words make up a good share of the text."""
    words = [w.lower() for w in _WORD.findall(text[:5000])]
    if len(words) < 3:
        return False
    scores = _latin_scores(text[:5000])
    return scores["en"] >= max(2, 0.15 * len(words)) and scores["en"] == max(scores.values())


def _script_of(code: str) -> str | None:
    if code in ("ja",):
        return "ja"
    if code in ("uk", "bg", "sr", "mk", "be", "kk", "ky", "mn", "tg"):
        return "ru"
    if code in ("fa", "ur", "ps"):
        return "ar"
    return code if code in _SCRIPT_LANGUAGE.values() else None


def _dominant_script(text: str) -> str | None:
    """The language of the main non-Latin script, or None when Latin letters dominate."""
    counts: dict[str, int] = {}
    latin = 0
    for char in text[:20000]:
        if not char.isalpha():
            continue
        if char < "\u0250":
            latin += 1
            continue
        name = unicodedata.name(char, "").split(" ")[0]
        language = _SCRIPT_LANGUAGE.get(name)
        if language:
            counts[language] = counts.get(language, 0) + 1
    if not counts:
        return None
    best = max(counts, key=counts.__getitem__)
    if counts.get("ja") and best == "zh":
        best = "ja"  # Japanese mixes kanji with kana; Chinese has no kana
    total = sum(counts.values()) + latin
    return best if counts[best] + counts.get("zh", 0) * (best == "ja") >= 0.3 * total else None


def _refine_script(language: str, text: str) -> str:
    for code, letters in _SCRIPT_HINTS.get(language, ()):
        if any(letter in text for letter in letters):
            return code
    return language


def _latin_scores(text: str) -> dict[str, int]:
    words = [w.lower() for w in _WORD.findall(text[:20000])]
    return {code: sum(w in common for w in words) for code, common in _COMMON_SETS.items()}
