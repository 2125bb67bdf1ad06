"""A customer's subscriptions and trials: which items a scenario or random profile gets, their
lines, dates and states, and the customer's behaviour (sign-ins, queues, call trends)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from partnerhub.demo.partners import RANDOM_PROFILES
from partnerhub.demo.run import Customer, Item, Run
from partnerhub.demo.vocabulary import DAY, Json, add_months, term_end


class Subscriptions(Run):
    def new_sub(
        self,
        c: Customer,
        products: Iterable[str],
        start: dt.date,
        end: dt.date,
        *,
        auto_renew: bool,
        state: str = "active",
        term: int = 12,
    ) -> Item:
        self.n_sub += 1
        rng = c.rng
        item = Item(
            id=f"Sub-{100000 + self.n_sub}",
            trial=False,
            start=start,
            end=end,
            state=state,
            lines=self.lines(c, products, trial=False),
            auto_renew=auto_renew,
            term=term,
            billing="monthly" if term == 1 or rng.random() < 0.6 else "annual",
        )
        c.items.append(item)
        return item

    def new_trial(
        self, c: Customer, products: Iterable[str], start: dt.date, end: dt.date, state: str
    ) -> Item:
        self.n_trial += 1
        item = Item(
            id=f"Trial-{200000 + self.n_trial}",
            trial=True,
            start=start,
            end=end,
            state=state,
            lines=self.lines(c, products, trial=True),
        )
        c.items.append(item)
        return item

    def lines(self, c: Customer, products: Iterable[str], *, trial: bool) -> dict[str, int]:
        rng, n = c.rng, c.n_users
        out: dict[str, int] = {}
        for p in products:
            if p == "messaging":
                lic = n * rng.uniform(0.95, 1.3)
            elif p == "real_time_translation":
                lic = n * rng.uniform(0.05, 0.3)
            elif p == "contact_center":
                lic = n * rng.uniform(0.05, 0.2)
            else:
                lic = n * rng.uniform(0.55, 1.15)
            licenses = max(1, round(lic))
            if trial:
                licenses = min(1000, max(5, licenses))
            elif licenses > 20:
                licenses = 5 * round(licenses / 5)
            out[p] = licenses
        return out

    def products(self, c: Customer) -> list[str]:
        rng = c.rng
        core = rng.choices(
            (("meetings", "calling"), ("meetings",), ("calling",), ("calling", "contact_center")),
            (45, 30, 20, 5),
        )[0]
        out = list(core)
        if rng.random() < 0.7:
            out.append("messaging")
        if "meetings" in out and rng.random() < 0.12:
            out.append("real_time_translation")
        if "calling" in out and "contact_center" not in out and rng.random() < 0.08:
            out.append("contact_center")
        return out

    def random_sub(
        self, c: Customer, products: Sequence[str], *, recent: bool | None = None
    ) -> Item:
        rng, D = c.rng, self.D
        term = rng.choices((12, 36, 1), (75, 20, 5))[0]
        auto = term == 1 or rng.random() < 0.7
        if recent is None:
            recent = rng.random() < 0.15
        if auto:
            age = rng.randint(0, 90) if recent else rng.randint(91, 1500)
            start = D - age * DAY
            end = term_end(start, term, D)
        else:
            term_days = (add_months(D, term) - D).days
            end = D + rng.randint(0, term_days - 1) * DAY
            start = add_months(end + DAY, -term)
            if recent:
                start = D - rng.randint(0, 90) * DAY
                end = add_months(start, term) - DAY
        return self.new_sub(c, products, start, end, auto_renew=auto, term=term)

    def random_trial(self, c: Customer, products: Sequence[str]) -> Item:
        rng, D = c.rng, self.D
        length = rng.choices((30, 60, 90), (1, 1, 3))[0]
        elapsed = rng.randint(0, length)
        start = D - elapsed * DAY
        return self.new_trial(c, products, start, start + length * DAY, "active")

    def converted(self, c: Customer, products: Sequence[str], conv: dt.date) -> Item:
        """A trial converted on `conv` into a subscription (its assignments move over)."""
        rng, D = c.rng, self.D
        length = rng.choices((30, 60, 90), (1, 1, 3))[0]
        t_start = conv - rng.randint(10, length) * DAY
        trial_products = [p for p in products if p in ("meetings", "calling")] or list(products)
        trial = self.new_trial(c, trial_products, t_start, conv, "converted")
        term = rng.choices((12, 36), (80, 20))[0]
        auto = rng.random() < 0.8 or add_months(conv, term) - DAY < D
        end = term_end(conv, term, D) if auto else add_months(conv, term) - DAY
        sub = self.new_sub(c, products, conv, end, auto_renew=auto, term=term)
        sub.converted_from = trial
        return sub

    def forced_sub(
        self,
        c: Customer,
        products: Sequence[str],
        *,
        end: dt.date | None = None,
        start: dt.date | None = None,
        auto_renew: bool = True,
        state: str = "active",
        term: int = 12,
    ) -> Item:
        """A subscription with a fixed end (start derived) or a fixed start (end derived)."""
        rng, D = c.rng, self.D
        if end is not None:
            terms = rng.randint(1, 3) if auto_renew else 1
            start = add_months(end + DAY, -term * terms)
        else:
            assert start is not None
            end = term_end(start, term, max(start, D)) if auto_renew else None
            if end is None:
                end = add_months(start, term) - DAY
        return self.new_sub(c, products, start, end, auto_renew=auto_renew, state=state, term=term)

    def plan_items(self, c: Customer) -> None:
        rng, D, s = c.rng, self.D, c.scenario
        days = dt.timedelta
        old = D - rng.randint(200, 1200) * DAY
        mc = ["meetings", "calling", "messaging"]
        if s == "sub":
            self.random_sub(c, self.products(c))
        elif s == "sub2":
            self.random_sub(c, ["meetings", "messaging"])
            self.random_sub(c, rng.choice((["calling"], ["calling", "contact_center"])))
        elif s == "sub_trial" or s == "sub_plus_trial":
            self.random_sub(c, ["meetings", "messaging"])
            self.random_trial(c, ["calling"])
        elif s == "trial":
            self.random_trial(c, rng.choice((["meetings", "calling"], ["meetings"], ["calling"])))
        elif s == "converted":
            self.converted(c, self.products(c), D - rng.randint(5, 700) * DAY)
        elif s == "provisioning":
            start = D + rng.randint(-5, 20) * DAY
            if rng.random() < 0.4:
                order_day = min(D, start)
                length = rng.choice((30, 60, 90))
                self.new_trial(
                    c, ["meetings", "calling"], order_day - length * DAY, order_day, "converted"
                )
            self.new_sub(
                c,
                self.products(c),
                start,
                add_months(start, 12) - DAY,
                auto_renew=True,
                state="provisioning",
            )
        elif s == "upsell_provisioning" or s == "provisioning_upsell":
            self.random_sub(c, ["meetings", "messaging"], recent=False)
            start = D + rng.randint(0, 14) * DAY
            self.new_sub(
                c,
                ["calling"],
                start,
                add_months(start, 12) - DAY,
                auto_renew=True,
                state="provisioning",
            )
        elif s == "expired":
            kind = rng.choice(("cancelled", "trial", "lapsed", "both"))
            if kind in ("trial", "both"):
                end = D - rng.randint(1, 300) * DAY
                self.new_trial(
                    c, ["meetings", "calling"], end - rng.choice((30, 60, 90)) * DAY, end, "ended"
                )
            if kind in ("cancelled", "both"):
                end = D - rng.randint(1, 400) * DAY
                self.forced_sub(c, self.products(c), end=end, state="cancelled")
            if kind == "lapsed":
                self.forced_sub(
                    c, self.products(c), end=D - rng.randint(1, 200) * DAY, auto_renew=False
                )
        elif s == "suspended":
            if rng.random() < 0.5:
                self.random_sub(c, ["meetings", "messaging"], recent=False)
                prods = ["calling"]
            else:
                prods = self.products(c)
            self.forced_sub(c, prods, end=D + rng.randint(0, 300) * DAY, state="suspended")
        elif s in ("messaging_only",):
            self.random_sub(c, ["messaging"])
        elif s == "messaging_trial":
            self.random_trial(c, ["messaging"])
        # --- forced scenarios
        elif s == "suspended_end_today":
            self.forced_sub(c, mc, end=D, state="suspended")
        elif s == "suspended_lapsed":
            self.forced_sub(c, mc, end=D - DAY, state="suspended")
        elif s == "overage_meetings":
            self.forced_sub(c, ["meetings", "messaging"], end=D + days(150)).over.add("meetings")
        elif s == "overage_calling_expiring":
            item = self.forced_sub(c, ["calling"], end=D + days(45), auto_renew=False)
            item.over.add("calling")
        elif s == "overage_trial":
            item = self.new_trial(c, ["meetings", "calling"], D - days(40), D + days(50), "active")
            item.over.update(("meetings", "calling"))
        elif s == "trial_ends_today":
            self.new_trial(c, ["meetings", "calling"], D - days(60), D, "active")
        elif s == "trial_new":
            self.new_trial(c, ["meetings", "calling"], D, D + days(90), "active")
        elif s == "trial_low":
            item = self.new_trial(c, ["meetings", "calling"], D - days(45), D + days(45), "active")
            item.low.add("meetings")
        elif s.startswith("sub_end_"):
            self.forced_sub(c, mc, end=D + days(int(s[8:])), auto_renew=False)
        elif s == "renew_today":
            self.forced_sub(c, mc, end=D)
        elif s.startswith("renew_"):
            self.forced_sub(c, mc, end=D + days(int(s[6:])))
        elif s == "added_today":
            self.forced_sub(c, mc, start=D)
        elif s.startswith("added_"):
            self.forced_sub(c, mc, start=D - days(int(s[6:])))
        elif s.startswith("cohort_"):
            item = self.forced_sub(c, mc, start=D - days(int(s[7:])))
            item.low.update(("meetings", "calling"))
        elif s == "low_meetings":
            self.forced_sub(c, ["meetings", "messaging"], start=old).low.add("meetings")
        elif s == "low_calling":
            self.forced_sub(c, ["calling"], start=old).low.add("calling")
        elif s == "provisioning_new":
            start = D + days(7)
            self.new_sub(
                c, mc, start, add_months(start, 12) - DAY, auto_renew=True, state="provisioning"
            )
        elif s == "provisioning_from_trial":
            self.new_trial(c, ["meetings", "calling"], D - days(63), D - days(3), "converted")
            self.new_sub(
                c,
                mc,
                D - days(3),
                add_months(D - days(3), 12) - DAY,
                auto_renew=True,
                state="provisioning",
            )
        elif s == "expired_cancelled":
            self.forced_sub(c, mc, end=D - days(40), state="cancelled")
        elif s == "expired_trial":
            self.new_trial(c, ["meetings", "calling"], D - days(110), D - days(20), "ended")
        elif s == "expired_lapsed":
            self.forced_sub(c, mc, end=D - DAY, auto_renew=False)
        elif s == "multi":
            self.forced_sub(c, ["meetings", "messaging", "real_time_translation"], start=old)
            self.forced_sub(c, ["calling", "contact_center"], start=old + days(75), term=36)
        elif s == "zero_line":
            item = self.forced_sub(c, ["meetings", "calling", "messaging"], start=old)
            item.lines["calling"] = 0
            item.zero.add("calling")
        elif s in (
            "no_login_never",
            "login_d29",
            "login_d30",
            "bad_quality",
            "calls_declining",
            "calling_silent",
            "queues_busy",
            "queues_small",
        ):
            self.forced_sub(c, mc, start=old)
        else:  # pragma: no cover - every scenario is handled above
            raise AssertionError(f"unknown scenario {s}")

        # Random overlays on the random profiles: low assignment, overage.
        if s in RANDOM_PROFILES:
            for item in c.items:
                if item.state not in ("active", "suspended"):
                    continue
                for p in ("meetings", "calling"):
                    if p in item.lines:
                        r = rng.random()
                        if r < 0.05:
                            item.low.add(p)
                        elif r < 0.095:
                            item.over.add(p)
        for item in c.items:
            for p in sorted(item.over):  # sorted: set order of str varies by run
                # leave room among the users to assign more than the licenses
                cap = max(1, round(c.n_users * rng.uniform(0.55, 0.85)))
                item.lines[p] = min(item.lines[p], cap, c.n_users - 1)
            if (
                not item.trial
                and item.state != "provisioning"
                and rng.random() < 0.3
                and (min(self.D, item.end) - item.start).days > 120
            ):
                # the subscription grew since its first order: a `change` order in between
                item.initial = {
                    p: max(1, round(n * rng.uniform(0.6, 0.9))) for p, n in item.lines.items()
                }

    def plan_behaviour(self, c: Customer) -> None:
        rng, s = c.rng, c.scenario
        # Sign-ins of the customer's own administrators.
        if s == "no_login_never":
            c.no_login = "never"
        elif s == "login_d29":
            c.no_login = "d29"
        elif s == "login_d30":
            c.no_login = "d30"
        elif s.startswith("expired"):
            c.no_login = "stale" if rng.random() < 0.6 else ""
        elif rng.random() < 0.08:
            c.no_login = rng.choice(("stale", "stale", "never"))
        has_calling = any(it.lines.get("calling") for it in c.items)
        if s == "queues_busy":
            c.queues = 3
        elif s == "queues_small":
            c.queues = 1
        elif has_calling and rng.random() < 0.2:
            c.queues = rng.choices((1, 2, 3, 4), (40, 30, 20, 10))[0]
        if s == "bad_quality":
            c.net_factor = 4.0
        elif rng.random() < 0.08:
            c.net_factor = 2.5
        if rng.random() < 0.12:
            c.spike_week = rng.randrange(len(self.weeks))
        if s == "calls_declining":
            c.trend = "down"
        elif s == "calling_silent":
            c.trend = "silent"
        else:
            c.trend = rng.choices(("flat", "up", "down"), (70, 15, 15))[0]

    def emit_item(self, c: Customer, item: Item) -> None:
        lines = [{"product": p, "licenses": n} for p, n in item.lines.items()]
        if item.trial:
            line: Json = {"kind": "trial", "id": item.id, "customer": c.id}
            line.update(start=item.start.isoformat(), end=item.end.isoformat(), lines=lines)
            if item.state != "active":
                line["state"] = item.state
        else:
            line = {"kind": "subscription", "id": item.id, "customer": c.id}
            line.update(start=item.start.isoformat(), end=item.end.isoformat(), lines=lines)
            line["auto_renew"] = item.auto_renew
            line["state"] = item.state
        self.emit(line)
