"""Every text a person reads goes through translation, and the Polish catalog is complete and fresh.

Two guards for issue 15: a lint over every template that fails on prose outside a translation tag,
and checks of `locale/pl/LC_MESSAGES/*.po` — no fuzzy or untranslated entry, the same msgids that
`makemessages` extracts from today's sources, and the msgid's placeholders kept in every msgstr.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "partnerhub"
LOCALE = PACKAGE / "locale"
CATALOGS = sorted((LOCALE / "pl" / "LC_MESSAGES").glob("*.po"))

# Names that stay the same in every language: products, companies, formats and acronyms.
ALLOWED_NAMES = (
    "Partner Hub",
    "Webex Calling",
    "Webex",
    "Cisco",
    "API",
    "CSV",
    "XLSX",
    "PDF",
    "UTC",
)

# Attributes whose value a person reads or hears (tooltips, screen readers, JS confirm dialogs).
VISIBLE_ATTRIBUTES = frozenset(
    {
        "title",
        "placeholder",
        "alt",
        "label",
        "aria-label",
        "aria-description",
        "aria-roledescription",
        "aria-valuetext",
        "aria-placeholder",
        "data-confirm",
        "hx-confirm",
        "hx-prompt",
    }
)
BUTTON_INPUT_TYPES = frozenset({"submit", "button", "reset"})

LETTER = re.compile(r"[^\W\d_]")
STRING = r"""(?:"[^"]*"|'[^']*')"""


@dataclass(frozen=True)
class Finding:
    """One piece of text a person would read that no translation tag covers."""

    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text}"


@dataclass
class _Masked:
    text: str
    findings: list[Finding] = field(default_factory=list)


def _keep_lines(replacement: str = " ") -> Callable[[re.Match[str]], str]:
    """A substitution that keeps the match's line breaks, so line numbers stay true."""

    def sub(match: re.Match[str]) -> str:
        return "\n" * match.group(0).count("\n") + replacement

    return sub


def _literal(token: str) -> str:
    return token[1:-1]


def _variable_output(match: re.Match[str]) -> str:
    """The literal text a `{{ … }}` may print: a filter's fallback or an English plural suffix."""
    expression = match.group(0)
    shown: list[str] = []
    for arg in re.finditer(rf"\|\s*(?:default|default_if_none|yesno)\s*:\s*({STRING})", expression):
        shown.append(_literal(arg.group(1)).replace(",", " "))
    for arg in re.finditer(rf"\|\s*pluralize\b(?:\s*:\s*({STRING}))?", expression):
        shown.append(_literal(arg.group(1)).replace(",", " ") if arg.group(1) else "s")
    return "\n" * expression.count("\n") + " " + " ".join(shown) + " "


def _tag_output(match: re.Match[str]) -> str:
    """The prose a `{% … %}` tag passes on: `{% firstof %}` fallbacks, `with x="A sentence"`."""
    tag = match.group(0)
    name = tag[2:].split(None, 1)[0] if tag[2:].strip() else ""
    shown: list[str] = []
    if name == "firstof":
        shown = [_literal(s) for s in re.findall(rf"(?<![\w(]){STRING}", tag)]
    elif name in {"include", "with"}:
        # a keyword literal with a space in it is prose; `target="#table"` is a machine value
        shown = [
            _literal(s)
            for s in re.findall(rf"\w+\s*=\s*({STRING})", tag)
            if re.search(r"\S\s+\S", _literal(s))
        ]
    return "\n" * tag.count("\n") + " " + " ".join(shown) + " "


def _mask_django(source: str) -> str:
    """Blank out comments, translated text and template syntax; keep line breaks."""
    text = re.sub(r"{%\s*comment\b.*?%}.*?{%\s*endcomment\s*%}", _keep_lines(), source, flags=re.S)
    text = re.sub(r"{#.*?#}", _keep_lines(), text, flags=re.S)
    text = re.sub(
        r"{%\s*blocktrans(?:late)?\b.*?%}.*?{%\s*endblocktrans(?:late)?\s*%}",
        _keep_lines(),
        text,
        flags=re.S,
    )
    text = re.sub(r"{%\s*trans(?:late)?\b.*?%}", _keep_lines(), text, flags=re.S)
    text = re.sub(r"{{.*?}}", _variable_output, text, flags=re.S)
    return re.sub(r"{%.*?%}", _tag_output, text, flags=re.S)


def _prose(text: str) -> str:
    """What is left once entities are decoded and allowed names removed: empty unless prose."""
    text = html.unescape(text)
    for name in ALLOWED_NAMES:
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", text)
    return " ".join(text.split()) if LETTER.search(text) else ""


ATTRIBUTE = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>"']+))?""")
HTML_TAG = re.compile(r"<(?P<name>[a-zA-Z][\w-]*)(?P<attrs>[^>]*)>|</[a-zA-Z][\w-]*\s*>")


