"""Reads of Resources & help: ranked search, filters, featured and per-partner quick links,
each in the reader's language (the guide's pages in it, English where one is not translated)."""

from __future__ import annotations

import difflib
import re
import unicodedata

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Concat, Substr

from partnerhub.resources.models import (
    GUIDE_DEFAULT_LANGUAGE,
    GUIDE_PREFIX,
    Resource,
    guide_ext_id,
)

# The text search configuration of the PostgreSQL search (and of its GIN index).
SEARCH_CONFIG = "english"
QUICK_LINKS_LIMIT = 8
_TERM = re.compile(r"\w+", re.UNICODE)
# SQLite scoring: a term in the title outweighs any number of summary or body matches.
_TITLE_SCORE, _SUMMARY_SCORE, _BODY_SCORE = 100, 10, 1


def search_vector() -> Combinable:
    """The weighted document: title A, summary B, body C (the GIN index is built on this)."""
    return (
        SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("summary", weight="B", config=SEARCH_CONFIG)
        + SearchVector("body", weight="C", config=SEARCH_CONFIG)
    )


def search_terms(q: str) -> list[str]:
    """The words of a query (letters and digits only, so nothing can inject query syntax)."""
    return _TERM.findall(q or "")[:12]


# British and American spellings of the same word both find it ("licence" finds "license").
_SPELLING_PAIRS = (
    ("licence", "license"),
    ("licences", "licenses"),
    ("licenced", "licensed"),
    ("cancelled", "canceled"),
    ("cancelling", "canceling"),
    ("catalogue", "catalog"),
    ("enrol", "enroll"),
    ("programme", "program"),
    ("defence", "defense"),
)
_SPELLING_RULES = (
    (re.compile(r"isation"), "ization"),
    (re.compile(r"ization"), "isation"),
    (re.compile(r"is(e|ed|es|ing)$"), r"iz\1"),
    (re.compile(r"iz(e|ed|es|ing)$"), r"is\1"),
    (re.compile(r"our(s?)$"), r"or\1"),
    (re.compile(r"tre(s?)$"), r"ter\1"),
)


# Polish inflects by endings ("wersja", "wersje", "wersję", "wersji"): a Polish word also
# matches by its stem, the word without its ending, as a prefix. Longest endings first.
_POLISH_ENDINGS = (
    "ami", "ach", "ego", "emu", "ymi", "imi", "ych", "ich", "owi",
    "ów", "om", "ej", "y", "a", "e", "ę", "ą", "i", "o", "u",
)  # fmt: skip
_POLISH_STEM_MIN = 3


def polish_stem(word: str) -> str:
    """The word without its Polish inflection ending ("próbną" → "próbn"); short words stay."""
    for ending in _POLISH_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= _POLISH_STEM_MIN:
            return word[: -len(ending)]
    return word


