"""Who may use the playground: the Host allow-list, the exact Origin check and the per-launch token.

Three checks, as Jupyter makes them (no aiohttp here; :mod:`.server` applies them):

* **Host** (against DNS rebinding, where a site's own name is pointed at this
  machine): a request's ``Host`` must be ``localhost``, a loopback address, a
  name given with ``allow_hosts`` (``--allow-host``) or the name the server
  was bound to.  A server listening beyond loopback (``--host 0.0.0.0`` or an
  address of the machine) also answers IP addresses: a rebinding attack needs
  a name of the attacker's, never an address.
* **Origin**: a request that carries an ``Origin`` must come from the page
  itself -- scheme, host and port equal to the request's own, compared exactly
  (``http://127.0.0.1:8000.evil.com`` is not ``http://127.0.0.1:8000``).  A
  WebSocket must carry one (browsers always send it).
* **Token**: a random ``secrets.token_urlsafe(32)`` made at each launch and
  printed in the address (``http://127.0.0.1:8000/?token=...``); every request
  but the package's static files needs it, as ``?token=`` or as the cookie the
  page sets on its first load, compared with :func:`hmac.compare_digest`.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import secrets
from collections.abc import Iterable

__all__ = ["Access", "host_name", "is_loopback", "split_authority"]

_AUTHORITY = re.compile(r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9._-]+))"
                        r"(?::(?P<port>[1-9][0-9]{0,4}))?")
_NAME = re.compile(r"[A-Za-z0-9._-]+")
_ORIGIN = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<authority>.*)")
_DEFAULT_PORT = {"http": 80, "https": 443}
WILDCARDS = {"0.0.0.0", "::", ""}


def split_authority(text: str) -> tuple[str, int | None]:
    """``host[:port]`` (``[v6][:port]``) as (lower-case host, port or None); ValueError if malformed."""
    m = _AUTHORITY.fullmatch(text)
    if m is None or (m["port"] is not None and int(m["port"]) > 65535):
        raise ValueError(f"not a host[:port]: {text[:80]!r}")
    if m["v6"] is not None:
        return str(ipaddress.IPv6Address(m["v6"])), (int(m["port"]) if m["port"] else None)
    return m["name"].lower(), (int(m["port"]) if m["port"] else None)


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def is_loopback(host: str) -> bool:
    """True for an address to listen on that only this machine reaches (``127.0.0.1``, ``::1``, ``localhost``)."""
    host = host.strip("[]").lower()
    ip = _ip(host)
    return host == "localhost" if ip is None else ip.is_loopback


def host_name(name: str) -> str:
    """A host name or IP address for the allow-list, normalised; ValueError saying what a name is."""
    text = name.strip()
    ip = _ip(text[1:-1] if text.startswith("[") and text.endswith("]") else text)
    if ip is not None:
        return str(ip)
    if not _NAME.fullmatch(text) or text.startswith(".") or len(text) > 253:
        raise ValueError(f"{name[:80]!r} is not a host name (letters, digits, '.', '-', without a port) "
                         f"or an IP address")
    return text.lower()


class Access:
    """The checks of one server launch.

    ``bound`` is the address the server listens on, ``allow_hosts`` the extra
    names its ``Host`` may carry; ``token`` defaults to a fresh random one.
    """

    def __init__(self, bound: str = "127.0.0.1", allow_hosts: Iterable[str] = (),
                 token: str | None = None):
        self.token = token or secrets.token_urlsafe(32)
        if isinstance(allow_hosts, str):
            allow_hosts = [allow_hosts]
        self.wide = not is_loopback(bound)
        self.names = {"localhost", *map(host_name, allow_hosts)}
        if bound.strip("[]") not in WILDCARDS:
            try:
                self.names.add(host_name(bound))
            except ValueError:     # not a name: listening on it fails with its own message
                pass

    def host_ok(self, host_header: str) -> bool:
        """May a request with this ``Host`` be answered?"""
        try:
            host, _ = split_authority(host_header)
        except ValueError:
            return False
        ip = _ip(host)
        if ip is None:
            return host in self.names
        return ip.is_loopback or self.wide or str(ip) in self.names

    @staticmethod
    def same_origin(origin: str, host_header: str, scheme: str = "http") -> bool:
        """Is ``origin`` exactly ``scheme://Host`` (scheme, host and port equal, default ports filled in)?"""
        m = _ORIGIN.fullmatch(origin)
        if m is None or m["scheme"].lower() != scheme:
            return False
        try:
            o_host, o_port = split_authority(m["authority"])
            h_host, h_port = split_authority(host_header)
        except ValueError:
            return False
        default = _DEFAULT_PORT[scheme]
        return (o_host, o_port or default) == (h_host, h_port or default)

    def token_ok(self, given: str | None) -> bool:
        """Is ``given`` this launch's token (compared in constant time)?"""
        return given is not None and hmac.compare_digest(given.encode("utf-8", "replace"),
                                                          self.token.encode())

    @staticmethod
    def cookie_name(host_header: str) -> str:
        """The token cookie's name; per port, since browsers share cookies across a host's ports."""
        try:
            port = split_authority(host_header)[1] or 80
        except ValueError:
            port = 0
        return f"backprop-playground-{port}"
