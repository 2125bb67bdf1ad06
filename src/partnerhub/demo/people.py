"""A customer's people: its users, their license assignments over time and the sign-ins of the
customer's own administrators."""

from __future__ import annotations

import datetime as dt
import math

from partnerhub.demo import names
from partnerhub.demo.run import Customer, Item, Run
from partnerhub.demo.vocabulary import DAY, Json


class People(Run):
    def users(self, c: Customer, domain: str) -> list[str]:
        rng = c.rng
        ids: list[str] = []
        seen: set[str] = set()
        out: list[Json] = []
        for _ in range(c.n_users):
            country = c.country if rng.random() < 0.85 else rng.choice(names.COUNTRIES)
            display, local = names.person(rng, country)
            if local in seen:
                n = 2
                while f"{local}{n}" in seen:
                    n += 1
                local = f"{local}{n}"
            seen.add(local)
            self.n_user += 1
            uid = f"U{self.n_user:07d}"
            ids.append(uid)
            out.append(
                {
                    "kind": "user",
                    "id": uid,
                    "customer": c.id,
                    "email": f"{local}@{domain}",
                    "name": display,
                }
            )
        self.emit_many("user", out)
        return ids

    def assignments(
        self, c: Customer, user_ids: list[str]
    ) -> dict[str, dict[int, list[tuple[dt.date, dt.date | None]]]]:
        """Write the assignments; answer product -> user index -> [(from, to)] for activity."""
        rng, D, n = c.rng, self.D, c.n_users
        out: list[Json] = []
        spans: dict[str, dict[int, list[tuple[dt.date, dt.date | None]]]] = {}

        def add(u: int, item: Item, p: str, frm: dt.date, to: dt.date | None) -> None:
            line: Json = {
                "kind": "assignment",
                "user": user_ids[u],
                "item": item.id,
                "product": p,
                "from": frm.isoformat(),
            }
            if to is not None:
                line["to"] = to.isoformat()
            out.append(line)
            spans.setdefault(p, {}).setdefault(u, []).append((frm, to))

        for item in c.items:
            if item.state == "provisioning" or item.start > D:
                continue
            first = item.start
            last = min(D, item.end)
            # unassigned the day after the item ended (converted: on the conversion day)
            if item.state == "converted":
                release: dt.date | None = item.end
            elif item.state in ("cancelled", "ended") and item.end + DAY <= D:
                release = item.end + DAY
            else:
                release = None
            if release is not None:
                last = min(last, release - DAY)
            span = (last - first).days
            if span < 0:
                continue
            for p, licenses in item.lines.items():
                if p in item.zero or licenses == 0:
                    continue
                if p in item.over:
                    target = min(n, licenses + rng.randint(1, max(1, math.ceil(licenses * 0.2))))
                elif p in item.low:
                    target = round(licenses * rng.uniform(0.03, 0.2))
                elif p == "messaging":
                    target = round(licenses * rng.uniform(0.75, 1.0))
                elif item.trial:
                    target = round(licenses * rng.uniform(0.35, 0.95))
                else:
                    target = round(licenses * rng.uniform(0.55, 1.0))
                target = min(n, max(0, target))
                moved: dict[int, dt.date] = {}
                src = item.converted_from
                if src is not None:
                    moved = dict(src.holders.get(p, {}))
                    if len(moved) > target:
                        target = len(moved)
                holders = list(moved)
                rest = [u for u in range(n) if u not in moved]
                holders += rng.sample(rest, target - len(holders))
                mean = max(1.0, span * 0.12)
                current: dict[int, dt.date] = {}
                for u in holders:
                    if u in moved:
                        frm = first
                    elif rng.random() < 0.12:
                        frm = first + rng.randint(0, span) * DAY
                    else:
                        frm = first + min(span, int(rng.expovariate(1.0 / mean))) * DAY
                    current[u] = frm
                # churn: earlier stints that ended (some users later got a license again)
                churn: list[tuple[int, dt.date, dt.date]] = []
                if span >= 2:
                    n_churn = sum(1 for _ in range(len(holders)) if rng.random() < 0.1)
                    others = [u for u in range(n) if u not in current]
                    for _ in range(n_churn):
                        if others and rng.random() < 0.7:
                            u = others.pop(rng.randrange(len(others)))
                            f1 = first + rng.randint(0, span - 1) * DAY
                            t1 = f1 + rng.randint(1, (last - f1).days or 1) * DAY
                            churn.append((u, f1, min(t1, last)))
                        elif holders:
                            u = rng.choice(holders)
                            f0 = current[u]
                            gap = (f0 - first).days
                            if gap >= 2 and all(x[0] != u for x in churn):
                                f1 = first + rng.randint(0, gap - 2) * DAY
                                t1 = f1 + rng.randint(1, (f0 - f1).days) * DAY
                                churn.append((u, f1, t1))
                for u, f1, t1 in churn:
                    if release is not None and t1 > release:
                        t1 = release
                    if t1 > f1:
                        add(u, item, p, f1, t1)
                for u in holders:
                    add(u, item, p, current[u], release)
                item.holders[p] = {u: current[u] for u in holders}
        self.emit_many("assignment", out)
        return spans

    # ---- customer admin sign-ins

    def logins(self, c: Customer) -> None:
        rng, D = c.rng, self.D
        mode = c.no_login
        days: list[dt.date] = []
        if mode == "never":
            pass
        elif mode in ("d29", "d30"):
            days = [D - rng.randint(31, 60) * DAY for _ in range(rng.randint(1, 4))]
        elif mode == "stale":
            last = D - rng.randint(31, 200) * DAY
            days = [last - rng.randint(0, 60) * DAY for _ in range(rng.randint(1, 6))]
        else:
            p = rng.uniform(0.08, 0.5)
            days = [D - k * DAY for k in range(60) if rng.random() < p]
            if not any(d >= D - 29 * DAY for d in days):
                days.append(D - rng.randint(0, 29) * DAY)
        stamps = set()
        hours = self.hours[c.country]
        for d in days:
            stamps.add(
                f"{d.isoformat()}T{rng.choice(hours):02d}:{rng.randrange(60):02d}:"
                f"{rng.randrange(60):02d}Z"
            )
        if mode == "d29":
            stamps.add(f"{(D - 29 * DAY).isoformat()}T00:00:00Z")
        elif mode == "d30":
            stamps.add(f"{(D - 30 * DAY).isoformat()}T23:59:59Z")
        self.emit_many(
            "customer_admin_login",
            [{"kind": "customer_admin_login", "customer": c.id, "at": s} for s in sorted(stamps)],
        )
