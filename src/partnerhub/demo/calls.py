"""What a customer's users do in the activity window: call queues, meetings and calls, with
weekly trends, endpoints, call quality, features and queue outcomes."""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate
from operator import itemgetter
from typing import Final

from partnerhub.demo import companies
from partnerhub.demo.run import Customer, Run
from partnerhub.demo.vocabulary import ACTIVITY_DAYS, ENDPOINTS, Json

# Calling: per-endpoint primary share, poor-call probability, good-call jitter / loss / latency.
ENDPOINT_SHARE: Final = (34, 18, 6, 26, 6, 5, 5)
ENDPOINT_POOR: Final = (0.015, 0.05, 0.025, 0.008, 0.012, 0.07, 0.09)
ENDPOINT_JITTER: Final = (8.0, 26.0, 12.0, 4.0, 5.0, 15.0, 19.0)
ENDPOINT_LOSS: Final = (0.3, 0.9, 0.5, 0.1, 0.2, 0.8, 1.0)
ENDPOINT_LATENCY: Final = (60.0, 110.0, 80.0, 40.0, 50.0, 90.0, 100.0)

# Calls per licensed user and week, by user type; most users call a little, a few a lot.
CALL_RATE: Final = (0.25, 1.8, 7.5, 24.0)
CALL_RATE_W: Final = (32, 44, 18, 6)
# Meetings hosted per licensed user and week.
HOST_RATE: Final = (0.1, 0.45, 1.4, 4.0)
HOST_RATE_W: Final = (40, 35, 18, 7)

_QUARTERS: Final = (0, 0, 0, 15, 30, 30, 45)  # minutes past the hour a meeting starts
_MEETING_LENGTHS: Final = (900, 1800, 1800, 1800, 2700, 3600, 3600, 5400)  # booked, seconds


def _poisson(rnd: Callable[[], float], lam: float) -> int:
    """A Poisson draw (Knuth for small means, a rounded normal for large ones)."""
    if lam <= 0.0:
        return 0
    if lam > 40.0:
        u1, u2 = rnd() or 1e-12, rnd()
        z = math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
        return max(0, round(lam + z * math.sqrt(lam)))
    limit = math.exp(-lam)
    k = 0
    p = rnd()
    while p > limit:
        k += 1
        p *= rnd()
    return k


