"""Naming the lines whose references do not resolve, in SQL over the staging tables.

A reference is good when the record exists already (in the real tables) or comes on an earlier line
of the same load (a staging row with a smaller `ln`); references to a record whose own line was bad
are not reported again. Through the API "exists" means "is one of the caller partner's customers'".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.backends.utils import CursorWrapper
from django.utils.translation import gettext as _

from partnerhub.ingest.errors import MAX_REPORTED_ERRORS
from partnerhub.ingest.merge import names, own_customer


@dataclass(frozen=True)
class Check:
    """Lines of staging table `table` for which SQL condition `bad` holds are bad in `field`."""

    table: str
    field: str
    value: str  # the column shown in the message
    bad: str
    message: str  # with %(value)r


def _known(kind: str, real: str, staged: str, column: str) -> str:
    """Neither in the real tables, nor earlier in the load, nor on a bad line of that kind."""
    return (
        f"NOT EXISTS ({real}) AND NOT EXISTS ({staged}) AND NOT EXISTS "  # noqa: S608 — staging/real tables of names(); partner id an int
        f"(SELECT 1 FROM {{s_badid}} b WHERE b.kind = '{kind}' AND b.ext_id = {column})"
    )


def _customer(pid: int | None, column: str = "s.customer") -> str:
    return _known(
        "customer",
        f"SELECT 1 FROM {{customer}} c WHERE c.ext_id = {column}{own_customer('c', pid)}",  # noqa: S608 — staging/real tables of names(); partner id an int
        f"SELECT 1 FROM {{s_customer}} x WHERE x.ext_id = {column} AND x.ln < s.ln",  # noqa: S608 — staging/real tables of names(); partner id an int
        column,
    )


def _user_of_customer(pid: int | None, column: str) -> str:
    return _known(
        "user",
        f"SELECT 1 FROM {{cuser}} u JOIN {{customer}} c ON c.id = u.customer_id "  # noqa: S608 — staging/real tables of names(); partner id an int
        f"WHERE u.ext_id = {column} AND c.ext_id = s.customer{own_customer('c', pid)}",
        f"SELECT 1 FROM {{s_user}} x WHERE x.ext_id = {column} AND x.customer = s.customer "  # noqa: S608 — staging/real tables of names(); partner id an int
        "AND x.ln < s.ln",
        column,
    )


def _item(pid: int | None, column: str, *, subscription: bool) -> str:
    only = " AND NOT i.is_trial" if subscription else ""
    own = (
        ""
        if pid is None
        else f" AND i.customer_id IN (SELECT id FROM {{customer}} WHERE partner_id = {int(pid)})"  # noqa: S608 — staging/real tables of names(); partner id an int
    )
    staged_only = " AND NOT x.is_trial" if subscription else ""
    return _known(
        "item",
        f"SELECT 1 FROM {{item}} i WHERE i.ext_id = {column}{only}{own}",  # noqa: S608 — staging/real tables of names(); partner id an int
        f"SELECT 1 FROM {{s_item}} x WHERE x.ext_id = {column}{staged_only} AND x.ln < s.ln",  # noqa: S608 — staging/real tables of names(); partner id an int
        column,
    )


def _owned_elsewhere(table: str, pid: int, via: str = "customer") -> str:
    """Through the API: the id is taken by a record outside the caller's customers."""
    if via == "item":
        return (
            f"EXISTS (SELECT 1 FROM {{{table}}} r JOIN {{item}} i ON i.id = r.item_id "  # noqa: S608 — staging/real tables of names(); partner id an int
            f"JOIN {{customer}} c ON c.id = i.customer_id "
            f"WHERE r.ext_id = s.ext_id AND c.partner_id <> {int(pid)})"
        )
    return (
        f"EXISTS (SELECT 1 FROM {{{table}}} r JOIN {{customer}} c ON c.id = r.customer_id "  # noqa: S608 — staging/real tables of names(); partner id an int
        f"WHERE r.ext_id = s.ext_id AND c.partner_id <> {int(pid)})"
    )


def _external_admin_email(pid: int | None) -> Check:
    """The person named by an `external_admin` line; through the API only the caller partner's
    own people, with one message for "another partner's" and "nobody's" (e-mails of other
    partners' staff must not be confirmable)."""
    if pid is None:
        return Check(
            "external_admin",
            "email",
            "s.email",
            _known(
                "partner_user",
                "SELECT 1 FROM {person} u WHERE u.email = s.email AND u.partner_id IS NOT NULL",
                "SELECT 1 FROM {s_partner_user} x WHERE x.email = s.email AND x.ln < s.ln",
                "s.email",
            ),
            _(
                "no partner person with the e-mail %(value)r "
                "(it must exist already or come on an earlier line)"
            ),
        )
    # partner_user lines never come through the API: only people who exist already count.
    return Check(
        "external_admin",
        "email",
        "s.email",
        "NOT EXISTS (SELECT 1 FROM {person} u WHERE u.email = s.email "  # noqa: S608 — staging/real tables of names(); partner id an int
        f"AND u.partner_id = {int(pid)})",
        _("no person of your partner has the e-mail %(value)r"),
    )


