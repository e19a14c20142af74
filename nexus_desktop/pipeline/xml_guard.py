"""Refusing XML whose own entities could blow up, before any parser expands them.

A hostile feed declares entities that expand a few KB into gigabytes: entities
nested in each other ("billion laughs") or one large entity repeated (the
quadratic blow-up). feedparser's strict parser and its loose fallback both
expand them, so this check runs first. expat reads only the prolog (it stops at
the first element), in whatever encoding the document uses, and judges each
declaration: the short, flat ones some old feeds carry (``nbsp`` as one
character) pass; a long value, a reference inside a value, a parameter entity
or an external one is refused. A document expat cannot read (the loose parser
may still try) is refused if its bytes declare any entity at all. This is the
guard defusedxml applies, bounded instead of all-or-nothing, without the extra
dependency.
"""

from __future__ import annotations

import re
from xml.parsers import expat

from ..domain.errors import UserFixableError

_DECLARATION = re.compile(rb"<!\s*ENTITY", re.I)
_WIDE = re.compile(rb"\0?".join(bytes([c]) for c in b"<!ENTITY") + rb"|" + rb"\0?".join(bytes([c]) for c in b"<!entity"))
MAX_VALUE = 16  # characters in one entity's value: a named character or a short word
MAX_DECLARATIONS = 300  # the HTML named entities, once


class _Prolog(Exception):
    pass


def dangerous_entity(data: bytes) -> str | None:
    """Why the document's entity declarations could blow up, or None when they cannot."""
    parser = expat.ParserCreate()
    problems: list[str] = []
    count = 0

    def entity(name, is_parameter, value, _base, system_id, _public_id, _notation) -> None:
        nonlocal count
        count += 1
        if is_parameter:
            problems.append(f"a parameter entity (%{name};)")
        elif value is None:
            problems.append(f"an external entity (&{name};)" if system_id else f"entity &{name};")
        elif "&" in value or "%" in value:
            problems.append(f"entity &{name}; made of other entities")
        elif len(value) > MAX_VALUE:
            problems.append(f"entity &{name}; holding {len(value):,} characters")
        elif count > MAX_DECLARATIONS:
            problems.append(f"over {MAX_DECLARATIONS} entity declarations")
        if problems:
            raise _Prolog

    def element(*_args) -> None:
        raise _Prolog

    parser.EntityDeclHandler = entity
    parser.StartElementHandler = element
    try:
        parser.Parse(data, True)
    except _Prolog:
        return problems[0] if problems else None
    except (expat.ExpatError, ValueError):  # ValueError: an encoding expat cannot read ("UTF-16LE" named, no BOM)
        if _DECLARATION.search(data) or _WIDE.search(data):
            return "entities in a document that is not well-formed XML"
    return None


def refuse_entity_declarations(data: bytes, what: str = "feed") -> None:
    problem = dangerous_entity(data)
    if problem:
        raise UserFixableError(
            f"refused: the {what} declares {problem}, which can expand to gigabytes when read",
            hint="ask the site to remove the entity declarations from its DOCTYPE",
        )
