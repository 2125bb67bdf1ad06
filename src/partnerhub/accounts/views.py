"""Sign-in (throttled), sign-out, passwords and personal API tokens."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from partnerhub.accounts.models import ApiToken
from partnerhub.accounts.policy import Action
from partnerhub.accounts.services import token_create, token_revoke
from partnerhub.core.forms import StyledForm, style_fields
from partnerhub.core.views import partner_view


def _throttle_key(request: HttpRequest) -> str:
    email = (request.POST.get("username") or "").strip().lower()
    return f"login-failures:{email}"


class LoginView(auth_views.LoginView):
    """E-mail and password; after LOGIN_MAX_FAILURES failures the e-mail is locked for a while."""

    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if cache.get(_throttle_key(request), 0) >= settings.LOGIN_MAX_FAILURES:
            form = self.get_form()
            form.errors.clear()
            form.add_error(
                None,
                _("Too many failed sign-ins for this e-mail. Try again in %(minutes)d minutes.")
                % {"minutes": settings.LOGIN_LOCKOUT_SECONDS // 60},
            )
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = 429
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        key = _throttle_key(self.request)
        cache.add(key, 0, settings.LOGIN_LOCKOUT_SECONDS)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, settings.LOGIN_LOCKOUT_SECONDS)
        return super().form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        cache.delete(_throttle_key(self.request))
        return super().form_valid(form)


class StyledPasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/simple_form.html"
    success_url = reverse_lazy("home")
    extra_context = {
        "title": gettext_lazy("Change password"),
        "submit_label": gettext_lazy("Change password"),
    }

    def get_form(self, form_class: Any = None) -> Any:
        form = super().get_form(form_class)
        style_fields(form)
        return form

    def form_valid(self, form: Any) -> HttpResponse:
        messages.success(self.request, _("Your password was changed."))
        return super().form_valid(form)


class StyledPasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/simple_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")
    email_template_name = "registration/reset_email.txt"
    subject_template_name = "registration/reset_subject.txt"
    extra_context = {
        "title": gettext_lazy("Reset your password"),
        "intro": gettext_lazy("We will e-mail you a link to choose a new password."),
        "submit_label": gettext_lazy("Send the link"),
    }

    def get_form(self, form_class: Any = None) -> Any:
        form = super().get_form(form_class)
        style_fields(form)
        return form


class StyledPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/simple_form.html"
    success_url = reverse_lazy("accounts:login")
    extra_context = {
        "title": gettext_lazy("Choose a new password"),
        "submit_label": gettext_lazy("Set password"),
    }

    def get_form(self, form_class: Any = None) -> Any:
        form = super().get_form(form_class)
        style_fields(form)
        return form

    def form_valid(self, form: Any) -> HttpResponse:
        messages.success(self.request, _("Your password was set. Sign in with it now."))
        return super().form_valid(form)


def password_reset_done(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "registration/message.html",
        {
            "title": _("Check your e-mail"),
            "text": _(
                "If an account uses that e-mail, a link to set a new password is on its way."
            ),
        },
    )


class TokenForm(StyledForm):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        required=True,
        help_text=gettext_lazy("What the token is for, e.g. “CRM sync”."),
    )


@login_required
@partner_view(Action.USE_API)
def tokens(request: HttpRequest) -> HttpResponse:
    """List, create and revoke the person's own API tokens; a new token is shown once."""
    new_raw = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _token, new_raw = token_create(user=request.user, name=form.cleaned_data["name"])  # type: ignore[arg-type]
        form = TokenForm()
    rows = ApiToken.objects.filter(user_id=cast(int, request.user.pk)).order_by("-created_at")
    return render(
        request, "accounts/tokens.html", {"form": form, "tokens": rows, "new_raw": new_raw}
    )


@require_POST
@partner_view(Action.USE_API)
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token_revoke(user=request.user, token_id=token_id)  # type: ignore[arg-type]
    messages.success(request, _("The token was revoked."))
    return redirect("accounts:tokens")


def home(request: HttpRequest) -> HttpResponse:
    """The landing page after sign-in is the customer list."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    if getattr(request.user, "is_helpdesk", False) and not request.user.partner_id:  # type: ignore[union-attr]
        return redirect("helpdesk:queue")
    return redirect("customers:list")