class Calls(Run):
    def call_queues(self, c: Customer) -> list[str]:
        ids: list[str] = []
        labels = list(companies.QUEUE_NAMES[c.country])
        c.rng.shuffle(labels)
        out: list[Json] = []
        for k in range(c.queues):
            self.n_queue += 1
            qid = f"Q{self.n_queue:06d}"
            ids.append(qid)
            out.append({"kind": "call_queue", "id": qid, "customer": c.id, "name": labels[k]})
        self.emit_many("call_queue", out)
        return ids

    def week_factors(self, c: Customer) -> list[float]:
        rng = c.rng
        n = len(self.weeks)
        base = rng.lognormvariate(0.0, 0.3)
        out = []
        for k in range(n):
            pos = k - (n - 1)  # 0 for the current week, negative before
            if c.trend == "up":
                f = 1.0 + 0.05 * pos
            elif c.trend == "down":
                f = 1.0 - 0.04 * pos
            else:
                f = 1.0
            out.append(max(0.05, f) * base * rng.uniform(0.85, 1.15))
        if c.trend == "down" and n >= 3:
            out[-2] *= 0.6  # W0 (the last completed week) falls sharply against W1
            out[-3] *= 1.1
        if c.trend == "silent":
            out = [0.0] * n
        return out

    def active_days(
        self, stints: list[tuple[dt.date, dt.date | None]]
    ) -> tuple[bool, list[bool] | None]:
        """Whether a user holds the license on every window day; else a per-day mask."""
        lo_all, hi_all = 0, ACTIVITY_DAYS  # [lo, hi)
        for frm, to in stints:
            a = self.day_index(frm)
            b = ACTIVITY_DAYS if to is None else self.day_index(to)
            if a <= lo_all and b >= hi_all:
                return True, None
        mask = [False] * ACTIVITY_DAYS
        for frm, to in stints:
            a = max(0, self.day_index(frm))
            b = min(ACTIVITY_DAYS, ACTIVITY_DAYS if to is None else self.day_index(to))
            for i in range(a, b):
                mask[i] = True
        return False, mask

    def _week_days(
        self, k: int, full: bool, mask: list[bool] | None
    ) -> tuple[list[int], list[float], float]:
        days = self.weeks[k]
        if full or mask is None:
            return days, self.week_cum[k], self.week_cum[k][-1]
        sel = [i for i in days if mask[i]]
        if not sel:
            return sel, [], 0.0
        cum = list(accumulate(self.day_weight[i] for i in sel))
        return sel, cum, cum[-1]

    def meetings(
        self,
        c: Customer,
        user_ids: list[str],
        stints: dict[int, list[tuple[dt.date, dt.date | None]]],
    ) -> None:
        if not stints:
            return
        rng = c.rng
        rnd = rng.random
        factors = self.week_factors(c)
        hours = self.hours[c.country]
        n_hours = len(hours)
        n = c.n_users
        full_total = self.full_week_total
        out: list[Json] = []
        prefix, hhmm, ss = self.day_prefix, self.hhmm, self.ss
        for u in sorted(stints):
            full, mask = self.active_days(stints[u])
            rate = rng.choices(HOST_RATE, HOST_RATE_W)[0]
            host = user_ids[u]
            for k, wf in enumerate(factors):
                days, cum, tot = self._week_days(k, full, mask)
                if not days:
                    continue
                m = _poisson(rnd, rate * wf * tot / full_total)
                for _ in range(m):
                    d = days[bisect_right(cum, rnd() * tot)]
                    minute = hours[int(rnd() * n_hours)] * 60 + _QUARTERS[int(rnd() * 7)]
                    size = min(n - 1, 1 + _poisson(rnd, 2.6))
                    seen = {u}
                    parts: list[str] = []
                    while len(parts) < size:
                        x = int(rnd() * n)
                        if x not in seen:
                            seen.add(x)
                            parts.append(user_ids[x])
                    length = _MEETING_LENGTHS[int(rnd() * 8)]
                    duration = max(120, length + int((rnd() + rnd() + rnd() - 1.5) * 400.0))
                    out.append(
                        {
                            "kind": "meeting",
                            "id": "",
                            "customer": c.id,
                            "host": host,
                            "start": prefix[d] + hhmm[minute] + ss[0],
                            "duration_s": duration,
                            "participants": parts,
                        }
                    )
        out.sort(key=itemgetter("start"))
        for m_ in out:
            self.n_meeting += 1
            m_["id"] = f"M{self.n_meeting:08d}"
        self.emit_many("meeting", out)

    def calls(
        self,
        c: Customer,
        user_ids: list[str],
        stints: dict[int, list[tuple[dt.date, dt.date | None]]],
        queue_ids: list[str],
    ) -> None:
        if not stints:
            return
        rng = c.rng
        rnd = rng.random
        factors = self.week_factors(c)
        hours = self.hours[c.country]
        n_hours = len(hours)
        full_total = self.full_week_total
        prefix, hhmm, ss = self.day_prefix, self.hhmm, self.ss
        durations = self.call_durations
        n_durations = len(durations)
        ep_cum = list(accumulate(ENDPOINT_SHARE))
        ep_tot = ep_cum[-1]
        poor = [min(0.6, p * c.net_factor) for p in ENDPOINT_POOR]
        # customer-level feature habits
        feats: list[tuple[str, float, bool]] = [  # (feature, probability, inbound only)
            ("transfer", rng.uniform(0.03, 0.09), False),
            ("conference", rng.uniform(0.01, 0.04), False),
            ("call_park", rng.uniform(0.0, 0.02), False),
            ("call_pickup", rng.uniform(0.0, 0.03), True),
            ("voicemail", rng.uniform(0.03, 0.08), True),
        ]
        if rng.random() < 0.4:
            feats.append(("hunt_group", rng.uniform(0.05, 0.15), True))
        if rng.random() < 0.5 or queue_ids:
            feats.append(("auto_attendant", rng.uniform(0.1, 0.35), True))
        if rng.random() < 0.25:
            feats.append(("call_recording", rng.uniform(0.5, 0.95), False))
        feats_in = [(f, p) for f, p, _ in feats]
        feats_out = [(f, p) for f, p, inbound_only in feats if not inbound_only]
        q_share = rng.uniform(0.3, 0.6) if queue_ids else 0.0
        p_abandon = 0.3 if c.scenario == "queues_busy" else rng.uniform(0.03, 0.2)
        p_overflow = rng.uniform(0.02, 0.08)
        wait_answer = rng.uniform(8.0, 45.0)
        wait_abandon = rng.uniform(30.0, 110.0)
        agents = rng.sample(sorted(stints), min(len(stints), max(1, len(stints) // 3)))

        out: list[Json] = []
        for u in sorted(stints):
            full, mask = self.active_days(stints[u])
            rate = rng.choices(CALL_RATE, CALL_RATE_W)[0]
            uid = user_ids[u]
            primary = bisect_right(ep_cum, rnd() * ep_tot)
            for k, wf in enumerate(factors):
                days, cum, tot = self._week_days(k, full, mask)
                if not days:
                    continue
                spike = 3.0 if k == c.spike_week else 1.0
                m = _poisson(rnd, rate * wf * tot / full_total)
                for _ in range(m):
                    d = days[bisect_right(cum, rnd() * tot)]
                    minute = hours[int(rnd() * n_hours)] * 60 + int(rnd() * 60)
                    r = rnd()
                    e = primary if r < 0.85 else bisect_right(ep_cum, rnd() * ep_tot)
                    call: Json = {
                        "kind": "call",
                        "id": "",
                        "customer": c.id,
                        "user": uid,
                        "start": prefix[d] + hhmm[minute] + ss[int(rnd() * 60)],
                        "duration_s": durations[int(rnd() * n_durations)],
                        "endpoint": ENDPOINTS[e],
                    }
                    r = rnd()
                    inbound = False
                    if r < 0.05:
                        call["type"] = "call_on_webex"
                        call["direction"] = "internal"
                    elif r < 0.43:
                        call["direction"] = "inbound"
                        inbound = True
                    elif r < 0.58:
                        call["direction"] = "internal"
                    # else outbound, the default: left out
                    q = self.quality(rnd, e, min(0.8, poor[e] * spike))
                    if q is not None:
                        call["quality"] = q
                    features = [f for f, p in (feats_in if inbound else feats_out) if rnd() < p]
                    if inbound and queue_ids and rnd() < q_share:
                        call["user"] = user_ids[agents[int(rnd() * len(agents))]]
                        r = rnd()
                        if r < p_abandon * 0.65:
                            outcome = "abandoned"
                            wait = -_log(1.0 - rnd()) * wait_abandon
                            call["duration_s"] = max(1, int(wait))
                        elif r < p_abandon:
                            outcome = "voicemail"
                            wait = rng.uniform(20.0, 90.0)
                            call["duration_s"] = int(wait) + rng.randint(10, 60)
                            if "voicemail" not in features:
                                features.append("voicemail")
                        elif r < p_abandon + p_overflow:
                            outcome = "overflow"
                            wait = rng.uniform(60.0, 180.0)
                            call["duration_s"] += int(wait)
                        else:
                            outcome = "answered"
                            wait = -_log(1.0 - rnd()) * wait_answer
                            call["duration_s"] += int(wait)
                        call["queue"] = {
                            "id": queue_ids[int(rnd() * len(queue_ids))],
                            "wait_s": int(wait * 10.0 + 0.5) / 10.0,
                            "outcome": outcome,
                        }
                        features.insert(0, "call_queue")
                    if features:
                        call["features"] = features
                    out.append(call)
        out.sort(key=itemgetter("start"))
        for call in out:
            self.n_call += 1
            call["id"] = f"K{self.n_call:08d}"
        self.emit_many("call", out)

    @staticmethod
    def quality(rnd: Callable[[], float], e: int, p_poor: float) -> dict[str, float] | None:
        """One call's quality: usually complete and good, sometimes poor, partly or all missing.

        Inline arithmetic instead of `random.uniform` / `expovariate` / `round`: this runs for
        millions of calls. Values are rounded half up (all positive).
        """
        r = rnd()
        if r < 0.05:
            return None
        if rnd() < p_poor:
            mode = rnd()
            jitter = 20.0 + 120.0 * rnd()
            loss = 0.5 + 4.0 * rnd()
            latency = 80.0 + 300.0 * rnd()
            mos = 2.0 + 1.4 * rnd()
            if mode < 0.3:
                loss = 5.1 + 12.9 * rnd()
            elif mode < 0.6:
                jitter = 151.0 + 269.0 * rnd()
            elif mode < 0.8:
                latency = 401.0 + 549.0 * rnd()
            else:
                mos = 1.4 + 1.55 * rnd()
        else:
            jitter = min(150.0, -_log(1.0 - rnd()) * ENDPOINT_JITTER[e])
            loss = min(5.0, -_log(1.0 - rnd()) * ENDPOINT_LOSS[e])
            latency = min(400.0, ENDPOINT_LATENCY[e] - _log(1.0 - rnd()) * 35.0)
            mos = max(3.0, min(4.5, 4.45 - jitter / 120.0 - loss * 0.18 - rnd() * 0.15))
            if rnd() < 0.003:  # exactly on a threshold: not poor
                which = int(rnd() * 4)
                if which == 0:
                    loss = 5.0
                elif which == 1:
                    jitter = 150.0
                elif which == 2:
                    latency = 400.0
                else:
                    mos = 3.0
        q = {
            "mos": int(mos * 100.0 + 0.5) / 100.0,
            "jitter_ms": int(jitter * 10.0 + 0.5) / 10.0,
            "loss_pct": int(loss * 100.0 + 0.5) / 100.0,
            "latency_ms": int(latency * 10.0 + 0.5) / 10.0,
        }
        if r < 0.11:  # partly missing
            for key in _QUALITY_DROPS[int(rnd() * len(_QUALITY_DROPS))]:
                del q[key]
        return q


_QUALITY_KEYS: Final = ("mos", "jitter_ms", "loss_pct", "latency_ms")
#: every non-empty proper subset of the quality keys: what a partly missing quality leaves out
_QUALITY_DROPS: Final = tuple(
    tuple(k for i, k in enumerate(_QUALITY_KEYS) if mask >> i & 1) for mask in range(1, 15)
)
_log = math.log
