"""Reads of Resources & help: ranked search, filters, featured and per-partner quick links."""

from __future__ import annotations

import difflib
import re

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.db import connection
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import Combinable

from partnerhub.resources.models import Resource

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


def term_variants(term: str) -> list[str]:
    """The term and its other spellings (British/American), lower-cased, the term first."""
    word = term.lower()
    variants = [word]
    for a, b in _SPELLING_PAIRS:
        for x, y in ((a, b), (b, a)):
            if word.startswith(x):
                variants.append(y + word[len(x) :])
    if len(word) > 4:
        variants.extend(pattern.sub(repl, word) for pattern, repl in _SPELLING_RULES)
    return list(dict.fromkeys(variants))


def search_vocabulary() -> set[str]:
    """Every word of the resources' titles and summaries (a few hundred; for typo tolerance)."""
    words: set[str] = set()
    for title, summary in Resource.objects.values_list("title", "summary"):
        words.update(w.lower() for w in _TERM.findall(f"{title} {summary}") if len(w) > 3)
    return words


def corrected_terms(terms: list[str]) -> list[str] | None:
    """The query with each unknown word replaced by the closest known one ("licnese" →
    "license"), or None when nothing would change."""
    vocabulary = search_vocabulary()
    corrected: list[str] = []
    for term in terms:
        word = term.lower()
        known = any(v in vocabulary for v in term_variants(word)) or len(word) <= 3
        close = [] if known else difflib.get_close_matches(word, vocabulary, n=1, cutoff=0.75)
        corrected.append(close[0] if close else word)
    return corrected if corrected != [t.lower() for t in terms] else None


def _prefix_query(terms: list[str], operator: str = "&") -> SearchQuery:
    # Each word also matches as a prefix ("subscr" finds "subscriptions"), in any of its
    # spellings: (licence:* | license:*).
    raw = f" {operator} ".join(
        "(" + " | ".join(f"{v}:*" for v in term_variants(term)) + ")" for term in terms
    )
    return SearchQuery(raw, search_type="raw", config=SEARCH_CONFIG)


def _rank_postgresql(qs: QuerySet[Resource], terms: list[str]) -> QuerySet[Resource]:
    # Every word must match somewhere; a title holding any of them ranks first.
    query = _prefix_query(terms)
    any_word = _prefix_query(terms, "|")
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


def _rank_sqlite(qs: QuerySet[Resource], terms: list[str]) -> QuerySet[Resource]:
    score: Combinable = Value(0)
    title_hit: Combinable = Value(0)
    for term in terms:
        in_title, in_summary, in_body = Q(), Q(), Q()
        for variant in term_variants(term):
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
) -> QuerySet[Resource]:
    """Resources matching the filters; with words, ranked (title matches first), else by title."""
    qs = Resource.objects.all()
    if type:
        qs = qs.filter(type=type)
    if product:
        # The JSON text of the list holds each product quoted: exact, on every database.
        qs = qs.filter(products__icontains=f'"{product}"')
    if language:
        qs = qs.filter(language=language)
    terms = search_terms(q)
    if not terms:
        return qs.order_by("title", "pk")
    if connection.vendor == "postgresql":
        return _rank_postgresql(qs, terms)
    return _rank_sqlite(qs, terms)


def resource_featured() -> QuerySet[Resource]:
    """The operator's featured resources."""
    return Resource.objects.filter(featured=True).order_by("title", "pk")


def resource_quick_links(
    *, partner_id: int | None, limit: int = QUICK_LINKS_LIMIT
) -> list[Resource]:
    """What this partner's people open most, then the curated quick links (one query)."""
    clicks = Count("clicks", filter=Q(clicks__partner_id=partner_id)) if partner_id else Value(0)
    return list(
        Resource.objects.annotate(partner_clicks=clicks)
        .filter(Q(partner_clicks__gt=0) | Q(quick_link=True))
        .order_by("-partner_clicks", "-quick_link", "title", "pk")[:limit]
    )


def resource_languages() -> list[str]:
    """The languages resources exist in (for the language filter)."""
    return list(
        Resource.objects.exclude(language="")
        .order_by("language")
        .values_list("language", flat=True)
        .distinct()
    )