def all_checks(pid: int | None) -> list[Check]:
    """Every reference and identity rule of docs/reference/dataset.md that SQL decides."""
    no_customer = _("no customer %(value)r (it must exist already or come on an earlier line)")
    if pid is not None:
        no_customer = _(
            "%(value)r is not one of your customers "
            "(it must exist already or come on an earlier line)"
        )
    no_user = _(
        "no user %(value)r of this customer (it must exist already or come on an earlier line)"
    )
    no_item = _(
        "no subscription or trial %(value)r (it must exist already or come on an earlier line)"
    )
    own_user = (
        ""
        if pid is None
        else f" AND u.customer_id IN (SELECT id FROM {{customer}} WHERE partner_id = {int(pid)})"  # noqa: S608 — staging/real tables of names(); partner id an int
    )
    no_sub = _("no subscription %(value)r (it must exist already or come on an earlier line)")
    # Through the API, only the caller's own items are named by kind; another partner's id gets
    # the `elsewhere` answer below, which confirms nothing about it (issue 13).
    own_item = (
        ""
        if pid is None
        else f" AND i.customer_id IN (SELECT id FROM {{customer}} WHERE partner_id = {int(pid)})"  # noqa: S608 — staging/real tables of names(); partner id an int
    )
    checks = [
        Check(
            "customer",
            "partner",
            "s.partner",
            _known(
                "partner",
                "SELECT 1 FROM {partner} p WHERE p.ext_id = s.partner",
                "SELECT 1 FROM {s_partner} x WHERE x.ext_id = s.partner AND x.ln < s.ln",
                "s.partner",
            ),
            _("no partner %(value)r (it must exist already or come on an earlier line)"),
        ),
        Check(
            "partner_user",
            "partner",
            "s.partner",
            _known(
                "partner",
                "SELECT 1 FROM {partner} p WHERE p.ext_id = s.partner",
                "SELECT 1 FROM {s_partner} x WHERE x.ext_id = s.partner AND x.ln < s.ln",
                "s.partner",
            ),
            _("no partner %(value)r (it must exist already or come on an earlier line)"),
        ),
        Check(
            "pu_customer",
            "customers",
            "s.customer",
            _known(
                "customer",
                "SELECT 1 FROM {customer} c JOIN {partner} p ON p.id = c.partner_id "
                "WHERE c.ext_id = s.customer AND p.ext_id = s.partner",
                "SELECT 1 FROM {s_customer} x WHERE x.ext_id = s.customer "
                "AND x.partner = s.partner AND x.ln < s.ln",
                "s.customer",
            ),
            _(
                "no customer %(value)r of this person's partner "
                "(it must exist already or come on an earlier line)"
            ),
        ),
        Check("external_admin", "customer", "s.customer", _customer(pid), no_customer),
        _external_admin_email(pid),
        Check("admin_login", "customer", "s.customer", _customer(pid), no_customer),
        Check("item", "customer", "s.customer", _customer(pid), no_customer),
        Check(
            "item",
            "id",
            "s.ext_id",
            "s.is_trial AND (EXISTS (SELECT 1 FROM {item} i WHERE i.ext_id = s.ext_id "  # noqa: S608 — staging/real tables of names(); partner id an int
            f"AND NOT i.is_trial{own_item}) OR EXISTS (SELECT 1 FROM {{s_item}} x "
            "WHERE x.ext_id = s.ext_id AND NOT x.is_trial AND x.ln < s.ln))",
            _("%(value)r is already the id of a subscription"),
        ),
        Check(
            "item",
            "id",
            "s.ext_id",
            "NOT s.is_trial AND (EXISTS (SELECT 1 FROM {item} i WHERE i.ext_id = s.ext_id "  # noqa: S608 — staging/real tables of names(); partner id an int
            f"AND i.is_trial{own_item}) OR EXISTS (SELECT 1 FROM {{s_item}} x "
            "WHERE x.ext_id = s.ext_id AND x.is_trial AND x.ln < s.ln))",
            _("%(value)r is already the id of a trial"),
        ),
        Check(
            "order",
            "subscription",
            "s.subscription",
            _item(pid, "s.subscription", subscription=True),
            no_sub,
        ),
        Check(
            "invoice",
            "subscription",
            "s.subscription",
            _item(pid, "s.subscription", subscription=True),
            no_sub,
        ),
        Check("user", "customer", "s.customer", _customer(pid), no_customer),
        Check(
            "assignment",
            "user",
            "s.usr",
            _known(
                "user",
                "SELECT 1 FROM {cuser} u WHERE u.ext_id = s.usr" + own_user,  # noqa: S608 — staging/real tables of names(); partner id an int
                "SELECT 1 FROM {s_user} x WHERE x.ext_id = s.usr AND x.ln < s.ln",
                "s.usr",
            ),
            _("no user %(value)r (it must exist already or come on an earlier line)"),
        ),
        Check("assignment", "item", "s.item", _item(pid, "s.item", subscription=False), no_item),
        Check("call_queue", "customer", "s.customer", _customer(pid), no_customer),
        Check("meeting", "customer", "s.customer", _customer(pid), no_customer),
        Check("meeting", "host", "s.host", _user_of_customer(pid, "s.host"), no_user),
        Check("participant", "participants", "s.usr", _user_of_customer(pid, "s.usr"), no_user),
        Check("call", "customer", "s.customer", _customer(pid), no_customer),
        Check("call", "user", "s.usr", _user_of_customer(pid, "s.usr"), no_user),
        Check(
            "call",
            "queue.id",
            "s.queue",
            "s.queue IS NOT NULL AND "  # noqa: S608 — staging/real tables of names(); partner id an int
            + _known(
                "call_queue",
                "SELECT 1 FROM {queue} q JOIN {customer} c ON c.id = q.customer_id "
                "WHERE q.ext_id = s.queue AND c.ext_id = s.customer",
                "SELECT 1 FROM {s_call_queue} x WHERE x.ext_id = s.queue "
                "AND x.customer = s.customer AND x.ln < s.ln",
                "s.queue",
            ),
            _(
                "no call queue %(value)r of this customer "
                "(it must exist already or come on an earlier line)"
            ),
        ),
    ]
    if pid is not None:
        # The same words whatever holds the id elsewhere: nothing of another partner is
        # confirmed (issue 13), only that this id cannot be loaded by this partner.
        elsewhere = _("the id %(value)r cannot be used")
        checks += [
            Check(
                "customer",
                "id",
                "s.ext_id",
                f"EXISTS (SELECT 1 FROM {{customer}} c WHERE c.ext_id = s.ext_id "  # noqa: S608 — staging/real tables of names(); partner id an int
                f"AND c.partner_id <> {int(pid)})",
                elsewhere,
            ),
            Check("item", "id", "s.ext_id", _owned_elsewhere("item", pid), elsewhere),
            Check("order", "id", "s.ext_id", _owned_elsewhere("order", pid, "item"), elsewhere),
            Check("invoice", "id", "s.ext_id", _owned_elsewhere("invoice", pid, "item"), elsewhere),
            Check("user", "id", "s.ext_id", _owned_elsewhere("cuser", pid), elsewhere),
            Check("call_queue", "id", "s.ext_id", _owned_elsewhere("queue", pid), elsewhere),
            Check("meeting", "id", "s.ext_id", _owned_elsewhere("meeting", pid), elsewhere),
            Check("call", "id", "s.ext_id", _owned_elsewhere("call", pid), elsewhere),
        ]
    return checks


