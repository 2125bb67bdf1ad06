"""Every URL of Partner Hub: the people's pages per app, the API, and the operator's admin."""

from allauth.account import views as allauth_views
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from partnerhub.accounts.views import LoginView, home, operator_login
from partnerhub.api.api import api
from partnerhub.sso import views as sso_views

# Every app's pages, mounted by name: a module renamed or removed fails at start-up.
urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("partnerhub.accounts.urls")),
    path("customers/", include("partnerhub.customers.urls")),
    path("tags/", include("partnerhub.tags.urls")),
    path("trials/", include("partnerhub.trials.urls")),
    path("subscriptions/", include("partnerhub.subscriptions.urls")),
    path("org/", include("partnerhub.orgs.urls")),
    path("analytics/subscriptions/", include("partnerhub.analytics.urls")),
    path("analytics/calling/", include("partnerhub.calling.urls")),
    path("resources/", include("partnerhub.resources.urls")),
    path("helpdesk/", include("partnerhub.helpdesk.urls")),
    path("alerts/", include("partnerhub.alerts.urls")),
    path("integrations/", include("partnerhub.webhooks.urls")),
    path("security/", include("partnerhub.signins.urls")),
    path("security/", include("partnerhub.twostep.urls")),
    # django-allauth's two-step pages (set-up, recovery codes, security keys, the second step of
    # signing in) and its password confirmation before a change; nothing else of allauth is
    # mounted: signing in, out and passwords stay Partner Hub's own pages, which allauth finds
    # under the names it knows them by.
    path("security/two-step/", include("allauth.mfa.urls")),
    # Single sign-on: the full administrator's page, the sign-in page's "Sign in with single
    # sign-on", and allauth's OpenID Connect login and callback of each partner's provider
    # (accounts/login/sso/oidc/<provider_id>/login/[callback/]); no other page of allauth's
    # socialaccount is mounted.
    path("security/sso/", include("partnerhub.sso.urls")),
    path("accounts/login/sso/", sso_views.sign_in, name="sso_sign_in"),
    path(
        "accounts/login/sso/",
        include("allauth.socialaccount.providers.openid_connect.urls"),
    ),
    path("security/confirm/", allauth_views.reauthenticate, name="account_reauthenticate"),
    path("accounts/login/", LoginView.as_view(), name="account_login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="account_logout"),
    path("api/v1/", api.urls),
    # The admin's own sign-in, replaced by the same view with the sign-in throttle (accounts).
    path("operator/login/", operator_login, name="operator_login"),
    path("operator/", admin.site.urls),
]

handler404 = "partnerhub.core.errors.not_found"
handler403 = "partnerhub.core.errors.forbidden"
handler500 = "partnerhub.core.errors.server_error"
