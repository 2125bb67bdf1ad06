"""Moving one chunk of staged lines into the real tables, set-based, kind by kind.

Every upsert resolves source ids to integer keys with joins; a row whose reference does not resolve
(or, through the API, whose record belongs to another partner) is simply not written, so a
statement writing fewer rows than were staged means a bad line: the load then stops writing and
`checks.py` names the lines. Kinds are merged in dependency order, so a line may refer to any record
of an earlier kind in the same chunk; forward references inside a chunk are caught before merging
(`kinds.Chunk.forward_refs`).
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import IntegrityError, transaction
from django.db.backends.utils import CursorWrapper

from partnerhub.accounts.models import Partner, User
from partnerhub.activity.models import (
    Call,
    CallQueue,
    Meeting,
    MeetingParticipant,
    UsageDay,
    UserCallWeek,
)
from partnerhub.core import clock
from partnerhub.customers.models import (
    Customer,
    CustomerAdminLogin,
    CustomerManager,
    CustomerUser,
    ExternalAdmin,
)
from partnerhub.ingest import usage
from partnerhub.ingest.stage import STAGE_COLUMNS, Backend, stage_table
from partnerhub.resources.models import Resource
from partnerhub.subscriptions.models import Assignment, Invoice, Item, ItemLine, Order
from partnerhub.tags.models import CustomerTag, Tag

# Staging tables in the order they are merged (each refers only to earlier ones).
MERGE_ORDER = (
    "partner",
    "customer",
    "partner_user",
    "external_admin",
    "admin_login",
    "item",
    "order",
    "invoice",
    "user",
    "assignment",
    "call_queue",
    "meeting",
    "call",
    "resource",
)
# Kinds written with ON CONFLICT DO NOTHING: row counts say nothing, so they are checked first.
CHECKED_FIRST = ("pu_customer", "external_admin", "admin_login")
# Kinds with many rows: a plain INSERT is tried before the upsert (see `Merger.merge`).
OPTIMISTIC = frozenset({"call", "meeting", "user", "assignment", "invoice", "order", "admin_login"})


@functools.cache
def names() -> dict[str, str]:
    """Real and staging table names for the SQL templates."""
    real = {
        "partner": Partner,
        "person": User,
        "customer": Customer,
        "manager": CustomerManager,
        "external": ExternalAdmin,
        "login": CustomerAdminLogin,
        "cuser": CustomerUser,
        "item": Item,
        "itemline": ItemLine,
        "order": Order,
        "invoice": Invoice,
        "assignment": Assignment,
        "queue": CallQueue,
        "meeting": Meeting,
        "participant": MeetingParticipant,
        "call": Call,
        "usage": UsageDay,
        "callweek": UserCallWeek,
        "tag": Tag,
        "ctag": CustomerTag,
        "resource": Resource,
    }
    out = {key: model._meta.db_table for key, model in real.items()}
    out.update({f"s_{name}": stage_table(name) for name in STAGE_COLUMNS})
    out["users"] = "ingest_users"  # the customer users the chunk refers to (`Merger.map_users`)
    return out


def own_customer(alias: str, pid: int | None) -> str:
    """`AND <alias>.partner_id = pid` through the API (a partner's own customers), else ''."""
    return "" if pid is None else f" AND {alias}.partner_id = {int(pid)}"


def guard(table: str, column: str, pid: int | None, via: str = "") -> str:
    """Through the API, an upsert may replace only records of the caller's own customers."""
    if pid is None:
        return ""
    n = names()
    if via == "item":
        return (
            f" WHERE {table}.{column} IN (SELECT i.id FROM {n['item']} i "  # noqa: S608 — tables of names(); partner id an int; values bound
            f"JOIN {n['customer']} c ON c.id = i.customer_id WHERE c.partner_id = {int(pid)})"
        )
    return (
        f" WHERE {table}.{column} IN (SELECT id FROM {n['customer']} WHERE partner_id = {int(pid)})"  # noqa: S608 — tables of names(); partner id an int; values bound
    )


def _set(*columns: str) -> str:
    return ", ".join(f"{c} = excluded.{c}" for c in columns)


class Merger:
    """Runs the merge statements of one load (one database, one scope)."""

    def __init__(self, backend: Backend, cursor: CursorWrapper, pid: int | None) -> None:
        self.backend = backend
        self.cursor = cursor
        self.pid = pid
        self.now = backend.ts(clock.now())
        self.conflicting: set[str] = set()  # tables where an id of the load existed already
        self.track_usage = True  # False once usage days are recomputed in one pass at the end
        self.meeting_floor = 0

    def run(self, sql: str, params: list[Any] | None = None) -> int:
        self.cursor.execute(sql.format(**names()), params)
        return self.cursor.rowcount

    def upsert_sql(self, table: str) -> str:
        """The statement writing staged rows of `table`; it writes exactly the resolvable ones."""
        pid = self.pid
        n = names()
        c_own = own_customer("c", pid)
        json = self.backend.json
        if table == "partner":
            return (
                "INSERT INTO {partner} (ext_id, name, country) "  # noqa: S608 — tables of names(); partner id an int; values bound
                "SELECT s.ext_id, s.name, s.country FROM {s_partner} s WHERE true "
                f"ON CONFLICT (ext_id) DO UPDATE SET {_set('name', 'country')}"
            )
        if table == "customer":
            return (
                "INSERT INTO {customer} (ext_id, partner_id, name, created, country, admin_email) "  # noqa: S608 — tables of names(); partner id an int; values bound
                "SELECT s.ext_id, p.id, s.name, s.created, s.country, '' FROM {s_customer} s "
                "JOIN {partner} p ON p.ext_id = s.partner WHERE true "
                "ON CONFLICT (ext_id) DO UPDATE SET "
                + _set("partner_id", "name", "created", "country")
                + (f" WHERE {n['customer']}.partner_id = {int(pid)}" if pid is not None else "")
            )
        if table == "partner_user":
            return (
                "INSERT INTO {person} (email, name, partner_id, role, password, is_superuser, "  # noqa: S608 — tables of names(); partner id an int; values bound
                "is_staff, is_helpdesk, is_active, date_joined) "
                "SELECT s.email, s.name, p.id, s.role, s.password, false, false, false, true, %s "
                "FROM {s_partner_user} s JOIN {partner} p ON p.ext_id = s.partner WHERE true "
                f"ON CONFLICT (email) DO UPDATE SET {_set('name', 'partner_id', 'role')}"
            )
        if table == "external_admin":
            # Through the API, only the caller partner's own people (checks.py names the rest).
            own_person = "IS NOT NULL" if pid is None else f"= {int(pid)}"
            return (
                "INSERT INTO {external} (customer_id, user_id) "  # noqa: S608 — tables of names(); partner id an int; values bound
                "SELECT DISTINCT c.id, u.id FROM {s_external_admin} s "
                f"JOIN {{customer}} c ON c.ext_id = s.customer{c_own} "
                f"JOIN {{person}} u ON u.email = s.email WHERE u.partner_id {own_person} "
                "ON CONFLICT (customer_id, user_id) DO NOTHING"
            )
        if table == "admin_login":
            return (
                "INSERT INTO {login} (customer_id, at) "  # noqa: S608 — tables of names(); partner id an int; values bound
                "SELECT DISTINCT c.id, s.at_ FROM {s_admin_login} s "
                f"JOIN {{customer}} c ON c.ext_id = s.customer{c_own} WHERE true "
                "ON CONFLICT (customer_id, at) DO NOTHING"
            )
        if table == "item":
            item_guard = f" WHERE {n['item']}.is_trial = excluded.is_trial"
            if pid is not None:
                item_guard += guard(n["item"], "customer_id", pid).replace(" WHERE", " AND", 1)
            return (
                "INSERT INTO {item} "  # noqa: S608 — tables of names(); partner id an int; values bound
                '(ext_id, customer_id, is_trial, start, "end", auto_renew, state) '
                "SELECT s.ext_id, c.id, s.is_trial, s.start_, s.end_, s.auto_renew, s.state "
                f"FROM {{s_item}} s JOIN {{customer}} c ON c.ext_id = s.customer{c_own} WHERE true "
                "ON CONFLICT (ext_id) DO UPDATE SET customer_id = excluded.customer_id, "
                'start = excluded.start, "end" = excluded."end", auto_renew = excluded.auto_renew, '
                "state = excluded.state" + item_guard
            )
        if table in ("order", "invoice"):
            own_item = (
                "" if pid is None else
                f" JOIN {{customer}} ci ON ci.id = i.customer_id AND ci.partner_id = {int(pid)}"
            )  # fmt: skip
            if table == "order":
                cols, values = "lines, amount, currency", f"{json('s.lines')}, s.amount, s.currency"
                updates = _set("item_id", '"date"', "action", "lines", "amount", "currency")
            else:
                cols, values = "amount, currency, status", "s.amount, s.currency, s.status"
                updates = _set("item_id", '"date"', "amount", "currency", "status")
            if table == "order":
                cols = "action, " + cols
                values = "s.action, " + values
            return (
                f'INSERT INTO {{{table}}} (ext_id, item_id, "date", {cols}) '  # noqa: S608 — tables of names(); partner id an int; values bound
                f"SELECT s.ext_id, i.id, s.on_date, {values} FROM {{s_{table}}} s "
                "JOIN {item} i ON i.ext_id = s.subscription AND NOT i.is_trial"
                f"{own_item} WHERE true "
                f"ON CONFLICT (ext_id) DO UPDATE SET {updates}"
                + guard(n[table], "item_id", pid, via="item")
            )
        if table == "user":
            return (
                "INSERT INTO {cuser} (ext_id, customer_id, email, name, is_active) "  # noqa: S608 — tables of names(); partner id an int; values bound
                "SELECT s.ext_id, c.id, s.email, s.name, true FROM {s_user} s "
                f"JOIN {{customer}} c ON c.ext_id = s.customer{c_own} WHERE true "
                f"ON CONFLICT (ext_id) DO UPDATE SET {_set('customer_id', 'email', 'name')}"
                + guard(n["cuser"], "customer_id", pid)
            )
        if table == "assignment":
            own = (
                "" if pid is None else
                f" JOIN {{customer}} cu ON cu.id = u.customer_id AND cu.partner_id = {int(pid)}"
                f" JOIN {{customer}} ci ON ci.id = i.customer_id AND ci.partner_id = {int(pid)}"
            )  # fmt: skip
            return (
                "INSERT INTO {assignment} (user_id, item_id, product, from_date, to_date) "  # noqa: S608 — tables of names(); partner id an int; values bound
                "SELECT u.id, i.id, s.product, s.from_, s.to_ FROM {s_assignment} s "
                "JOIN {users} u ON u.ext_id = s.usr JOIN {item} i ON i.ext_id = s.item"
                f"{own} WHERE true "
                "ON CONFLICT (user_id, item_id, product, from_date) "
                "DO UPDATE SET to_date = excluded.to_date"
            )
        if table == "call_queue":
            return (
                "INSERT INTO {queue} (ext_id, customer_id, name) "  # noqa: S608 — tables of names(); partner id an int; values bound
                "SELECT s.ext_id, c.id, s.name FROM {s_call_queue} s "
                f"JOIN {{customer}} c ON c.ext_id = s.customer{c_own} WHERE true "
                f"ON CONFLICT (ext_id) DO UPDATE SET {_set('customer_id', 'name')}"
                + guard(n["queue"], "customer_id", pid)
            )
        if table == "meeting":
            return (
                "INSERT INTO {meeting} (ext_id, customer_id, host_id, start, duration_s) "  # noqa: S608 — tables of names(); partner id an int; values bound
                "SELECT s.ext_id, c.id, u.id, s.start_, s.duration_s FROM {s_meeting} s "
                f"JOIN {{customer}} c ON c.ext_id = s.customer{c_own} "
                "JOIN {users} u ON u.ext_id = s.host AND u.customer_id = c.id WHERE true "
                "ON CONFLICT (ext_id) DO UPDATE SET "
                + _set("customer_id", "host_id", "start", "duration_s")
                + guard(n["meeting"], "customer_id", pid)
            )
        if table == "call":
            columns = (
                "start, week, duration_s, endpoint, call_type, direction, mos, jitter_ms, "
                "loss_pct, latency_ms, features"
            )
            return (
                f"INSERT INTO {{call}} (ext_id, customer_id, user_id, queue_id, queue_wait_s, "  # noqa: S608 — tables of names(); partner id an int; values bound
                f"queue_outcome, {columns}) "
                "SELECT s.ext_id, c.id, u.id, q.id, s.queue_wait_s, s.queue_outcome, s.start_, "
                "s.week, s.duration_s, s.endpoint, s.call_type, s.direction, s.mos, s.jitter_ms, "
                "s.loss_pct, s.latency_ms, s.features FROM {s_call} s "
                f"JOIN {{customer}} c ON c.ext_id = s.customer{c_own} "
                "JOIN {users} u ON u.ext_id = s.usr AND u.customer_id = c.id "
                "LEFT JOIN {queue} q ON q.ext_id = s.queue AND q.customer_id = c.id "
                "WHERE (s.queue IS NULL OR q.id IS NOT NULL) "
                "ON CONFLICT (ext_id) DO UPDATE SET "
                + _set("customer_id", "user_id", "queue_id", "queue_wait_s", "queue_outcome")
                + ", "
                + _set(*columns.split(", "))
                + guard(n["call"], "customer_id", pid)
            )
        if table == "resource":
            return (
                "INSERT INTO {resource} (ext_id, title, url, type, products, summary, language, "  # noqa: S608 — tables of names(); partner id an int; values bound
                "featured, quick_link, body) "
                f"SELECT s.ext_id, s.title, s.url, s.type, {json('s.products')}, s.summary, "
                "s.language, s.featured, s.quick_link, '' FROM {s_resource} s WHERE true "
                "ON CONFLICT (ext_id) DO UPDATE SET "
                + _set("title", "url", "type", "products", "summary", "language", "featured")
                + ", quick_link = excluded.quick_link"
            )
        raise KeyError(table)

    def merge(self, table: str, staged: int, children: dict[str, int]) -> bool:
        """Write the staged rows of `table` (and of its lists); False when some did not resolve.

        For the big kinds a plain INSERT is tried first (in a savepoint): it costs half of an
        `ON CONFLICT` upsert and succeeds whenever the ids are new, as in a first load. The first
        id that exists already makes this table use the upsert for the rest of the load.
        """
        params = [self.now] if table == "partner_user" else None
        statement = self.upsert_sql(table)
        if table == "meeting":  # rows above it are this chunk's new meetings
            self.run("SELECT coalesce(max(id), 0) FROM {meeting}")
            self.meeting_floor = int(self.cursor.fetchone()[0])
        insert = statement.partition(" ON CONFLICT ")[0]
        fresh = False
        if table in OPTIMISTIC and table not in self.conflicting:
            try:
                with transaction.atomic():
                    written = self.run(insert, params)
                fresh = True
            except IntegrityError:
                self.conflicting.add(table)
        if not fresh:
            if table in ("call", "meeting") and self.track_usage:
                usage.note_replaced(self, table)
            written = self.run(statement, params)
        if table not in ("external_admin", "admin_login") and written != staged:
            return False
        if table == "customer":
            self.customer_tags(children.get("customer_tag", 0))
        elif table == "partner_user":
            self.managers()
        elif table == "item":
            self.item_lines()
        elif table == "meeting":
            return self.participants(children.get("participant", 0), replaced=not fresh)
        return True

    def map_users(self, staged: dict[str, int]) -> None:
        """Look up once the customer users this chunk's lines refer to.

        Calls, meetings, participants and assignments then join this small table instead of
        hashing every customer user of the database again for each of them.
        """
        refs = [
            f"SELECT {column} FROM {{s_{table}}}"  # noqa: S608 — tables of names(); partner id an int; values bound
            for table, column in (
                ("assignment", "usr"), ("meeting", "host"), ("participant", "usr"), ("call", "usr")
            )
            if staged.get(table)
        ]  # fmt: skip
        self.run(
            "INSERT INTO {users} (ext_id, id, customer_id) "  # noqa: S608 — tables of names(); partner id an int; values bound
            "SELECT u.ext_id, u.id, u.customer_id FROM {cuser} u "
            f"WHERE u.ext_id IN ({' UNION '.join(refs) or 'SELECT NULL'})"
        )

    def customer_tags(self, staged_tags: int) -> None:
        """Create missing tags (matched ignoring case), replace the sets the lines give."""
        if staged_tags:
            self.run(
                "INSERT INTO {tag} (partner_id, name) "
                "SELECT c.partner_id, min(t.name) FROM {s_customer_tag} t "
                "JOIN {customer} c ON c.ext_id = t.customer "
                "WHERE NOT EXISTS (SELECT 1 FROM {tag} x "
                "  WHERE x.partner_id = c.partner_id AND lower(x.name) = lower(t.name)) "
                "GROUP BY c.partner_id, lower(t.name)"
            )
        # tags the line no longer lists, and tags of another partner (the customer moved)
        removed = self.run(
            "DELETE FROM {ctag} WHERE id IN (SELECT ct.id FROM {ctag} ct "
            "  JOIN {customer} c ON c.id = ct.customer_id "
            "  JOIN {s_customer} s ON s.ext_id = c.ext_id "
            "  JOIN {tag} x ON x.id = ct.tag_id "
            "  WHERE x.partner_id <> c.partner_id OR (s.has_tags AND NOT EXISTS ("
            "    SELECT 1 FROM {s_customer_tag} t "
            "    WHERE t.customer = s.ext_id AND lower(t.name) = lower(x.name))))"
        )
        if staged_tags:
            self.run(
                "INSERT INTO {ctag} (customer_id, tag_id) "
                "SELECT DISTINCT c.id, x.id FROM {s_customer_tag} t "
                "JOIN {customer} c ON c.ext_id = t.customer "
                "JOIN {tag} x ON x.partner_id = c.partner_id AND lower(x.name) = lower(t.name) "
                "WHERE true ON CONFLICT (customer_id, tag_id) DO NOTHING"
            )
        if removed:  # a tag lives while a customer carries it (docs/reference/rules.md#tags)
            self.run(
                "DELETE FROM {tag} "
                "WHERE NOT EXISTS (SELECT 1 FROM {ctag} ct WHERE ct.tag_id = {tag}.id)"
            )

    def managers(self) -> None:
        """Replace the customers a person manages, for lines that list `customers`."""
        self.run(
            "DELETE FROM {manager} WHERE user_id IN ("
            "  SELECT u.id FROM {person} u JOIN {s_partner_user} s ON s.email = u.email "
            "  WHERE s.has_customers) "
            "AND NOT EXISTS (SELECT 1 FROM {s_pu_customer} pc "
            "  JOIN {person} u ON u.email = pc.email JOIN {customer} c ON c.ext_id = pc.customer "
            "  WHERE u.id = {manager}.user_id AND c.id = {manager}.customer_id)"
        )
        self.run(
            "INSERT INTO {manager} (customer_id, user_id, assigned_at) "
            "SELECT DISTINCT c.id, u.id, %s FROM {s_pu_customer} pc "
            "JOIN {person} u ON u.email = pc.email JOIN {customer} c ON c.ext_id = pc.customer "
            "WHERE true ON CONFLICT (customer_id, user_id) DO NOTHING",
            [self.now],
        )

    def item_lines(self) -> None:
        """Replace the license lines of every staged item."""
        self.run(
            "DELETE FROM {itemline} WHERE item_id IN ("
            "  SELECT i.id FROM {item} i JOIN {s_item} s ON s.ext_id = i.ext_id)"
        )
        self.run(
            "INSERT INTO {itemline} (item_id, product, licenses) "
            "SELECT i.id, l.product, l.licenses FROM {s_item_line} l "
            "JOIN {item} i ON i.ext_id = l.item WHERE true"
        )

    def participants(self, staged: int, *, replaced: bool) -> bool:
        """Replace the participants of every staged meeting; False when some did not resolve."""
        if replaced:  # only meetings that existed before can have participants already
            self.run(
                "DELETE FROM {participant} WHERE meeting_id IN ("
                "  SELECT m.id FROM {meeting} m JOIN {s_meeting} s ON s.ext_id = m.ext_id)"
            )
        if not staged:
            return True
        # New meetings have ids above the floor: the join then reads only them, not every meeting.
        new_only = "" if replaced else f" AND m.id > {int(self.meeting_floor)}"
        written = self.run(
            "INSERT INTO {participant} (meeting_id, user_id) "  # noqa: S608 — tables of names(); partner id an int; values bound
            "SELECT m.id, u.id FROM {s_participant} p "
            f"JOIN {{meeting}} m ON m.ext_id = p.meeting{new_only} "
            "JOIN {users} u ON u.ext_id = p.usr AND u.customer_id = m.customer_id WHERE true"
        )
        return written == staged