def folded(word: str) -> str:
    """The word lower-cased without diacritics ("Próbną" → "probna", "łączna" → "laczna")."""
    decomposed = unicodedata.normalize("NFKD", word.lower().replace("ł", "l"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def term_variants(term: str, language: str = "") -> list[str]:
    """The term and its other forms, lower-cased, the term first: its other spellings
    (British/American), and in Polish its stem."""
    word = term.lower()
    variants = [word]
    if language == "pl":
        variants.append(polish_stem(word))
    for a, b in _SPELLING_PAIRS:
        for x, y in ((a, b), (b, a)):
            if word.startswith(x):
                variants.append(y + word[len(x) :])
    if len(word) > 4:
        variants.extend(pattern.sub(repl, word) for pattern, repl in _SPELLING_RULES)
    return list(dict.fromkeys(variants))


def resource_language_filter(language: str) -> Q:
    """What a reader of `language` is shown: every resource but the guide's pages in other
    languages, English standing in for a page not translated into `language` yet."""
    not_guide = ~Q(ext_id__startswith=GUIDE_PREFIX)
    if language == GUIDE_DEFAULT_LANGUAGE:
        return not_guide | Q(language=language)
    # The twin of English page `guide-<slug>` is `guide-<language>/<slug>` (one index lookup).
    twin = Resource.objects.filter(
        ext_id=Concat(
            Value(guide_ext_id("", language)),
            Substr(OuterRef("ext_id"), len(GUIDE_PREFIX) + 1),
            output_field=CharField(),
        )
    )
    untranslated = Q(language=GUIDE_DEFAULT_LANGUAGE) & ~Q(Exists(twin))
    return not_guide | Q(language=language) | untranslated


def search_vocabulary() -> set[str]:
    """Every word of the resources' titles and summaries (a few hundred; for typo tolerance)."""
    words: set[str] = set()
    for title, summary in Resource.objects.values_list("title", "summary"):
        words.update(w.lower() for w in _TERM.findall(f"{title} {summary}") if len(w) > 3)
    return words


def corrected_terms(terms: list[str], language: str = "") -> list[str] | None:
    """The query with each unknown word replaced by the closest known one ("licnese" →
    "license", "probna" → "próbna"), or None when nothing would change.

    Words compare without diacritics, so a word typed without Polish letters finds its own.
    """
    vocabulary = search_vocabulary()
    by_folded: dict[str, str] = {}
    for known_word in sorted(vocabulary):
        by_folded.setdefault(folded(known_word), known_word)
    corrected: list[str] = []
    for term in terms:
        word = term.lower()
        known = any(v in vocabulary for v in term_variants(word, language)) or len(word) <= 3
        close = (
            [] if known else difflib.get_close_matches(folded(word), by_folded, n=1, cutoff=0.75)
        )
        corrected.append(by_folded[close[0]] if close else word)
    return corrected if corrected != [t.lower() for t in terms] else None


def _prefix_query(terms: list[str], language: str, operator: str = "&") -> SearchQuery:
    # Each word also matches as a prefix ("subscr" finds "subscriptions"), in any of its
    # forms: (licence:* | license:*), (próbna:* | próbn:*).
    raw = f" {operator} ".join(
        "(" + " | ".join(f"{v}:*" for v in term_variants(term, language)) + ")" for term in terms
    )
    return SearchQuery(raw, search_type="raw", config=SEARCH_CONFIG)


def _rank_postgresql(qs: QuerySet[Resource], terms: list[str], language: str) -> QuerySet[Resource]:
    # Every word must match somewhere; a title holding any of them ranks first.
    query = _prefix_query(terms, language)
    any_word = _prefix_query(terms, language, "|")
    title_vector = SearchVector("title", config=SEARCH_CONFIG)
    return (
        qs.annotate(document=search_vector(), title_document=title_vector)
        .filter(document=query)
        .annotate(
            rank=SearchRank(search_vector(), query),
            title_hit=Case(
                When(Q(title_document=any_word), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .order_by("-title_hit", "-rank", "title", "pk")
    )


def _sqlite_variants(term: str, language: str) -> list[str]:
    # SQLite's LIKE ignores the case of ASCII letters only: "łączna" must also be looked for
    # as "Łączna", the way a title or a sentence starts.
    variants = term_variants(term, language)
    capitalised = [v[0].upper() + v[1:] for v in variants if v and not v[0].isascii()]
    return list(dict.fromkeys(variants + capitalised))


def _rank_sqlite(qs: QuerySet[Resource], terms: list[str], language: str) -> QuerySet[Resource]:
    score: Combinable = Value(0)
    title_hit: Combinable = Value(0)
    for term in terms:
        in_title, in_summary, in_body = Q(), Q(), Q()
        for variant in _sqlite_variants(term, language):
            in_title |= Q(title__icontains=variant)
            in_summary |= Q(summary__icontains=variant)
            in_body |= Q(body__icontains=variant)
        qs = qs.filter(in_title | in_summary | in_body)
        score = (
            score
            + Case(When(in_title, then=Value(_TITLE_SCORE)), default=Value(0))
            + Case(When(in_summary, then=Value(_SUMMARY_SCORE)), default=Value(0))
            + Case(When(in_body, then=Value(_BODY_SCORE)), default=Value(0))
        )
        title_hit = title_hit + Case(When(in_title, then=Value(1)), default=Value(0))
    return (
        qs.annotate(rank=score, title_hits=title_hit)
        .annotate(
            title_hit=Case(
                When(title_hits__gt=0, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("-title_hit", "-rank", "title", "pk")
    )


def resource_search(
    *,
    q: str = "",
    type: str = "",
    product: str = "",
    language: str = "",
    reader_language: str = "",
) -> QuerySet[Resource]:
    """Resources matching the filters; with words, ranked (title matches first), else by title.

    `language` keeps that language's resources only; without it, `reader_language` (the
    person's) shows the guide in their language, as `resource_language_filter` says. Words
    match in the forms of the language searched in (Polish: by stem).
    """
    qs = Resource.objects.all()
    if type:
        qs = qs.filter(type=type)
    if product:
        # The JSON text of the list holds each product quoted: exact, on every database.
        qs = qs.filter(products__icontains=f'"{product}"')
    if language:
        qs = qs.filter(language=language)
    elif reader_language:
        qs = qs.filter(resource_language_filter(reader_language))
    terms = search_terms(q)
    if not terms:
        return qs.order_by("title", "pk")
    words_language = language or reader_language
    if connection.vendor == "postgresql":
        return _rank_postgresql(qs, terms, words_language)
    return _rank_sqlite(qs, terms, words_language)


def resource_featured(*, reader_language: str = "") -> QuerySet[Resource]:
    """The operator's featured resources (the guide's in the reader's language, when given)."""
    qs = Resource.objects.filter(featured=True)
    if reader_language:
        qs = qs.filter(resource_language_filter(reader_language))
    return qs.order_by("title", "pk")


def resource_quick_links(
    *, partner_id: int | None, reader_language: str = "", limit: int = QUICK_LINKS_LIMIT
) -> list[Resource]:
    """What this partner's people open most, then the curated quick links (one query); the
    guide's pages in the reader's language, when given."""
    clicks = Count("clicks", filter=Q(clicks__partner_id=partner_id)) if partner_id else Value(0)
    qs = Resource.objects.all()
    if reader_language:
        qs = qs.filter(resource_language_filter(reader_language))
    return list(
        qs.annotate(partner_clicks=clicks)
        .filter(Q(partner_clicks__gt=0) | Q(quick_link=True))
        .order_by("-partner_clicks", "-quick_link", "title", "pk")[:limit]
    )


def guide_page_get(*, slug: str, language: str) -> Resource | None:
    """Guide page `slug` in `language`, else in English (one query); None when neither exists."""
    wanted = [guide_ext_id(slug, language), guide_ext_id(slug)]
    pages = {r.ext_id: r for r in Resource.objects.filter(ext_id__in=wanted)}
    return next((pages[ext_id] for ext_id in wanted if ext_id in pages), None)


def guide_page_list(*, language: str) -> QuerySet[Resource]:
    """The guide's table of contents in `language` (English for a page not translated yet)."""
    return (
        Resource.objects.filter(ext_id__startswith=GUIDE_PREFIX)
        .filter(resource_language_filter(language))
        .order_by("title", "pk")
    )


def resource_languages() -> list[str]:
    """The languages resources exist in (for the language filter)."""
    return list(
        Resource.objects.exclude(language="")
        .order_by("language")
        .values_list("language", flat=True)
        .distinct()
    )
