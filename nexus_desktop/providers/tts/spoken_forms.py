"""How numbers, money, units and abbreviations are said, per language.

Numbers go through num2words, which knows the grammar of each language it
supports; the words around them (units, currencies, "percent") come from small
tables here. A language with no table keeps its symbols: the voice of that
language reads them in its own way, which beats English words in its mouth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from num2words import num2words

# Languages that write 1,200.5; the others write 1.200,5.
_POINT_DECIMAL = frozenset({"en", "ja", "zh", "ko", "hi", "th", "he", "ms", "tl", "ga", "cy"})


@dataclass(frozen=True)
class Vocabulary:
    """The words one language needs around numbers."""

    percent: str
    degrees: str
    celsius: str
    fahrenheit: str
    minus: str
    to: str  # ranges: "5 to 10"
    currencies: dict[str, tuple[str, str]]  # symbol or code -> (one, many)
    scales: dict[str, str]  # "m", "bn", "million" -> the scale word
    units: dict[str, tuple[str, str]]  # "km" -> (one, many)
    letters_dotted: bool = False  # spell acronyms "E.V." (English voices read "EV" as a word)
    abbreviations: dict[str, str] = field(default_factory=dict)


_EN_UNITS = {
    "km": ("kilometre", "kilometres"), "m": ("metre", "metres"), "cm": ("centimetre", "centimetres"),
    "mm": ("millimetre", "millimetres"), "nm": ("nanometre", "nanometres"), "µm": ("micrometre", "micrometres"),
    "kg": ("kilogram", "kilograms"), "g": ("gram", "grams"), "mg": ("milligram", "milligrams"),
    "lb": ("pound", "pounds"), "lbs": ("pounds", "pounds"), "oz": ("ounce", "ounces"),
    "mph": ("mile per hour", "miles per hour"), "km/h": ("kilometre per hour", "kilometres per hour"),
    "kph": ("kilometre per hour", "kilometres per hour"), "ft": ("foot", "feet"), "mi": ("mile", "miles"),
    "ml": ("millilitre", "millilitres"), "mL": ("millilitre", "millilitres"), "L": ("litre", "litres"),
    "W": ("watt", "watts"), "kW": ("kilowatt", "kilowatts"), "MW": ("megawatt", "megawatts"),
    "GW": ("gigawatt", "gigawatts"), "Wh": ("watt-hour", "watt-hours"), "kWh": ("kilowatt-hour", "kilowatt-hours"),
    "MWh": ("megawatt-hour", "megawatt-hours"), "GWh": ("gigawatt-hour", "gigawatt-hours"),
    "TWh": ("terawatt-hour", "terawatt-hours"), "mAh": ("milliamp-hour", "milliamp-hours"),
    "V": ("volt", "volts"), "kV": ("kilovolt", "kilovolts"), "Hz": ("hertz", "hertz"), "kHz": ("kilohertz", "kilohertz"),
    "MHz": ("megahertz", "megahertz"), "GHz": ("gigahertz", "gigahertz"), "KB": ("kilobyte", "kilobytes"),
    "MB": ("megabyte", "megabytes"), "GB": ("gigabyte", "gigabytes"), "TB": ("terabyte", "terabytes"),
    "fps": ("frame per second", "frames per second"), "ms": ("millisecond", "milliseconds"),
    "min": ("minute", "minutes"), "hrs": ("hours", "hours"), "dB": ("decibel", "decibels"),
    "sq ft": ("square foot", "square feet"), "km²": ("square kilometre", "square kilometres"),
    "m²": ("square metre", "square metres"), "°": ("degree", "degrees"),
}
_EN_ABBREVIATIONS = {
    "Dr.": "Doctor", "Mr.": "Mister", "Mrs.": "Missus", "Ms.": "Miz", "Prof.": "Professor", "Mt.": "Mount",
    "Jr.": "Junior", "Sr.": "Senior", "Univ.": "University", "Dept.": "Department", "Gov.": "Governor",
    "Sen.": "Senator", "Rep.": "Representative", "Gen.": "General", "Capt.": "Captain", "Lt.": "Lieutenant",
    "Col.": "Colonel", "Sgt.": "Sergeant", "Ave.": "Avenue", "Rd.": "Road", "Blvd.": "Boulevard",
    "approx.": "approximately", "vs.": "versus", "etc.": "et cetera", "e.g.": "for example", "i.e.": "that is",
    "est.": "established", "Inc.": "Incorporated", "Ltd.": "Limited", "Corp.": "Corporation",
    "Jan.": "January", "Feb.": "February", "Mar.": "March", "Apr.": "April", "Jun.": "June", "Jul.": "July",
    "Aug.": "August", "Sep.": "September", "Sept.": "September", "Oct.": "October", "Nov.": "November",
    "Dec.": "December", "a.m.": "A.M.", "p.m.": "P.M.", "U.S.": "U.S.", "U.K.": "U.K.",
}

VOCABULARIES: dict[str, Vocabulary] = {
    "en": Vocabulary(
        "percent", "degrees", "Celsius", "Fahrenheit", "minus", "to",
        {"$": ("dollar", "dollars"), "US$": ("dollar", "dollars"), "USD": ("dollar", "dollars"),
         "€": ("euro", "euros"), "EUR": ("euro", "euros"), "£": ("pound", "pounds"), "GBP": ("pound", "pounds"),
         "¥": ("yen", "yen"), "₹": ("rupee", "rupees")},
        {"k": "thousand", "K": "thousand", "thousand": "thousand", "m": "million", "M": "million", "mn": "million",
         "million": "million", "b": "billion", "B": "billion", "bn": "billion", "billion": "billion",
         "t": "trillion", "T": "trillion", "tn": "trillion", "trillion": "trillion"},
        _EN_UNITS, letters_dotted=True, abbreviations=_EN_ABBREVIATIONS,
    ),
    "de": Vocabulary(
        "Prozent", "Grad", "Celsius", "Fahrenheit", "minus", "bis",
        {"$": ("Dollar", "Dollar"), "€": ("Euro", "Euro"), "EUR": ("Euro", "Euro"), "£": ("Pfund", "Pfund")},
        {"Mio.": "Millionen", "Mrd.": "Milliarden", "Millionen": "Millionen", "Milliarden": "Milliarden",
         "M": "Millionen", "Mio": "Millionen", "Mrd": "Milliarden"},
        {"km": ("Kilometer", "Kilometer"), "m": ("Meter", "Meter"), "kg": ("Kilogramm", "Kilogramm"),
         "g": ("Gramm", "Gramm"), "km/h": ("Kilometer pro Stunde", "Kilometer pro Stunde"),
         "kWh": ("Kilowattstunde", "Kilowattstunden"), "cm": ("Zentimeter", "Zentimeter"), "°": ("Grad", "Grad")},
        abbreviations={"z.B.": "zum Beispiel", "bzw.": "beziehungsweise", "ca.": "circa", "Dr.": "Doktor",
                       "Prof.": "Professor", "usw.": "und so weiter", "Nr.": "Nummer"},
    ),
    "fr": Vocabulary(
        "pour cent", "degrés", "Celsius", "Fahrenheit", "moins", "à",
        {"$": ("dollar", "dollars"), "€": ("euro", "euros"), "EUR": ("euro", "euros"), "£": ("livre", "livres")},
        {"M": "millions de", "Md": "milliards de", "millions": "millions de", "milliards": "milliards de"},
        {"km": ("kilomètre", "kilomètres"), "m": ("mètre", "mètres"), "kg": ("kilogramme", "kilogrammes"),
         "g": ("gramme", "grammes"), "km/h": ("kilomètre heure", "kilomètres heure"), "°": ("degré", "degrés")},
        abbreviations={"M.": "Monsieur", "Mme": "Madame", "Dr": "Docteur", "env.": "environ"},
    ),
    "es": Vocabulary(
        "por ciento", "grados", "Celsius", "Fahrenheit", "menos", "a",
        {"$": ("dólar", "dólares"), "€": ("euro", "euros"), "EUR": ("euro", "euros"), "£": ("libra", "libras")},
        {"M": "millones de", "millones": "millones de"},
        {"km": ("kilómetro", "kilómetros"), "m": ("metro", "metros"), "kg": ("kilo", "kilos"),
         "g": ("gramo", "gramos"), "km/h": ("kilómetro por hora", "kilómetros por hora"), "°": ("grado", "grados")},
        abbreviations={"Dr.": "doctor", "Sr.": "señor", "Sra.": "señora"},
    ),
}

# Acronyms said as words rather than letter by letter.
ACRONYM_WORDS = frozenset(
    "NASA NATO UNESCO UNICEF OPEC FIFA UEFA COVID LIDAR RADAR SONAR LASER SCUBA ASAP GIF JPEG PIN RAM ROM CERN "
    "NAFTA AIDS IKEA LEGO SIM WIFI DOS ISIS OLED SARS MERS NOAA FEMA ASEAN OSHA TOEFL GAAP".split()
)
# A few tokens letters or numbers cannot say: programming languages and brands.
TECH_TERMS = {
    "C#": "C sharp", "F#": "F sharp", "C++": "C plus plus", ".NET": "dot net", "AT&T": "A.T. and T.",
    "Node.js": "Node J.S.", "Next.js": "Next J.S.", "Vue.js": "Vue J.S.", "R&D": "R. and D.", "Q&A": "Q. and A.",
    "P&G": "P. and G.", "M&A": "M. and A.", "B2B": "B. to B.", "B2C": "B. to C.",
}
ROMAN = frozenset("II III IV VI VII VIII IX XI XII XIV XV XVI XX XXI".split())
MONTHS = ("January February March April May June July August September October November December").split()


@lru_cache(maxsize=None)
def vocabulary(language: str) -> Vocabulary | None:
    return VOCABULARIES.get(language)


@lru_cache(maxsize=None)
def speaks_numbers(language: str) -> bool:
    """True when num2words knows the language."""
    try:
        num2words(1, lang=language)
    except (NotImplementedError, KeyError, AttributeError, ValueError):
        return False
    return True


def parse_number(text: str, language: str) -> Decimal | None:
    """'1,200' -> 1200, '18.5' -> 18.5 (in English); '1.200' -> 1200, '3,5' -> 3.5 (in German)."""
    text = text.replace("\u2212", "-")
    group, point = (",", ".") if language in _POINT_DECIMAL else (".", ",")
    if "," in text and "." in text:
        point = "." if text.rfind(".") > text.rfind(",") else ","
        group = "," if point == "." else "."
    elif group in text:
        parts = text.lstrip("-").split(group)
        if not all(len(p) == 3 for p in parts[1:]) or len(parts[0]) > 3:
            point, group = group, point  # "3.5" in German is still three and a half
    cleaned = text.replace(group, "").replace(point, ".")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


@lru_cache(maxsize=4096)
def say_number(value: Decimal, language: str, *, to: str = "cardinal") -> str | None:
    """The number in words, or None when num2words does not speak the language."""
    if not speaks_numbers(language):
        return None
    try:
        if to == "cardinal" and value == value.to_integral_value():
            value = Decimal(int(value))
        words = num2words(int(value) if to != "cardinal" else value, lang=language, to=to)
    except (NotImplementedError, OverflowError, ValueError, TypeError, InvalidOperation, IndexError):
        return None
    return words.replace(",", "") if language == "en" else words


@lru_cache(maxsize=1024)
def say_year(value: int, language: str) -> str | None:
    if not speaks_numbers(language):
        return None
    try:
        return num2words(value, lang=language, to="year")
    except (NotImplementedError, OverflowError, ValueError, TypeError):
        return say_number(Decimal(value), language)


def say_letters(letters: str) -> str:
    """'EV' -> 'E.V.': English voices then name each letter."""
    return "".join(f"{letter}." for letter in letters)


def say_fraction(numerator: int, denominator: int, language: str) -> str | None:
    """'3/4' -> 'three quarters' (English); other languages say 'three over four' their way."""
    top = say_number(Decimal(numerator), language)
    if top is None:
        return None
    if language != "en":
        return None
    names = {2: ("half", "halves"), 4: ("quarter", "quarters")}
    if denominator in names:
        one, many = names[denominator]
        return f"{top} {one if numerator == 1 else many}"
    ordinal = say_number(Decimal(denominator), language, to="ordinal")
    if ordinal is None or denominator > 100:
        return f"{top} over {say_number(Decimal(denominator), language)}"
    return f"{top} {ordinal}{'' if numerator == 1 else 's'}"
