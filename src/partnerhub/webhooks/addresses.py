"""Where webhooks may be sent (docs/reference/events.md#webhooks): `https` to public addresses.

The rules hold at registration and again at each delivery, on the addresses the name resolves to
then: a name that resolved to a public address when it was registered and resolves to a private
one later is refused at delivery. Delivery then connects to the address it checked (`pinned`), so
no second lookup can swap in another address between the check and the connection.

`settings.WEBHOOKS_ALLOW_PRIVATE` (env `WEBHOOKS_ALLOW_PRIVATE=true`: tests, intranet receivers)
lifts the address rules and also allows plain `http`.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata services (AWS, GCP, Azure: 169.254.169.254; AWS over IPv6: fd00:ec2::254).
METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)


class AddressRefused(ValueError):
    """A URL webhooks may not be sent to; the message says why (shown to people, logged)."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (`address`) and what to ask for (scheme, host, port)."""

    scheme: str
    host: str
    port: int
    path: str  # with its query
    address: IPAddress

    @property
    def pinned_url(self) -> str:
        """The URL with the checked address in place of the name."""
        host = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        return f"{self.scheme}://{host}:{self.port}{self.path}"

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"


def allow_private() -> bool:
    """`settings.WEBHOOKS_ALLOW_PRIVATE`; where the settings do not define it, the environment
    variable of that name (`true`, `1`, `yes`)."""
    flag = getattr(settings, "WEBHOOKS_ALLOW_PRIVATE", None)
    if flag is None:
        flag = os.environ.get("WEBHOOKS_ALLOW_PRIVATE", "").strip().lower() in {"1", "true", "yes"}
    return bool(flag)


def _why_refused(address: IPAddress) -> str | None:
    """Why an address is not a public one, or None when it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return _("a cloud metadata address")
    checks = (
        (address.is_loopback, _("a loopback address")),
        (address.is_unspecified, _("an unspecified address")),
        (address.is_link_local, _("a link-local address")),
        (address.is_multicast, _("a multicast address")),
        (address.is_private, _("a private address")),
        (address.is_reserved, _("a reserved address")),
        (not address.is_global, _("not a public address")),
    )
    for refused, reason in checks:
        if refused:
            return str(reason)
    return None


def parse(url: str) -> tuple[str, str, int, str]:
    """The scheme, host, port and path of a URL webhooks may use, else AddressRefused."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise AddressRefused(_("This is not a valid URL.")) from exc
    schemes = {"https", "http"} if allow_private() else {"https"}
    if parts.scheme not in schemes:
        raise AddressRefused(_("The URL must start with https://."))
    if not parts.hostname:
        raise AddressRefused(_("The URL has no host name."))
    if parts.username or parts.password:
        raise AddressRefused(_("The URL may not carry a user name or password."))
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, parts.hostname, port or default, path


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos: list[Any] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        message = _("The host name %(host)s could not be resolved.") % {"host": host}
        raise AddressRefused(message) from exc
    found: list[IPAddress] = []
    for info in infos:
        raw = str(info[4][0]).split("%", 1)[0]  # an IPv6 scope id is no part of the address
        address = ipaddress.ip_address(raw)
        if address not in found:
            found.append(address)
    if not found:
        raise AddressRefused(_("The host name %(host)s could not be resolved.") % {"host": host})
    return found


def check(url: str) -> Target:
    """Resolve the URL's host now and answer where to connect; AddressRefused when the URL or any
    address the name resolves to is not allowed."""
    scheme, host, port, path = parse(url)
    addresses = _resolve(host, port)
    if not allow_private():
        for address in addresses:
            reason = _why_refused(address)
            if reason:
                raise AddressRefused(
                    _("%(host)s resolves to %(address)s, %(reason)s: refused.")
                    % {"host": host, "address": address, "reason": reason}
                )
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])