def _check_tag(path: str, tag: re.Match[str], line_of: Callable[[int], int]) -> list[Finding]:
    """Visible attribute values of one HTML start tag that are not translated."""
    if not tag.group("name"):
        return []
    attributes = {
        m.group(1).lower(): (m.start(2), m.group(2) or "")
        for m in ATTRIBUTE.finditer(tag.group("attrs"))
    }
    names = set(VISIBLE_ATTRIBUTES)
    input_type = _unquote(attributes.get("type", (0, ""))[1]).strip().lower()
    if tag.group("name").lower() == "input" and input_type in BUTTON_INPUT_TYPES:
        names.add("value")
    findings = []
    for name, (offset, raw) in attributes.items():
        if name in names:
            shown = _prose(_unquote(raw))
            if shown:
                position = tag.start("attrs") + offset
                findings.append(Finding(path, line_of(position), f'{name}="{shown}"'))
    return findings


def _unquote(value: str) -> str:
    return value[1:-1] if value[:1] in {'"', "'"} else value


def untranslated_text(
    source: str, path: str = "<template>", *, markup: bool = True
) -> list[Finding]:
    """Every line of `source` (a Django template) that shows a person text no translation covers.

    `markup` is false for plain-text templates (e-mail bodies), where every character is shown.
    """
    text = _mask_django(source)
    findings: list[Finding] = []
    if markup:
        text = re.sub(r"<!--.*?-->|<![a-zA-Z][^>]*>", _keep_lines(), text, flags=re.S)
        text = re.sub(
            r"(<(script|style)\b[^>]*>).*?(</\2\s*>)",
            lambda m: m.group(1) + "\n" * m.group(0).count("\n") + m.group(3),
            text,
            flags=re.S | re.I,
        )
        line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

        def line_of(position: int) -> int:
            low, high = 0, len(line_starts)
            while high - low > 1:
                middle = (low + high) // 2
                if line_starts[middle] <= position:
                    low = middle
                else:
                    high = middle
            return low + 1

        for tag in HTML_TAG.finditer(text):
            findings.extend(_check_tag(path, tag, line_of))
        text = HTML_TAG.sub(_keep_lines(), text)
    for number, line in enumerate(text.split("\n"), start=1):
        shown = _prose(line)
        if shown:
            findings.append(Finding(path, number, shown))
    return sorted(findings, key=lambda f: (f.path, f.line))


def _templates() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix in {".html", ".txt"} and "templates" in path.relative_to(PACKAGE).parts:
            yield path


# --- the template lint -------------------------------------------------------------------------


def test_every_template_shows_only_translated_text() -> None:
    findings = []
    templates = list(_templates())
    assert len(templates) > 50, "the template search found too few templates"
    for path in templates:
        source = path.read_text(encoding="utf-8")
        relative = str(path.relative_to(PACKAGE))
        findings.extend(untranslated_text(source, relative, markup=path.suffix == ".html"))
    assert not findings, "text outside a translation tag:\n" + "\n".join(map(str, findings))


def test_the_lint_finds_bare_text_and_points_at_its_line() -> None:
    source = (
        "{% load i18n %}\n"
        "<h1>{% translate 'Customers' %}</h1>\n"
        "<p class='lead'>\n"
        "  Every customer you manage.\n"
        "</p>\n"
    )
    assert untranslated_text(source, "bad.html") == [
        Finding("bad.html", 4, "Every customer you manage.")
    ]


def test_the_lint_finds_untranslated_attributes_a_person_reads() -> None:
    source = (
        '{% load i18n %}<button title="Delete {{ name }}" aria-label="{% translate \'Delete\' %}">'
        '<i class="ti ti-trash"></i></button>\n'
        '<input type="submit" value="Save">\n'
        '<input type="hidden" name="tab" value="overview">\n'
        '<form data-confirm="Really delete?"></form>\n'
        "<img alt='{{ logo_alt }}' src='/x.png'>\n"
    )
    assert untranslated_text(source, "attrs.html") == [
        Finding("attrs.html", 1, 'title="Delete"'),
        Finding("attrs.html", 2, 'value="Save"'),
        Finding("attrs.html", 4, 'data-confirm="Really delete?"'),
    ]


def test_the_lint_finds_english_hidden_in_filters_and_tags() -> None:
    source = (
        "{{ case.assignee|default:'Nobody' }}\n"
        "{{ n }} customer{{ n|pluralize }}\n"
        "{{ flag|yesno:'Yes,No' }}\n"
        '{% include "core/_card.html" with heading="Recent activity" target="#activity" %}\n'
        "{{ name|default:'—' }} {{ label|default:_('Not assigned') }}\n"
    )
    assert [(f.line, f.text) for f in untranslated_text(source)] == [
        (1, "Nobody"),
        (2, "customer s"),
        (3, "Yes No"),
        (4, "Recent activity"),
    ]


