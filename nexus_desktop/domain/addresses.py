"""Web addresses that can never be reached.

RFC 2606 and RFC 6761 reserve example.com/.net/.org and the .example, .test and
.invalid top-level domains for documentation and tests: no DNS server answers
for them, so asking is only a wasted lookup on the creator's network (and the
sample feeds use them).
"""

from __future__ import annotations

from urllib.parse import urlsplit

RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_TLDS = ("example", "test", "invalid")


def is_reserved_host(url: str) -> bool:
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if not host:
        return False
    if host.rsplit(".", 1)[-1] in RESERVED_TLDS:
        return True
    return any(host == d or host.endswith("." + d) for d in RESERVED_DOMAINS)
