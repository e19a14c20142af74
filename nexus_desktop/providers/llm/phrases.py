"""The few fixed phrases a script needs, per language.

A narration in Russian must not open in English, so the hook, the close and the
labels of the posts come from here. Languages without an entry get no template
sentence at all (the title opens the narration) and label-free posts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Phrases:
    hook: str  # opens the narration; {title}
    hook_untitled: str  # opens it when the feed gave no title
    close: str  # ends the narration; {source}
    close_no_source: str
    essentials: str  # a title candidate; {topic}
    read_full: str  # label before the link in descriptions and posts; {source}
    key_points: str
    link_in_bio: str


PHRASES: dict[str, Phrases] = {
    "en": Phrases(
        "Here's the story: {title}.", "Here's a story worth a minute.", "Read the full story from {source}.",
        "Find the full story at the link in the description.", "{topic}: what you need to know",
        "Read the full story from {source}", "Key points", "Full story: link in bio.",
    ),
    "de": Phrases(
        "Darum geht es: {title}.", "Eine Geschichte, die eine Minute wert ist.",
        "Den ganzen Artikel lesen Sie bei {source}.", "Den ganzen Artikel finden Sie über den Link in der Beschreibung.",
        "{topic}: das Wichtigste", "Der ganze Artikel bei {source}", "Das Wichtigste", "Ganzer Artikel: Link in der Bio.",
    ),
    "fr": Phrases(
        "Voici l'histoire : {title}.", "Une histoire qui vaut une minute.", "Lisez l'article complet sur {source}.",
        "L'article complet est en lien dans la description.", "{topic} : l'essentiel",
        "L'article complet sur {source}", "Points clés", "Article complet : lien en bio.",
    ),
    "es": Phrases(
        "Esta es la historia: {title}.", "Una historia que vale un minuto.", "Lee la historia completa en {source}.",
        "La historia completa está en el enlace de la descripción.", "{topic}: lo esencial",
        "La historia completa en {source}", "Puntos clave", "Historia completa: enlace en la bio.",
    ),
    "it": Phrases(
        "Ecco la storia: {title}.", "Una storia che vale un minuto.", "Leggi l'articolo completo su {source}.",
        "L'articolo completo è nel link in descrizione.", "{topic}: l'essenziale",
        "L'articolo completo su {source}", "Punti chiave", "Articolo completo: link in bio.",
    ),
    "pt": Phrases(
        "Esta é a história: {title}.", "Uma história que vale um minuto.", "Leia a matéria completa em {source}.",
        "A matéria completa está no link da descrição.", "{topic}: o essencial",
        "A matéria completa em {source}", "Pontos principais", "Matéria completa: link na bio.",
    ),
    "nl": Phrases(
        "Dit is het verhaal: {title}.", "Een verhaal dat een minuut waard is.", "Lees het hele verhaal bij {source}.",
        "Het hele verhaal staat achter de link in de beschrijving.", "{topic}: de hoofdzaken",
        "Het hele verhaal bij {source}", "De hoofdpunten", "Het hele verhaal: link in bio.",
    ),
    "ru": Phrases(
        "Главная тема: {title}.", "Коротко о главном.", "Полный текст читайте на сайте «{source}».",
        "Полный текст — по ссылке в описании.", "{topic}: главное",
        "Полный текст на сайте «{source}»", "Главное", "Полный текст — по ссылке в профиле.",
    ),
    "el": Phrases(
        "Η είδηση: {title}.", "Με λίγα λόγια.", "Διαβάστε ολόκληρο το άρθρο στο «{source}».",
        "Ολόκληρο το άρθρο θα το βρείτε στον σύνδεσμο της περιγραφής.", "{topic}: τα βασικά",
        "Ολόκληρο το άρθρο στο «{source}»", "Τα βασικά", "Ολόκληρο το άρθρο: σύνδεσμος στο προφίλ.",
    ),
    "ja": Phrases(
        "今日の話題は「{title}」です。", "今日のニュースです。", "詳しくは「{source}」の記事をご覧ください。",
        "詳しくは説明欄のリンクからご覧ください。", "{topic}：要点まとめ",
        "記事全文は「{source}」で", "要点", "記事全文はプロフィールのリンクから。",
    ),
    "zh": Phrases(
        "今日话题：{title}。", "今日新闻。", "完整报道请见{source}。",
        "完整报道请见描述中的链接。", "{topic}：要点",
        "完整报道：{source}", "要点", "完整报道见主页链接。",
    ),
}
# No template sentence: the title alone opens the narration, ended the way the
# language ends a sentence (Thai marks none).
NEUTRAL = Phrases("{title}.", "", "", "", "", "{source}", "", "")
FULL_STOPS = {"hi": "।", "mr": "।", "ne": "।", "bn": "।", "ur": "۔", "hy": "։", "am": "።", "th": "", "lo": "", "km": "។", "my": "။"}


def phrases_for(language: str) -> Phrases:
    if language in PHRASES:
        return PHRASES[language]
    return replace(NEUTRAL, hook="{title}" + full_stop(language))


def full_stop(language: str) -> str:
    return FULL_STOPS.get(language, ".")
