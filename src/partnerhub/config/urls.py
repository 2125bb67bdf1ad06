"""Every URL of Partner Hub: the people's pages per app, the API, and the operator's admin."""

import importlib.util

from django.contrib import admin
from django.urls import include, path

from partnerhub.accounts.views import home, operator_login
from partnerhub.api.api import api

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("partnerhub.accounts.urls")),
    path("api/v1/", api.urls),
    # The admin's own sign-in, replaced by the same view with the sign-in throttle (accounts).
    path("operator/login/", operator_login, name="operator_login"),
    path("operator/", admin.site.urls),
]

# Each app's pages, mounted once the app has them.
APP_URLS = [
    ("customers/", "partnerhub.customers.urls"),
    ("tags/", "partnerhub.tags.urls"),
    ("trials/", "partnerhub.trials.urls"),
    ("subscriptions/", "partnerhub.subscriptions.urls"),
    ("org/", "partnerhub.orgs.urls"),
    ("analytics/subscriptions/", "partnerhub.analytics.urls"),
    ("analytics/calling/", "partnerhub.calling.urls"),
    ("resources/", "partnerhub.resources.urls"),
    ("helpdesk/", "partnerhub.helpdesk.urls"),
]
for prefix, module in APP_URLS:
    if importlib.util.find_spec(module) is not None:
        urlpatterns.append(path(prefix, include(module)))

handler404 = "partnerhub.core.errors.not_found"
handler403 = "partnerhub.core.errors.forbidden"
handler500 = "partnerhub.core.errors.server_error"
