"""The deterministic demo dataset generator: writes the format of docs/reference/dataset.md.

Pure Python and orjson; of Partner Hub it imports only core's choices and clock, which need no
Django settings, app registry or database (bench/bench_load.py runs it bare). The same `seed`,
`customers` and `as_of` give the same bytes: every random choice comes from `random.Random`
instances seeded from `seed` (one for the partner plan, one per customer), never from the global
generator or `hash()`. Keep it so: never let the iteration order of a `set` of `str` (which varies
per process) decide how randomness is consumed.

The output streams customer by customer, so memory stays flat whatever `customers` is; only a few
integers per customer (the plan) are kept for the whole run.

Order of the lines (each refers only to earlier ones):

1. `partner` lines, then every `partner_user` without `customers`;
2. per customer: `customer`, `user`, `trial` / `subscription`, `order`, `invoice`, `assignment`,
   `customer_admin_login`, `call_queue`, `meeting`, `call`, `external_admin`;
3. the `partner_user` lines of the people assigned to manage customers again, now with their
   `customers` (a later line replaces the earlier one, keyed by e-mail).

Meetings, calls and admin sign-ins cover the `ACTIVITY_DAYS` (13 weeks) ending on `as_of`, so that
every calling week, the 12-point assignment trend and "usage in the last 3 months" have data.

Every status of docs/reference/rules.md and section of docs/reference/metrics.md is covered: a list
of *scenarios* (boundaries such as an item ending exactly on D or D+31) is placed on fixed, seeded
positions among the demo partner's customers; the other customers get weighted random profiles.

The parts live in their modules (see run.py): the plan of the run in partners.py, a customer's
items in subscriptions.py, its orders and invoices in orders.py, its users, assignments and
sign-ins in people.py, its calls and meetings in calls.py, the writing in output.py.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
from itertools import chain, count
from typing import BinaryIO

from partnerhub.demo import companies
from partnerhub.demo.calls import Calls
from partnerhub.demo.orders import Orders
from partnerhub.demo.output import Progress, open_output
from partnerhub.demo.partners import (
    COUNTRY_WEIGHTS,
    PARTNERS,
    PEOPLE,
    RANDOM_PROFILE_W,
    RANDOM_PROFILES,
    TAGS,
    person_email,
)
from partnerhub.demo.people import People
from partnerhub.demo.run import Customer
from partnerhub.demo.subscriptions import Subscriptions
from partnerhub.demo.vocabulary import DAY, Json


class _Generator(Subscriptions, Orders, People, Calls):
    """One run: the partners and their people, then customer by customer, then the managers."""

    # ---- the run

    def run(self, progress: Progress | None) -> dict[str, int]:
        for p in PARTNERS:
            self.emit(
                {"kind": "partner", "id": p["id"], "name": p["name"], "country": p["country"]}
            )
        for partner, name, role in PEOPLE:
            line: Json = {
                "kind": "partner_user",
                "partner": partner,
                "email": person_email(partner, name),
                "name": name,
            }
            if role:
                line["role"] = role
            self.emit(line)
        self.flush()

        for idx in range(self.plan.n):
            self.customer(idx)
            self.flush()
            if progress:
                progress.update(idx + 1)

        for partner, name, role in PEOPLE:
            email = person_email(partner, name)
            managed = self.plan.managers.get(email)
            if managed:
                self.emit(
                    {
                        "kind": "partner_user",
                        "partner": partner,
                        "email": email,
                        "name": name,
                        "role": role or "user",
                        "customers": [self.customer_id(i) for i in managed],
                    }
                )
        self.flush()
        return dict(self.counts)

    @staticmethod
    def customer_id(idx: int) -> str:
        return f"C{idx + 1:05d}"

    # ---- one customer

    def customer(self, idx: int) -> None:
        plan = self.plan
        rng = random.Random(f"partnerhub-demo/{plan.seed}/customer/{idx}")
        partner = "P2" if plan.partner[idx] else "P1"
        scenario = plan.scenario.get(idx) or rng.choices(RANDOM_PROFILES, RANDOM_PROFILE_W)[0]
        countries, weights = COUNTRY_WEIGHTS[partner]
        country = rng.choices(countries, weights)[0]
        n_users = min(200, max(5, round(rng.lognormvariate(3.42, 0.78))))
        if scenario.startswith("messaging"):
            n_users = min(n_users, 30)
        c = Customer(idx, self.customer_id(idx), partner, country, rng, n_users, scenario)
        c.externals = list(plan.externals.get(idx, ()))

        self.plan_items(c)
        self.plan_behaviour(c)

        name = self.company_name(rng, country)
        domain = self.domain(name, country)
        created = self.created(c)
        tags = self.tags(c)
        line: Json = {
            "kind": "customer",
            "id": c.id,
            "partner": partner,
            "name": name,
            "created": created.isoformat(),
            "country": country,
        }
        if tags:
            line["tags"] = tags
        self.emit(line)

        user_ids = self.users(c, domain)
        for item in c.items:
            self.emit_item(c, item)
        for item in c.items:
            if not item.trial:
                self.orders(c, item)
        for item in c.items:
            if not item.trial:
                self.invoices(c, item)
        intervals = self.assignments(c, user_ids)
        self.logins(c)
        queue_ids = self.call_queues(c)
        self.meetings(c, user_ids, intervals.get("meetings", {}))
        self.calls(c, user_ids, intervals.get("calling", {}), queue_ids)
        for email in c.externals:
            self.emit({"kind": "external_admin", "customer": c.id, "email": email})

    def company_name(self, rng: random.Random, country: str) -> str:
        name = companies.company_name(rng, country)
        for _ in range(40):
            if name not in self.names_used:
                break
            name = companies.company_name(rng, country)
        else:
            base = name
            for qualifier in chain(companies.CITIES[country], map(str, count(2))):
                name = companies.with_qualifier(base, qualifier)
                if name not in self.names_used:
                    break
        self.names_used.add(name)
        return name

    def domain(self, company: str, country: str) -> str:
        domain = companies.email_domain(company)
        if domain in self.domains_used:
            stem = domain.rsplit(".", 1)[0]
            domain = f"{stem}-{country.lower()}.example"
            n = self.domain_next.get(stem, 2)
            while domain in self.domains_used:
                domain = f"{stem}{n}.example"
                n += 1
            self.domain_next[stem] = n
        self.domains_used.add(domain)
        return domain

    def created(self, c: Customer) -> dt.date:
        first = min((it.start for it in c.items), default=self.D)
        for it in c.items:
            if not it.trial:
                first = min(first, self.order_date(c, it))
        back = c.rng.randint(0, 45) if first < self.D - 10 * DAY else c.rng.randint(0, 3)
        return min(self.D, first - back * DAY)

    def tags(self, c: Customer) -> list[str]:
        rng = c.rng
        vocab = TAGS[c.partner]
        k = rng.choices((0, 1, 2, 3, 4), (34, 34, 20, 9, 3))[0]
        chosen: list[str] = []
        if k and c.partner == "P1" and rng.random() < 0.6:
            chosen.append(rng.choice(vocab[:3]))  # a tier
        for _ in range(20):
            if len(chosen) >= k:
                break
            t = rng.choice(vocab)
            if t not in chosen and not (t in vocab[:3] and any(x in vocab[:3] for x in chosen)):
                chosen.append(t)
        if (
            (c.scenario.startswith(("suspended", "expired")) or c.no_login)
            and "at-risk" not in chosen
            and len(chosen) < 5
            and rng.random() < 0.5
        ):
            chosen.append("at-risk")
        return chosen


def generate(
    out: BinaryIO | str | os.PathLike[str],
    *,
    customers: int = 250,
    seed: int = 1,
    as_of: dt.date,
    progress: bool = False,
) -> dict[str, int]:
    """Write a demo dataset (docs/reference/dataset.md) and answer the number of lines per kind.

    `out` is a binary file object, or a path (`-` for standard output, `.gz` for gzip). The same
    `customers`, `seed` and `as_of` always give the same bytes.
    """
    if customers < 0:
        raise ValueError("customers must be >= 0")
    bar = Progress(customers, sys.stderr) if progress and sys.stderr.isatty() else None
    try:
        if isinstance(out, str | os.PathLike):
            fh, close = open_output(os.fspath(out))
            try:
                return _Generator(fh, customers, seed, as_of).run(bar)
            finally:
                close()
        return _Generator(out, customers, seed, as_of).run(bar)
    finally:
        if bar:
            bar.close()
