"""The API's interactive documentation (`/api/v1/docs`): Swagger UI from the app's own files."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja.openapi.docs import Swagger

if TYPE_CHECKING:
    from ninja import NinjaAPI


class OfflineSwagger(Swagger):
    """Swagger UI from the `swagger-ui-dist` npm package, served like every other front-end file.

    ninja's own page loads Swagger UI from a CDN unless `ninja` is an installed app (and then
    from the copy inside the Python package); this page takes the version locked in
    package-lock.json and starts it without an inline script, so it keeps the app's CSP.
    """

    template = "api/docs.html"
    default_settings = {
        "layout": "BaseLayout",
        "deepLinking": True,
        # Swagger UI would otherwise send the document to an online validator for a badge.
        "validatorUrl": None,
    }

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        """The documentation page; "Try it out" sends the session's CSRF token."""
        swagger_settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        return render(request, self.template, {"api": api, "swagger_settings": swagger_settings})
