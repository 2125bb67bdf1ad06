"""One line of a dataset file: decode it, find its kind, check it and stage its rows."""

from __future__ import annotations

from typing import Any

import orjson
from django.utils.translation import gettext as _

from partnerhub.ingest import fields as f
from partnerhub.ingest.fastpath import FAST
from partnerhub.ingest.kinds import ALLOWED, KINDS, Context, FieldBad, Kind, all_problems

_KIND_LIST = ", ".join(KINDS)
Problems = list[tuple[str | None, str]]


class _Invalid(Exception):
    """The quick pass met something wrong: redo the line field by field to name every problem."""


def parse_line(ctx: Context, raw: bytes, seq: int) -> tuple[str | None, Problems]:
    """Check one line and stage its rows: (its kind or None when blank, [(field, reason)])."""
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if not raw.strip():
            return None, []
        return "", [(None, _("not valid JSON: %(reason)s") % {"reason": exc.msg})]
    if type(obj) is not dict:
        return "", [(None, _("expected a JSON object with a `kind`"))]
    name = obj.get("kind")
    kind = KINDS.get(name) if type(name) is str else None
    if kind is None:
        if name is None:
            return "", [("kind", _("this field is required"))]
        return "", [
            (
                "kind",
                _("unknown kind %(kind)r; one of: %(kinds)s")
                % {"kind": f.short(name), "kinds": _KIND_LIST},
            )
        ]
    if ctx.scope_partner is not None and not kind.api:
        return kind.name, [
            ("kind", _("%(kind)s lines are not accepted through the API") % {"kind": kind.name})
        ]
    if b"\\u0000" in raw:  # JSON carries NUL only escaped; no database column can store it
        nul = _nul_field(obj)
        if nul is not None:
            return kind.name, [(nul, _("must not contain NUL (\\u0000) characters"))]
    fast = FAST.get(kind.name)
    if fast is not None and fast(ctx, obj, seq):
        return kind.name, []
    return kind.name, check_generic(ctx, kind, obj, seq)


def _nul_field(value: Any) -> str | None:
    """The first field (`lines[0].product`) whose string or key holds a NUL, else None.

    Walked with a stack of its own: JSON may nest 1,000 deep, deeper than Python may recurse.
    """
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        where, item = stack.pop()
        if type(item) is str:
            if "\x00" in item:
                return where
        elif type(item) is dict:
            for key, sub in reversed(item.items()):
                # a key holding a NUL names itself: stand it in by a string holding one
                stack.append((f"{where}.{key}" if where else key, "\x00" if "\x00" in key else sub))
        elif type(item) is list:
            stack.extend((f"{where}[{i}]", sub) for i, sub in reversed(list(enumerate(item))))
    return None


def check_generic(ctx: Context, kind: Kind, obj: dict[str, Any], seq: int) -> Problems:
    """Check a line field by field against its kind and stage it when it is good."""
    try:
        if not obj.keys() <= ALLOWED[kind.name]:
            raise _Invalid
        values: list[Any] = []
        for fd in kind.fields:
            value = obj.get(fd.name)
            if value is None:
                if fd.required:
                    raise _Invalid
                values.append(fd.default)
            else:
                values.append(fd.check(value))
        kind.build(ctx, seq, values)
    except (_Invalid, f.Bad, FieldBad):
        return all_problems(ctx, kind, obj, seq)
    return []


def bad_id(kind_name: str, raw: bytes) -> tuple[str, str] | None:
    """(the kind others refer to it as, its id) of a bad line whose id is readable, else None."""
    kind = KINDS.get(kind_name)
    if kind is None or kind.ref_kind is None or kind.id_field is None:
        return None
    try:
        value = orjson.loads(raw).get(kind.id_field)
        ident = f.email(value) if kind.id_field == "email" else f.ident(value)
    except (orjson.JSONDecodeError, AttributeError, f.Bad):
        return None
    return None if "\x00" in ident else (kind.ref_kind, ident)  # NUL: not storable, even staged