def test_the_lint_accepts_translated_commented_and_script_text() -> None:
    source = (
        "{% load i18n %}{# Shown on the customer page #}\n"
        "{% comment %}\nOld heading: Customers\n{% endcomment %}\n"
        "<h1 title=\"{% translate 'Customers' %}\">{% translate 'Customers' %} &middot; 2026</h1>\n"
        "{% blocktranslate count n=rows %}{{ n }} row{% plural %}{{ n }} rows"
        "{% endblocktranslate %}\n"
        "<script>const label = 'not prose for the lint';</script>"
        "<style>.x::after{content:'x'}</style>\n"
        "<!doctype html><!-- a note for developers -->\n"
        "<span>Webex Calling · Partner Hub · CSV</span> {{ value|date:'Y-m-d' }}\n"
    )
    assert untranslated_text(source) == []


def test_plain_text_templates_are_checked_line_by_line() -> None:
    source = "{% load i18n %}{% translate 'Hello' %}\nReply to this e-mail: {{ url }}\n"
    assert untranslated_text(source, "mail.txt", markup=False) == [
        Finding("mail.txt", 2, "Reply to this e-mail:")
    ]


# --- the catalog ---------------------------------------------------------------------------------


@dataclass
class Entry:
    """One message of a .po file."""

    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)


def _po_string(token: str) -> str:
    body = token.strip()[1:-1]
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), body)


def parse_po(text: str) -> list[Entry]:
    """The entries of a .po file (header excluded), with their flags and obsolete marks."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int] | None = None
    started = False

    def finish() -> None:
        nonlocal current, started, target
        if started:
            entries.append(current)
        current, started, target = Entry(), False, None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            finish()
            continue
        if line.startswith("#,"):
            if started and target and target[0] == "msgstr":
                finish()
            current.flags |= {f.strip() for f in line[2:].split(",")}
            continue
        if line.startswith("#"):
            if started and target and target[0] == "msgstr":
                finish()
            continue
        keyword = re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")$", line)
        if keyword:
            name, index, value = keyword.group(1), keyword.group(2), _po_string(keyword.group(3))
            if name in {"msgctxt", "msgid"} and started and target and target[0] == "msgstr":
                finish()
            if not started:
                current.line, current.obsolete, started = number, obsolete, True
            if name.startswith("msgstr"):
                target = ("msgstr", int(index or 0))
                current.msgstr[target[1]] = value
            else:
                target = (name, 0)
                setattr(current, name, value)
            continue
        if line.startswith('"') and target:
            value = _po_string(line)
            if target[0] == "msgstr":
                current.msgstr[target[1]] += value
            else:
                setattr(current, target[0], (getattr(current, target[0]) or "") + value)
            continue
        raise AssertionError(f"line {number} of the catalog is not .po syntax: {raw!r}")
    finish()
    return [e for e in entries if not (e.msgid == "" and e.msgctxt is None)]


PRINTF = re.compile(r"%(?:\((?P<name>\w+)\))?[-#0 +]*\d*(?:\.\d+)?(?P<kind>[sdifeEgGxXocr%])")
BRACE = re.compile(r"(?<!{){(\w*)(?:[!:][^{}]*)?}(?!})")


def placeholders(text: str, *, braces: bool) -> tuple[Counter[str], frozenset[str]]:
    """Positional placeholders (a count of each kind) and named ones of a message."""
    positional: Counter[str] = Counter()
    named: set[str] = set()
    for m in PRINTF.finditer(text):
        if m.group("kind") == "%":
            continue
        if m.group("name"):
            named.add(f"%({m.group('name')}){m.group('kind')}")
        else:
            positional[m.group("kind")] += 1
    if braces:
        named |= {"{" + name + "}" for name in BRACE.findall(text)}
    return positional, frozenset(named)


def placeholder_problems(entry: Entry) -> list[str]:
    """How an entry's translations lose or invent placeholders of its msgid."""
    braces = "python-brace-format" in entry.flags
    problems = []
    for index, translated in sorted(entry.msgstr.items()):
        if not translated:
            continue  # reported as untranslated
        source = entry.msgid if index == 0 or entry.msgid_plural is None else entry.msgid_plural
        if placeholders(translated, braces=braces) != placeholders(source, braces=braces):
            problems.append(f"line {entry.line}: msgstr[{index}] {translated!r} for {source!r}")
    return problems


