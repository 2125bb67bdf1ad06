"""The orders and invoices of a customer's subscriptions, priced in the customer's currency."""

from __future__ import annotations

import datetime as dt
from operator import itemgetter

from partnerhub.core.clock import months_between
from partnerhub.demo.partners import CURRENCY, FX, PRICE
from partnerhub.demo.run import Customer, Item, Run
from partnerhub.demo.vocabulary import DAY, Json, add_months


class Orders(Run):
    def currency(self, c: Customer) -> str:
        return CURRENCY.get(c.country, "EUR")

    def price(self, c: Customer, lines: dict[str, int], months: float) -> float:
        fx = FX[self.currency(c)]
        return round(sum(PRICE[p] * n for p, n in lines.items()) * months * fx, 2)

    def order_date(self, c: Customer, item: Item) -> dt.date:
        if item.state == "provisioning":
            return min(self.D, item.start)
        if item.converted_from is not None:
            return item.start
        # seeded on the item id so that `created` and `orders` agree
        back = int(item.id[4:]) % 11
        return item.start - back * DAY

    @staticmethod
    def _lines(lines: dict[str, int]) -> list[Json]:
        return [{"product": p, "licenses": n} for p, n in lines.items()]

    def orders(self, c: Customer, item: Item) -> None:
        rng, D = c.rng, self.D
        cur = self.currency(c)
        history: list[tuple[dt.date, str, dict[str, int] | None, float | None]] = []
        first = item.initial or item.lines
        history.append((self.order_date(c, item), "new", first, self.price(c, first, item.term)))
        change_day: dt.date | None = None
        if item.initial:
            span = (min(D, item.end) - item.start).days
            change_day = item.start + rng.randint(30, max(31, span - 1)) * DAY
        if item.term > 1 and item.state != "provisioning":
            k = 1
            while True:
                renewal_start = add_months(item.start, item.term * k)
                if renewal_start > item.end or renewal_start - 7 * DAY > D:
                    break
                day = renewal_start - rng.randint(1, 7) * DAY
                lines = item.lines if change_day is None or day >= change_day else first
                history.append((day, "renewal", lines, self.price(c, lines, item.term)))
                k += 1
        if change_day is not None:
            delta = {p: max(0, n - first.get(p, 0)) for p, n in item.lines.items()}
            months_left = max(1, months_between(change_day, item.end))
            history.append((change_day, "change", item.lines, self.price(c, delta, months_left)))
        if item.state == "cancelled":
            history.append((item.end - rng.randint(0, 30) * DAY, "cancel", None, None))
        history.sort(key=itemgetter(0))
        for day, action, order_lines, amount in history:
            self.n_order += 1
            line: Json = {
                "kind": "order",
                "id": f"O{self.n_order:07d}",
                "subscription": item.id,
                "date": min(day, D).isoformat(),
                "action": action,
            }
            if order_lines is not None:
                line["lines"] = self._lines(order_lines)
            if amount is not None:
                line["amount"] = amount
                line["currency"] = cur
            self.emit(line)

    def invoices(self, c: Customer, item: Item) -> None:
        if item.state == "provisioning" or item.start > self.D:
            return
        rng, D = c.rng, self.D
        cur = self.currency(c)
        step = 1 if item.billing == "monthly" else 12
        amount = self.price(c, item.lines, step)
        last = min(D, item.end)
        horizon = D - (400 if step == 1 else 1100) * DAY
        k = 0
        while True:
            day = add_months(item.start, step * k)
            k += 1
            if day > last:
                break
            if day < horizon:
                continue
            age = (D - day).days
            if item.state == "suspended" and age <= 120:
                status = "overdue" if age > 14 else "open"
            elif age <= 30:
                status = "open"
            elif age <= 60 and rng.random() < 0.04:
                status = "overdue"
            else:
                status = "paid"
            self.n_invoice += 1
            self.emit(
                {
                    "kind": "invoice",
                    "id": f"INV-{self.n_invoice:07d}",
                    "subscription": item.id,
                    "date": day.isoformat(),
                    "amount": amount,
                    "currency": cur,
                    "status": status,
                }
            )
