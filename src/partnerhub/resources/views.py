"""Resources & help: quick links, featured resources, the searchable list, and the guide pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from partnerhub.accounts.policy import Action
from partnerhub.core.choices import Product
from partnerhub.core.paging import paginate
from partnerhub.core.tables import Column
from partnerhub.core.views import is_htmx, partner_view, render_page_or_fragment
from partnerhub.resources.forms import ResourceFilterForm, language_label
from partnerhub.resources.models import (
    GUIDE_PREFIX,
    Resource,
    guide_language,
    guide_languages,
)
from partnerhub.resources.rendering import guide_html
from partnerhub.resources.selectors import (
    corrected_terms,
    guide_page_get,
    guide_page_list,
    resource_featured,
    resource_languages,
    resource_quick_links,
    resource_search,
    search_terms,
)
from partnerhub.resources.services import resource_click_record

COLUMNS = [
    Column("title", _("Title")),
    Column("type", _("Type")),
    Column("products", _("Products"), sortable=False),
    Column("language", _("Language")),
]
PRODUCT_LABELS = dict(Product.choices)


def reader_language() -> str:
    """The guide language of the person reading: the active language (their own choice, else
    their browser's), English where the guide has no such language."""
    return guide_language(get_language())


def _decorate(resources: list[Resource]) -> list[Resource]:
    """Labels for people (products and language) on the resources of one page."""
    for resource in resources:
        resource.product_labels = [PRODUCT_LABELS.get(p, p) for p in resource.products]  # type: ignore[attr-defined]
        resource.language_label = language_label(resource.language)  # type: ignore[attr-defined]
    return resources


@partner_view(Action.VIEW_CUSTOMERS)
def index(request: HttpRequest) -> HttpResponse:
    """Quick links, Featured resources and All resources (search, filters, sorting, pages)."""
    form = ResourceFilterForm(request.GET or None, languages=resource_languages())
    filters = form.filters()
    reader = reader_language()
    results = resource_search(**filters, reader_language=reader)
    sort = request.GET.get("sort", "")
    if sort.lstrip("-") in {c.key for c in COLUMNS if c.sortable}:
        results = results.order_by(sort, "pk")
    else:
        sort = ""
    page = paginate(request, results, per_page=20)
    corrected = None
    if filters.get("q") and page.paginator.count == 0:
        # Nothing found: try the closest known words ("licnese" → "license") and say so.
        better = corrected_terms(search_terms(filters["q"]), filters.get("language") or reader)
        if better:
            corrected = " ".join(better)
            results = resource_search(**{**filters, "q": corrected}, reader_language=reader)
            if sort:
                results = results.order_by(sort, "pk")
            page = paginate(request, results, per_page=20)
    _decorate(page.object_list)  # type: ignore[arg-type]
    context = {
        "form": form,
        "page": page,
        "columns": COLUMNS,
        "sort": sort,
        "searching": bool(filters.get("q")),
        "filtered": any(filters.values()),
        "corrected": corrected if corrected and page.paginator.count else None,
    }
    if not is_htmx(request):
        context["quick_links"] = resource_quick_links(
            partner_id=request.user.partner_id,  # type: ignore[union-attr]
            reader_language=reader,
        )
        context["featured"] = _decorate(list(resource_featured(reader_language=reader)))
    return render_page_or_fragment(
        request, "resources/index.html", "resources/_results.html", context
    )


def _safe_target(url: str) -> bool:
    """Only web links and the app's own pages are followed (never javascript: and the like)."""
    parts = urlsplit(url)
    if parts.scheme in {"http", "https"} and parts.netloc:
        return True
    return not parts.scheme and not parts.netloc and url.startswith("/")


@partner_view(Action.VIEW_CUSTOMERS)
def open_resource(request: HttpRequest, pk: int) -> HttpResponse:
    """Count the click (quick links follow them) and go to the resource."""
    resource = get_object_or_404(Resource, pk=pk)
    if not _safe_target(resource.url):
        raise Http404("No such resource.")
    resource_click_record(user=request.user, resource=resource)  # type: ignore[arg-type]
    target = resource.url
    # An English guide page's address opens the page in the reader's language: a reader of
    # another language who chose the English page (the language filter) is sent to it.
    if (
        resource.ext_id.startswith(GUIDE_PREFIX)
        and "?" not in target
        and resource.language != reader_language()
    ):
        target = f"{target}?language={resource.language}"
    return HttpResponseRedirect(target)


@partner_view(Action.VIEW_CUSTOMERS)
def guide(request: HttpRequest, slug: str) -> HttpResponse:
    """One page of the user guide, rendered from its Markdown, in the reader's language or the
    one `?language=` names; English when the page is not translated into it."""
    asked = request.GET.get("language", "")
    reader = reader_language()
    language = asked if asked in guide_languages() else reader
    page = guide_page_get(slug=slug, language=language)
    if page is None:
        raise Http404("No such guide page.")
    pages = guide_page_list(language=language).values("ext_id", "title", "url")
    context = {
        "resource": page,
        "html": guide_html(page.body, language=page.language),
        "pages": pages,
        # Shown in English because the page has no translation into the language wanted.
        "untranslated": page.language != language,
        # The page's own language when it differs from the rest of the screen's.
        "content_language": page.language if page.language != reader else "",
    }
    return render(request, "resources/guide.html", context)
