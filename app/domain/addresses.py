"""Which network addresses a capture may connect to: public unicast only, so that a citation
URL cannot make the server reach itself or the hosts of its own network (SSRF)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

CAPTURE_SCHEMES = ("http", "https")
# NAT64 (RFC 6052) maps every IPv4 address into this IPv6 prefix.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries and reaches: IPv4-mapped (::ffff:a.b.c.d),
    6to4 (2002::/16), Teredo (2001::/32) or NAT64 (64:ff9b::/96)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_problem(address: str | IPAddress) -> str | None:
    """What kind of address `address` is when a capture may not connect to it ("a loopback
    address"), or None for a public unicast address."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            problem = address_problem(embedded)
            return f"an IPv6 address of {embedded}, {problem}" if problem else None
    for test, kind in (
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_private, "a private address"),
        (ip.is_reserved, "a reserved address"),
    ):
        if test:
            return kind
    if not ip.is_global:
        return "not a public address"
    return None


def refusal(host: str, address: str) -> str | None:
    """Why a capture may not connect to `host` at `address`, as a reader reads it, or None."""
    problem = address_problem(address)
    if problem is None:
        return None
    if host.strip("[]").lower() == address.lower():
        return f"refused address: {address} is {problem}"
    return f"refused address: {host} resolves to {address}, {problem}"


def url_problem(url: str) -> str | None:
    """Why `url` cannot be captured at all (its scheme, no host), or None."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return "not a valid URL"
    if parts.scheme.lower() not in CAPTURE_SCHEMES:
        return f"not http(s): {parts.scheme or 'no scheme'}"
    if not parts.hostname:
        return "not a valid URL: no host"
    if parts.username is not None or parts.password is not None:
        return "not captured: the URL carries a user name or password"
    return None
