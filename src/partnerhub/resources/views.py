"""Resources & help: quick links, featured resources, the searchable list, and the guide pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from partnerhub.accounts.policy import Action
from partnerhub.core.choices import Product
from partnerhub.core.views import (
    Column,
    is_htmx,
    paginate,
    partner_view,
    render_page_or_fragment,
)
from partnerhub.resources.forms import ResourceFilterForm, language_label
from partnerhub.resources.models import Resource
from partnerhub.resources.rendering import guide_html
from partnerhub.resources.selectors import (
    corrected_terms,
    resource_featured,
    resource_languages,
    resource_quick_links,
    resource_search,
    search_terms,
)
from partnerhub.resources.services import GUIDE_PREFIX, resource_click_record

COLUMNS = [
    Column("title", _("Title")),
    Column("type", _("Type")),
    Column("products", _("Products"), sortable=False),
    Column("language", _("Language")),
]
PRODUCT_LABELS = dict(Product.choices)


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
    results = resource_search(**filters)
    sort = request.GET.get("sort", "")
    if sort.lstrip("-") in {c.key for c in COLUMNS if c.sortable}:
        results = results.order_by(sort, "pk")
    else:
        sort = ""
    page = paginate(request, results, per_page=20)
    corrected = None
    if filters.get("q") and page.paginator.count == 0:
        # Nothing found: try the closest known words ("licnese" → "license") and say so.
        better = corrected_terms(search_terms(filters["q"]))
        if better:
            corrected = " ".join(better)
            results = resource_search(**{**filters, "q": corrected})
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
        context["quick_links"] = resource_quick_links(partner_id=request.user.partner_id)  # type: ignore[union-attr]
        context["featured"] = _decorate(list(resource_featured()))
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
    return HttpResponseRedirect(resource.url)


@partner_view(Action.VIEW_CUSTOMERS)
def guide(request: HttpRequest, slug: str) -> HttpResponse:
    """One page of the user guide, rendered from its Markdown."""
    page = get_object_or_404(Resource, ext_id=f"{GUIDE_PREFIX}{slug}")
    pages = (
        Resource.objects.filter(ext_id__startswith=GUIDE_PREFIX)
        .order_by("title")
        .values("ext_id", "title", "url")
    )
    return render(
        request,
        "resources/guide.html",
        {"resource": page, "html": guide_html(page.body), "pages": pages},
    )
