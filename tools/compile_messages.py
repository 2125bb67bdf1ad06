"""Compile Partner Hub's translation catalogs (`make catalogs`, run by install, pytest and demo).

    .venv/bin/python tools/compile_messages.py [--force]

Every src/partnerhub/locale/<lang>/LC_MESSAGES/<domain>.po becomes the .mo next to it when the
.mo is missing or older. The .mo files are build output, never committed (.gitignore). GNU
msgfmt does it when installed (`make system-deps` installs gettext), checking every format
string against its msgid; without it, the same file is written here in Python (fuzzy entries
left out, as msgfmt does), so `make demo` needs no system package.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import struct
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LOCALE = REPO / "src" / "partnerhub" / "locale"
MO_MAGIC = 0x950412DE


@dataclass
class Entry:
    """One message of a catalog: its context, msgid (and plural msgid) and translations."""

    context: str | None = None
    msgid: str | None = None
    plural: str | None = None
    strings: dict[int, str] = field(default_factory=dict)
    fuzzy: bool = False


def _unquote(text: str, path: Path, number: int) -> str:
    text = text.strip()
    if not (len(text) >= 2 and text[0] == text[-1] == '"'):
        raise SystemExit(f"{path}:{number}: expected a quoted string, got {text!r}")
    return str(ast.literal_eval(text))


def parse_po(path: Path) -> list[Entry]:
    """The entries of a PO file (obsolete `#~` entries dropped)."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal entry, target
        if entry.msgid is not None:
            entries.append(entry)
        entry, target = Entry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            if not line:
                finish()
            continue
        if line.startswith("#,"):
            if entry.msgid is not None:
                finish()
            entry.fuzzy = entry.fuzzy or "fuzzy" in {f.strip() for f in line[2:].split(",")}
            continue
        if line.startswith("#"):
            if entry.msgid is not None:
                finish()
            continue
        keyword, _space, rest = line.partition(" ")
        if line.startswith('"'):
            if target is None:
                raise SystemExit(f"{path}:{number}: a string continues nothing")
            keyword, rest = "", line
        elif keyword == "msgctxt":
            if entry.msgid is not None:
                finish()
            entry.context, target = "", ("context", 0)
        elif keyword == "msgid":
            if entry.msgid is not None:
                finish()
            entry.msgid, target = "", ("msgid", 0)
        elif keyword == "msgid_plural":
            entry.plural, target = "", ("plural", 0)
        elif keyword == "msgstr":
            entry.strings[0], target = "", ("msgstr", 0)
        elif keyword.startswith("msgstr[") and keyword.endswith("]"):
            index = int(keyword[7:-1])
            entry.strings[index], target = "", ("msgstr", index)
        else:
            raise SystemExit(f"{path}:{number}: unexpected {line!r}")
        text = _unquote(rest, path, number)
        assert target is not None
        kind, index = target
        if kind == "context":
            entry.context = (entry.context or "") + text
        elif kind == "msgid":
            entry.msgid = (entry.msgid or "") + text
        elif kind == "plural":
            entry.plural = (entry.plural or "") + text
        else:
            entry.strings[index] = entry.strings.get(index, "") + text
    finish()
    return entries


def mo_bytes(entries: list[Entry]) -> bytes:
    """A GNU .mo file of the translated, not fuzzy entries (the header always)."""
    messages: dict[bytes, bytes] = {}
    for e in entries:
        assert e.msgid is not None
        header = e.msgid == "" and e.context is None
        strings = [e.strings.get(i, "") for i in range(max(e.strings, default=0) + 1)]
        if (e.fuzzy and not header) or not any(strings):
            continue
        key = e.msgid if e.plural is None else f"{e.msgid}\0{e.plural}"
        if e.context is not None:
            key = f"{e.context}\x04{key}"
        messages[key.encode()] = "\0".join(strings).encode()
    ids = sorted(messages)
    count = len(ids)
    originals_at = 7 * 4
    translations_at = originals_at + count * 8
    data_at = translations_at + count * 8
    originals: list[tuple[int, int]] = []
    translations: list[tuple[int, int]] = []
    data = b""
    for raw in ids:
        originals.append((len(raw), data_at + len(data)))
        data += raw + b"\0"
    for raw in ids:
        value = messages[raw]
        translations.append((len(value), data_at + len(data)))
        data += value + b"\0"
    out = struct.pack("<7I", MO_MAGIC, 0, count, originals_at, translations_at, 0, data_at)
    for length, offset in originals + translations:
        out += struct.pack("<2I", length, offset)
    return out + data


def compile_catalog(po: Path, mo: Path) -> None:
    """Write `mo` from `po`: with msgfmt (which checks format strings) when installed."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt:
        subprocess.run([msgfmt, "--check-format", "-o", str(mo), str(po)], check=True)
    else:
        mo.write_bytes(mo_bytes(parse_po(po)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="compile even if up to date")
    args = parser.parse_args()
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if args.force or not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            compile_catalog(po, mo)
            print(f"compiled {mo.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
