"""A short, language-neutral label of a user agent ("Firefox · Windows"), and a client's network."""

from __future__ import annotations

import ipaddress

# The first match wins: Edge and Opera also name Chrome, Chrome also names Safari.
_BROWSERS = [
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
]
_SYSTEMS = [
    ("Windows", "Windows"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
]


def device_label(user_agent: str) -> str:
    """'Browser · System' for a browser, else the agent's first word ('curl', 'python-requests');
    '' for no agent at all."""
    agent = (user_agent or "").strip()
    if not agent:
        return ""
    browser = next((name for mark, name in _BROWSERS if mark in agent), "")
    system = next((name for mark, name in _SYSTEMS if mark in agent), "")
    if browser or system:
        return " · ".join(part for part in (browser, system) if part)[:100]
    return agent.split()[0].split("/")[0][:100]


def network_of(address: str) -> str:
    """The client's network: an IPv4 address's /24 (an IPv6 one comes as its /64 already)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if ip.version == 4:
        return str(ipaddress.ip_network(f"{ip}/24", strict=False))
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))