@dataclass
class Found:
    """Bad lines found by one check: the first ones (seq, field, message) and how many in all."""

    rows: list[tuple[int, str, str]]
    total: int


def run_check(cursor: CursorWrapper, check: Check, *, limit: int = MAX_REPORTED_ERRORS) -> Found:
    """The first `limit` bad lines of one check (by line) and their total count."""
    n = names()
    where = check.bad.format(**n)
    table = n[f"s_{check.table}"]
    cursor.execute(
        f"SELECT s.ln, {check.value} FROM {table} s WHERE {where} ORDER BY s.ln LIMIT {int(limit)}"  # noqa: S608 — staging/real tables of names(); partner id an int
    )
    rows = [(ln, check.field, check.message % {"value": value}) for ln, value in cursor.fetchall()]
    total = len(rows)
    if total == limit:
        cursor.execute(f"SELECT count(*) FROM {table} s WHERE {where}")  # noqa: S608 — staging/real tables of names(); partner id an int
        total = int(cursor.fetchone()[0])
    return Found(rows, total)


def run_checks(
    cursor: CursorWrapper, pid: int | None, tables: set[str], *, limit: int = MAX_REPORTED_ERRORS
) -> list[Found]:
    """Run every check on the staging tables that hold rows."""
    return [run_check(cursor, c, limit=limit) for c in all_checks(pid) if c.table in tables]


def any_bad(cursor: CursorWrapper, pid: int | None, table: str) -> bool:
    """Whether some staged row of `table` fails one of its checks."""
    return any(run_check(cursor, c, limit=1).rows for c in all_checks(pid) if c.table == table)
