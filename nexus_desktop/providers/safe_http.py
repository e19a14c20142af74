"""Reading a response someone else controls, with limits that hold whatever it claims.

httpx decodes every ``Content-Encoding`` layer in one go: a 2 KB body marked
``gzip, gzip`` becomes gigabytes inside a single read, before any size check
sees it. Here the raw bytes are decoded layer by layer in small steps, so the
cap on what comes out holds; a total deadline bounds a server that sends one
byte a second (httpx's timeouts only bound each read).

Also here: whether an address is on this machine or its network, for content
(article images and pages) that should only come from the public internet
unless the feed itself lives on such an address.
"""

from __future__ import annotations

import ipaddress
import socket
import time
import zlib
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

import httpx

ACCEPT_ENCODING = "gzip, deflate"
_STEP = 64 * 1024  # the most one decoding step may produce


class BodyTooLarge(Exception):
    """The decoded body is over the cap."""


class DeadlineExceeded(Exception):
    """The whole download took longer than allowed."""


class UnsupportedEncoding(Exception):
    """A Content-Encoding we did not ask for and cannot decode safely."""


def _inflate(chunks: Iterable[bytes], wbits: int) -> Iterator[bytes]:
    """zlib/gzip decoding that never produces more than _STEP bytes at once; gzip members may follow each other."""
    decoder = zlib.decompressobj(wbits)
    for chunk in chunks:
        data = chunk
        while data:
            if decoder.eof:  # another gzip member follows, or padding
                if not data.strip(b"\0"):
                    break
                decoder = zlib.decompressobj(wbits)
            try:
                out = decoder.decompress(data, _STEP)
            except zlib.error as exc:
                kind = "gzip" if wbits > zlib.MAX_WBITS else "deflate"
                raise httpx.DecodingError(f"the response is not valid {kind} data: {exc}") from None
            if out:
                yield out
            data = decoder.unused_data if decoder.eof else decoder.unconsumed_tail
    if not decoder.eof:
        while out := decoder.flush(_STEP):
            yield out


def _layers(header: str) -> list[str]:
    return [part.strip().lower() for part in header.split(",") if part.strip() and part.strip().lower() != "identity"]


def decoded_chunks(raw: Iterable[bytes], content_encoding: str) -> Iterator[bytes]:
    """The body with every Content-Encoding layer undone, last applied first."""
    stream: Iterable[bytes] = raw
    for layer in reversed(_layers(content_encoding)):
        if layer in ("gzip", "x-gzip"):
            stream = _inflate(stream, 16 + zlib.MAX_WBITS)
        elif layer == "deflate":
            stream = _inflate(stream, zlib.MAX_WBITS)
        else:
            raise UnsupportedEncoding(f"the server sent the body encoded as '{layer}', which was not asked for")
    yield from stream


def read_capped(response: httpx.Response, max_bytes: int, deadline: float | None = None) -> bytes:
    """Read and decode ``response`` (opened with ``stream``), stopping as soon as the decoded
    size passes ``max_bytes`` or ``time.monotonic()`` passes ``deadline``."""
    body = bytearray()
    raw = _raw_until(response, deadline)
    for chunk in decoded_chunks(raw, response.headers.get("content-encoding", "")):
        body += chunk
        if len(body) > max_bytes:
            raise BodyTooLarge(f"over {max_bytes:,} bytes")
    return bytes(body)


def _raw_until(response: httpx.Response, deadline: float | None) -> Iterator[bytes]:
    for chunk in response.iter_raw():
        if deadline is not None and time.monotonic() > deadline:
            raise DeadlineExceeded("the download took too long")
        yield chunk


# -- addresses --------------------------------------------------------------------------------


def is_internal_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Loopback, link-local, private, reserved, multicast or unspecified (IPv4-mapped IPv6 too)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast or ip.is_unspecified


def is_internal_address(url: str) -> bool:
    """True when the URL's host is, or resolves to, a loopback, link-local or private address.

    A name that does not resolve counts as public: the download then fails on its own."""
    host = (urlsplit(url).hostname or "").strip("[]")
    if not host:
        return False
    try:
        return is_internal_ip(ipaddress.ip_address(host))
    except ValueError:
        pass
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return False
    return any(is_internal_ip(ipaddress.ip_address(info[4][0].split("%")[0])) for info in infos)


class InternalAddressRefused(Exception):
    """A request (or a redirect) went to an address on this machine or its network."""


def refuse_internal_hook(request: httpx.Request) -> None:
    """An httpx request hook: runs for the first request and for every redirect."""
    if is_internal_address(str(request.url)):
        raise InternalAddressRefused(f"{request.url.host} is on this computer or its local network")
