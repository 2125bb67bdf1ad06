"""The API documentation (/api/v1/docs) works offline: Swagger UI comes from the app itself."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.staticfiles import finders

from partnerhub.core.middleware import CSP
from tests.conftest import sign_in

DOCS = "/api/v1/docs"


class AssetParser(HTMLParser):
    """Collects the URLs a page loads (scripts, stylesheets, icons, images) and inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_script_types: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "script":
            if attr.get("src"):
                self.urls.append(attr["src"] or "")
            else:
                self.inline_script_types.append(attr.get("type") or "text/javascript")
        elif tag == "link" and attr.get("href"):
            self.urls.append(attr["href"] or "")
        elif tag in {"img", "iframe", "source"} and attr.get("src"):
            self.urls.append(attr["src"] or "")


def page_assets(html: str) -> AssetParser:
    parser = AssetParser()
    parser.feed(html)
    return parser


@pytest.mark.django_db
def test_the_docs_page_loads_every_script_and_stylesheet_from_the_apps_static_files(
    client, full_admin
):
    # given a signed-in person; when they open the API documentation
    client.force_login(full_admin)
    response = client.get(DOCS)
    html = response.content.decode()
    assets = page_assets(html)
    # then Swagger UI's script and stylesheet are among the page's assets
    assert response.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in assets.urls
    assert "/static/vendor/swagger-ui/swagger-ui.css" in assets.urls
    # and every asset is a local /static/ path that the app itself answers (WhiteNoise)
    for url in assets.urls:
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), url
        assert client.get(url).status_code == 200, url
    # and no address of another host appears anywhere in the page
    assert "://" not in html and "cdn" not in html.lower()


@pytest.mark.django_db
def test_the_docs_page_has_no_inline_script_so_the_apps_csp_can_cover_it(client):
    html = client.get(DOCS).content.decode()
    # only the JSON settings block, which a browser does not execute
    assert page_assets(html).inline_script_types == ["application/json"]
    assert '"validatorUrl": null' in html  # no badge fetched from an online validator


@pytest.mark.django_db
def test_the_api_tokens_page_and_the_user_menu_link_to_the_api_docs(client, full_admin):
    client.force_login(full_admin)
    tokens = client.get("/accounts/tokens/").content.decode()
    home = client.get("/", follow=True).content.decode()
    # the tokens page: in its text and in the user menu
    assert tokens.count(f'href="{DOCS}"') == 2
    assert "API documentation" in tokens
    # any other page: in the user menu
    assert f'href="{DOCS}"' in home


@pytest.mark.browser
def test_journey_the_api_docs_render_with_every_other_host_unreachable(
    page, transactional_db, full_admin
):
    # given a network where only the app answers, and the app's own CSP on the docs page too
    local = page.base
    blocked: list[str] = []
    csp_violations: list[str] = []

    def only_local(route: Any) -> None:
        if route.request.url.startswith(local):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    def docs_with_csp(route: Any) -> None:
        answer = route.fetch()
        route.fulfill(response=answer, headers={**answer.headers, "content-security-policy": CSP})

    page.route("**/*", only_local)
    page.route(f"{local}{DOCS}", docs_with_csp)
    page.on(
        "console",
        lambda msg: (
            csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None
        ),
    )
    sign_in(page, full_admin)
    # when the person opens the API documentation from the user menu
    page.get_by_label("Open user menu").click()
    page.get_by_role("link", name="API documentation").click()
    page.wait_for_url(f"**{DOCS}")
    # then Swagger UI lists the operations, e.g. GET /api/v1/customers
    operation = page.locator('.opblock-get .opblock-summary-path[data-path="/api/v1/customers"]')
    operation.wait_for(state="visible")
    assert page.locator(".opblock-get").count() > 10
    # and "Try it out" on GET /api/v1/me answers as the signed-in person (session auth)
    page.locator('.opblock-summary-path[data-path="/api/v1/me"]').click()
    me = page.locator(".opblock", has=page.locator('[data-path="/api/v1/me"]'))
    me.get_by_role("button", name="Try it out").click()
    me.get_by_role("button", name="Execute").click()
    me.locator(".live-responses-table .response-col_status").first.wait_for(state="visible")
    assert full_admin.email in me.locator(".live-responses-table").inner_text()
    # and nothing was fetched from anywhere else, and the CSP refused nothing
    assert blocked == []
    assert csp_violations == []