def catalog_problems(text: str) -> list[str]:
    """Fuzzy, untranslated and obsolete entries, and lost placeholders, of one catalog."""
    problems = []
    for entry in parse_po(text):
        where = f"line {entry.line} ({entry.msgid[:60]!r})"
        if entry.obsolete:
            problems.append(f"{where}: obsolete")
            continue
        if "fuzzy" in entry.flags:
            problems.append(f"{where}: fuzzy")
        if not entry.msgstr or any(not s for s in entry.msgstr.values()):
            problems.append(f"{where}: untranslated")
        elif entry.msgid_plural is not None and len(entry.msgstr) != 3:
            problems.append(f"{where}: {len(entry.msgstr)} plural forms, Polish has 3")
        problems.extend(placeholder_problems(entry))
    return problems


def _catalog_ids(path: Path) -> str:
    return path.stem


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """What `makemessages` extracts from today's sources, into a copy of the package.

    The copy keeps the real catalog untouched while the tests run next to other work.
    """
    root = tmp_path_factory.mktemp("makemessages") / "partnerhub"
    shutil.copytree(
        PACKAGE,
        root,
        ignore=shutil.ignore_patterns("static", "locale", "__pycache__", "node_modules", "*.pyc"),
    )
    (root / "locale").mkdir()
    domains = ["django"] + (["djangojs"] if any(p.stem == "djangojs" for p in CATALOGS) else [])
    for domain in domains:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "django",
                "makemessages",
                "--locale=pl",
                f"--domain={domain}",
                "--ignore=static/*",
                "--no-obsolete",
                "--no-wrap",
                "--settings=partnerhub.config.settings",
            ],
            cwd=root,
            # the copy's own settings: its LOCALE_PATHS is the copy's locale, never the real one
            env={**os.environ, "PYTHONPATH": str(root.parent)},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stderr
    return {p.stem: p for p in (root / "locale" / "pl" / "LC_MESSAGES").glob("*.po")}


def test_there_is_a_polish_catalog() -> None:
    assert LOCALE / "pl" / "LC_MESSAGES" / "django.po" in CATALOGS


@pytest.mark.parametrize("catalog", CATALOGS, ids=_catalog_ids)
def test_msgfmt_accepts_the_catalog_with_nothing_fuzzy_or_untranslated(
    catalog: Path, tmp_path: Path
) -> None:
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(tmp_path / "out.mo"), str(catalog)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    statistics = result.stderr.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ translated messages?\.", statistics), statistics


@pytest.mark.parametrize("catalog", CATALOGS, ids=_catalog_ids)
def test_every_entry_is_translated_and_keeps_its_placeholders(catalog: Path) -> None:
    problems = catalog_problems(catalog.read_text(encoding="utf-8"))
    assert not problems, f"{catalog.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("catalog", CATALOGS, ids=_catalog_ids)
def test_the_catalog_holds_exactly_what_the_sources_ask_for(
    catalog: Path, extracted: dict[str, Path]
) -> None:
    assert catalog.stem in extracted, f"makemessages extracted nothing for {catalog.name}"
    fresh = {e.key for e in parse_po(extracted[catalog.stem].read_text(encoding="utf-8"))}
    ours = {e.key for e in parse_po(catalog.read_text(encoding="utf-8")) if not e.obsolete}
    missing, stale = sorted(fresh - ours, key=str), sorted(ours - fresh, key=str)
    assert not missing and not stale, (
        f"{catalog.name} is out of date; run `make messages` and translate.\n"
        f"missing ({len(missing)}): {missing[:40]}\nstale ({len(stale)}): {stale[:40]}"
    )


def test_the_catalog_checks_catch_fuzzy_untranslated_and_lost_placeholders() -> None:
    po = r"""msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"

#, fuzzy
msgid "Customers"
msgstr "Klienci"

msgid "Trials"
msgstr ""

#, python-format
msgid "Delete %(name)s?"
msgstr "Usunąć %(nazwa)s?"

#, python-format
msgid "%(n)s license"
msgid_plural "%(n)s licenses"
msgstr[0] "%(n)s licencja"
msgstr[1] "%(n)s licencje"

msgid "Status"
msgstr ""
"Stan"

#~ msgid "Old"
#~ msgstr "Stary"
"""
    problems = catalog_problems(po)
    assert [p.split(": ", 1)[1] for p in problems] == [
        "fuzzy",
        "untranslated",
        "msgstr[0] 'Usunąć %(nazwa)s?' for 'Delete %(name)s?'",
        "2 plural forms, Polish has 3",
        "obsolete",
    ]


def test_placeholders_compare_by_name_and_by_count() -> None:
    assert placeholders("%(a)s of %(b)d, 100%%", braces=False) == (
        Counter(),
        frozenset({"%(a)s", "%(b)d"}),
    )
    assert placeholders("%s and %s {x}", braces=False) == (Counter({"s": 2}), frozenset())
    assert placeholders("{x} and {{literal}}", braces=True) == (Counter(), frozenset({"{x}"}))
