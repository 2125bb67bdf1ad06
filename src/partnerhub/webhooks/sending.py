"""Signing and sending one webhook delivery (docs/reference/events.md#webhooks): Standard Webhooks
signatures from the `standardwebhooks` package (one per valid secret during a rotation), and a POST
over a connection pinned to the address that `addresses.check` accepted, so the name is not
resolved again between the check and the connection."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from typing import Any

import requests
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter
from standardwebhooks.webhooks import Webhook

from partnerhub.core import clock
from partnerhub.core.models import Event
from partnerhub.webhooks import addresses
from partnerhub.webhooks.models import Delivery, Endpoint

TIMEOUT_SECONDS = 10
USER_AGENT = "PartnerHub-Webhooks/1.0"


class PinnedAdapter(HTTPAdapter):
    """Connects to the checked address while TLS names (SNI) and verifies the real host."""

    def __init__(self, host: str, **kwargs: Any) -> None:
        self._host = host
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **pool_kwargs: Any) -> None:
        pool_kwargs["server_hostname"] = self._host
        pool_kwargs["assert_hostname"] = self._host
        super().init_poolmanager(*args, **pool_kwargs)


def pinned_session(target: addresses.Target) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: we connect where we checked
    session.mount(f"{target.scheme}://", PinnedAdapter(target.host))
    return session


def signing_secrets(endpoint: Endpoint, now: dt.datetime) -> list[str]:
    """The secrets that sign now: the current one, and the previous one for 24 h after a
    rotation."""
    found = [endpoint.secret]
    expires = endpoint.previous_secret_expires
    if endpoint.previous_secret and expires is not None and expires > now:
        found.append(endpoint.previous_secret)
    return found


def body_of(event: Event, partner_ext_id: str) -> bytes:
    return json.dumps(
        event.payload(partner_ext_id), cls=DjangoJSONEncoder, ensure_ascii=False
    ).encode()


def signed_headers(
    endpoint: Endpoint, event_id: str, body: bytes, at: dt.datetime
) -> dict[str, str]:
    """The Standard Webhooks headers; one `v1,…` signature per valid secret."""
    signature = " ".join(Webhook(s).sign(event_id, at, body) for s in signing_secrets(endpoint, at))
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }


@dataclass
class Outcome:
    """One attempt's result, before it is written."""

    delivery_id: int
    at: dt.datetime
    status_code: int | None = None
    error: str = ""
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _error_text(exc: Exception) -> str:
    if isinstance(exc, requests.Timeout):
        return _("No answer within %(seconds)s s.") % {"seconds": TIMEOUT_SECONDS}
    if isinstance(exc, requests.exceptions.SSLError):
        return _("TLS error: %(reason)s") % {"reason": str(exc)[:300]}
    if isinstance(exc, requests.ConnectionError):
        return _("Could not connect: %(reason)s") % {"reason": str(exc)[:300]}
    return _("Request failed: %(reason)s") % {"reason": str(exc)[:300]}


class Sender:
    """POSTs a worker's deliveries to one endpoint, over one pinned, kept-alive connection."""

    def __init__(self) -> None:
        self._session: requests.Session | None = None
        self._target: addresses.Target | None = None

    def target_for(self, url: str) -> addresses.Target:
        """Check the URL now (resolving its name); keep the connection while the address stays."""
        target = addresses.check(url)
        if target != self._target:
            self.close()
            self._target, self._session = target, pinned_session(target)
        return target

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
        self._session = self._target = None

    def send(
        self, endpoint: Endpoint, delivery: Delivery, partner_ext_id: str, target: Any
    ) -> Outcome:
        at = clock.now()
        started = time.monotonic()
        outcome = Outcome(delivery_id=delivery.pk, at=at)
        try:
            if isinstance(target, addresses.AddressRefused):
                raise target
            assert self._session is not None
            body = body_of(delivery.event, partner_ext_id)
            headers = signed_headers(endpoint, delivery.event.public_id, body, at)
            headers["Host"] = target.host_header
            response = self._session.post(
                target.pinned_url,
                data=body,
                headers=headers,
                timeout=TIMEOUT_SECONDS,
                allow_redirects=False,
                stream=True,
            )
            try:
                response.raw.read(65536, decode_content=False)
            finally:
                response.close()
            outcome.status_code = response.status_code
            if not outcome.ok:
                outcome.error = _("HTTP %(status)s") % {"status": response.status_code}
        except addresses.AddressRefused as exc:
            outcome.error = str(exc)[:500]
        except Exception as exc:  # any failure is a failed attempt, logged
            outcome.error = _error_text(exc)[:500]
        outcome.duration_ms = max(0, round((time.monotonic() - started) * 1000))
        return outcome
