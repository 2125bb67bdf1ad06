"""The demo's two partners and their people, what their customers look like (countries, tags,
prices), and the plan of a run: which customer belongs to which partner, which customers play the
forced scenarios, who manages or administers which customer.
"""

from __future__ import annotations

import random
from typing import Final

from partnerhub.demo import names

# --- the partners and their people -----------------------------------------------------------

PARTNERS: Final = (
    {"id": "P1", "name": "Northwind Partners", "country": "PL", "domain": "northwind.example"},
    {"id": "P2", "name": "Skyline Communications", "country": "GB", "domain": "skyline.example"},
)

#: (partner, display name, role); role None is the default role `user` (left out of the line).
PEOPLE: Final[tuple[tuple[str, str, str | None], ...]] = (
    ("P1", "Anna Nowak", "partner_full_admin"),
    ("P1", "Marek Kowalczyk", "sales_full_admin"),
    ("P1", "Ewa Mazur", "sales_admin"),
    ("P1", "Tomasz Wójcik", "sales_admin"),
    ("P1", "Joanna Krawczyk", "partner_readonly_admin"),
    ("P1", "Paweł Dąbrowski", None),
    ("P2", "Oliver Bennett", "partner_full_admin"),
)


def person_email(partner: str, name: str) -> str:
    """The e-mail of one of `PEOPLE`.

    ("P1", "Paweł Dąbrowski") → "pawel.dabrowski@northwind.example".
    """
    domain = next(p["domain"] for p in PARTNERS if p["id"] == partner)
    return f"{names.email_local(name)}@{domain}"


def demo_people() -> list[dict[str, str]]:
    """The partner people the generator writes: `partner`, `email`, `name`, `role`."""
    return [
        {"partner": p, "email": person_email(p, n), "name": n, "role": r or "user"}
        for p, n, r in PEOPLE
    ]


FULL_ADMIN: Final = person_email("P1", "Anna Nowak")
SALES_FULL_ADMIN: Final = person_email("P1", "Marek Kowalczyk")
SALES_ADMINS: Final = (person_email("P1", "Ewa Mazur"), person_email("P1", "Tomasz Wójcik"))
P2_ADMIN: Final = person_email("P2", "Oliver Bennett")

P2_SHARE: Final = 0.05  # of the customers belong to the second partner
SALES_ADMIN_CUSTOMERS: Final = 20  # customers each sales admin is assigned to manage
SALES_FULL_ADMIN_SHARE: Final = 0.25  # of the other P1 customers assigned to the sales full admin

TAGS: Final[dict[str, tuple[str, ...]]] = {
    "P1": (
        "gold",
        "silver",
        "bronze",
        "strategic",
        "public-sector",
        "healthcare",
        "education",
        "manufacturing",
        "retail",
        "upsell",
        "renewal-2027",
        "at-risk",
    ),
    "P2": ("priority", "smb", "enterprise", "nordics", "at-risk"),
}

COUNTRY_WEIGHTS: Final[dict[str, tuple[tuple[str, ...], tuple[int, ...]]]] = {
    "P1": (names.COUNTRIES, (36, 15, 9, 8, 8, 7, 6, 6, 5)),
    "P2": (names.COUNTRIES, (2, 8, 40, 20, 6, 12, 4, 3, 5)),
}
CURRENCY: Final = {"PL": "PLN", "GB": "GBP", "US": "USD", "SE": "SEK"}  # else EUR
FX: Final = {"EUR": 1.0, "PLN": 4.3, "GBP": 0.86, "USD": 1.08, "SEK": 11.4}
#: list price per license and month, EUR
PRICE: Final = {
    "meetings": 13.5,
    "calling": 17.0,
    "messaging": 4.0,
    "real_time_translation": 8.0,
    "contact_center": 95.0,
}

# --- the plan of the run ---------------------------------------------------------------------

#: Forced scenarios for the demo partner: every status, analytics section and date boundary.
SCENARIOS: Final = (
    "suspended",
    "suspended_end_today",
    "suspended_lapsed",
    "overage_meetings",
    "overage_calling_expiring",
    "overage_trial",
    "trial_ends_today",
    "trial_new",
    "trial_low",
    "sub_end_30",
    "sub_end_31",
    "sub_end_90",
    "sub_end_91",
    "renew_today",
    "renew_90",
    "renew_91",
    "added_today",
    "added_90",
    "added_91",
    "cohort_29",
    "cohort_30",
    "low_meetings",
    "low_calling",
    "provisioning_new",
    "provisioning_from_trial",
    "provisioning_upsell",
    "expired_cancelled",
    "expired_trial",
    "expired_lapsed",
    "converted",
    "multi",
    "messaging_only",
    "messaging_only",
    "messaging_trial",
    "no_login_never",
    "login_d29",
    "login_d30",
    "queues_busy",
    "queues_small",
    "bad_quality",
    "calls_declining",
    "calling_silent",
    "zero_line",
    "sub_plus_trial",
)

RANDOM_PROFILES: Final = (
    "sub",
    "sub2",
    "sub_trial",
    "trial",
    "converted",
    "provisioning",
    "upsell_provisioning",
    "expired",
    "suspended",
    "messaging_only",
)
RANDOM_PROFILE_W: Final = (52, 5, 6, 10, 8, 3, 2, 8, 2, 3)


class Plan:
    """What is decided for the whole run up front: a few small integers per customer."""

    def __init__(self, customers: int, seed: int) -> None:
        rng = random.Random(f"partnerhub-demo/{seed}/plan")
        self.n = customers
        n_p2 = 0 if customers < 4 else max(2, round(customers * P2_SHARE))
        p2 = set(rng.sample(range(customers), n_p2)) if n_p2 else set()
        self.partner = bytearray(1 if i in p2 else 0 for i in range(customers))
        p1 = [i for i in range(customers) if not self.partner[i]]
        p2_sorted = sorted(p2)

        picks = rng.sample(p1, min(len(p1), len(SCENARIOS)))
        self.scenario: dict[int, str] = dict(zip(picks, SCENARIOS, strict=False))

        # Two sales admins with 20 customers each, two of them shared.
        self.managers: dict[str, list[int]] = {}
        pool = rng.sample(p1, min(len(p1), 2 * SALES_ADMIN_CUSTOMERS - 2))
        k = min(SALES_ADMIN_CUSTOMERS, len(pool))
        self.managers[SALES_ADMINS[0]] = sorted(pool[:k])
        self.managers[SALES_ADMINS[1]] = sorted(pool[max(0, len(pool) - k) :])
        taken = set(pool)
        self.managers[SALES_FULL_ADMIN] = [
            i for i in p1 if i not in taken and rng.random() < SALES_FULL_ADMIN_SHARE
        ]

        # External administrators across partners.
        self.externals: dict[int, list[str]] = {}
        for i in p2_sorted[:2]:
            self.externals.setdefault(i, []).append(SALES_ADMINS[0])
        if p1 and p2:
            self.externals.setdefault(rng.choice(p1), []).append(P2_ADMIN)
        self.seed = seed
