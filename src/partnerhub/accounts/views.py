"""Sign-in (throttled), sign-out, passwords and personal API tokens."""

from __future__ import annotations

from typing import Any, cast

from allauth.account.internal.flows.login import perform_password_login
from allauth.account.models import Login
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from partnerhub.accounts import throttle
from partnerhub.accounts.landing_views import no_role
from partnerhub.accounts.models import TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS, ApiToken
from partnerhub.accounts.policy import Action, can, is_partner_admin
from partnerhub.accounts.services import token_create, token_revoke
from partnerhub.accounts.signals import password_reset
from partnerhub.core import clock
from partnerhub.core.forms import StyledForm, apply_errors, style_fields
from partnerhub.core.language import speaking_to
from partnerhub.core.views import partner_view
from partnerhub.sso.selectors import passwords_barred


class ThrottledSignInMixin:
    """Every sign-in POST goes through the throttle (accounts/throttle.py) before any password is
    checked; a refused one answers 429 with the reason and how long it lasts."""

    attempt: throttle.Attempt

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if passwords_barred(request.POST.get("username", "")):
            # The partner's people of this domain sign in only through its identity provider:
            # no password is checked, and none is counted.
            return self.refused_password()
        self.attempt = throttle.attempt_begin(request, request.POST.get("username", ""))
        if self.attempt.refusal is not None:
            return self.refused(self.attempt.refusal)
        return super().post(request, *args, **kwargs)  # type: ignore[misc]

    def refused(self, refusal: throttle.Refusal) -> HttpResponse:
        view = cast(auth_views.LoginView, self)
        # A refused attempt is a failed sign-in for the sign-in audit (no password was checked).
        user_login_failed.send(
            sender=__name__,
            credentials={"username": view.request.POST.get("username", "")},
            request=view.request,
        )
        response = self._unchecked(refusal.message, 429, refusal=refusal)
        response["Retry-After"] = str(refusal.retry_after)
        return response

    def refused_password(self) -> HttpResponse:
        message = _(
            "Your organization signs you in with single sign-on, not with a password. "
            "Choose “Sign in with single sign-on”."
        )
        return self._unchecked(message, 403, sso_barred=True)

    def _unchecked(self, message: str, status: int, **context: Any) -> HttpResponse:
        """The sign-in page again with `message`, its form unbound: nothing is validated, so no
        password is checked."""
        view = cast(auth_views.LoginView, self)
        form = view.get_form_class()(
            view.request, initial={"username": view.request.POST.get("username", "")}
        )
        form.full_clean()
        form.cleaned_data = {}
        form.add_error(None, message)
        response = view.render_to_response(view.get_context_data(form=form, **context))
        response.status_code = status
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        throttle.attempt_failed(self.request, self.attempt)  # type: ignore[attr-defined]
        return super().form_invalid(form)  # type: ignore[misc]

    def form_valid(self, form: Any) -> HttpResponse:
        """The password is right: allauth's login stages take over (django-allauth 65, its
        password-login flow). A person with an authenticator app or a security key is asked for
        the second step (the twostep app) before they are signed in; others are signed in now."""
        throttle.attempt_succeeded(self.attempt)
        view = cast(auth_views.LoginView, self)
        user = form.get_user()
        login = Login(user=user, redirect_url=view.get_success_url(), email=user.email)
        return perform_password_login(view.request, {"email": user.email}, login)


class LoginView(ThrottledSignInMixin, auth_views.LoginView):
    """E-mail and password, throttled per e-mail, per client address and per both."""

    redirect_authenticated_user = True


class OperatorLoginView(ThrottledSignInMixin, auth_views.LoginView):
    """The operator's /operator/login/ (Django admin's form and page), through the same throttle."""

    authentication_form = AdminAuthenticationForm
    template_name = "admin/login.html"


@never_cache
def operator_login(request: HttpRequest) -> HttpResponseBase:
    """Django admin's own login view (AdminSite.login), with the throttled view inside."""
    site = admin.site
    if request.method == "GET" and site.has_permission(request):
        return redirect("admin:index")
    context = {
        **site.each_context(request),
        "title": _("Log in"),
        "subtitle": None,
        "app_path": request.get_full_path(),
        "username": request.user.get_username(),
    }
    if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
        context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=site.name)
    request.current_app = site.name
    return OperatorLoginView.as_view(extra_context=context)(request)


@require_POST
def unlock_request(request: HttpRequest) -> HttpResponse:
    """'E-mail me a link to unlock' on a refused sign-in; the same answer whoever asks."""
    throttle.unlock_request(request, request.POST.get("username", ""))
    return render(
        request,
        "registration/message.html",
        {
            "title": _("Check your e-mail"),
            "text": _(
                "If an account uses that e-mail and signing in with it is locked, a link to "
                "unlock it is on its way."
            ),
        },
    )


def unlock(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The e-mailed unlock link: a page to confirm (mail scanners only GET), then the lock is
    lifted and this browser may sign in."""
    person = throttle.unlock_link_person(uidb64, token)
    if person is None:
        return render(
            request,
            "registration/message.html",
            {
                "title": _("This link no longer works"),
                "text": _(
                    "It was used already, or the lock it was for has ended. Try signing in; if "
                    "signing in is still refused, ask for a new link on the sign-in page."
                ),
            },
            status=400,
        )
    if request.method == "POST":
        throttle.identity_unlock(request, person.email)
        messages.success(request, _("Signing in is unlocked. Sign in now."))
        return redirect("accounts:login")
    return render(
        request,
        "registration/simple_form.html",
        {
            "title": _("Unlock signing in"),
            "intro": _("Unlock signing in for %(email)s in this browser?")
            % {"email": person.email},
            "submit_label": _("Unlock"),
            "form": forms.Form(),
        },
    )


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


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, whose e-mail is written in the person's language (if they have
    chosen none, in that of the page they asked on)."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        with speaking_to(context.get("user"), fallback=translation.get_language()):
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name,
            )


class StyledPasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
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
        # Whoever can reset the password owns the mailbox: a sign-in lock no longer serves them.
        throttle.identity_unlock(self.request, form.user.email)
        messages.success(self.request, _("Your password was set. Sign in with it now."))
        response = super().form_valid(form)
        password_reset.send(sender=type(self), user=form.user, request=self.request)
        return response


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
    expires_in = forms.IntegerField(
        label=gettext_lazy("Expires in (days)"),
        min_value=1,
        max_value=TOKEN_MAX_DAYS,
        initial=TOKEN_DEFAULT_DAYS,
        required=False,
        help_text=gettext_lazy("From 1 to 365 days; 90 unless you choose otherwise."),
    )
    read_only = forms.BooleanField(
        label=gettext_lazy("Read-only"),
        required=False,
        help_text=gettext_lazy("It may only read: every change it asks for answers 403."),
    )
    allowed_ips = forms.CharField(
        label=gettext_lazy("Allowed addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "203.0.113.7\n10.0.0.0/8"}),
        help_text=gettext_lazy(
            "One IP address or network per line (e.g. 203.0.113.7 or 10.0.0.0/8); "
            "empty: any address."
        ),
    )


@login_required
@partner_view(Action.USE_API)
def tokens(request: HttpRequest) -> HttpResponse:
    """List, create and revoke the person's own API tokens; a new token is shown once."""
    new_raw = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _token, new_raw = token_create(
                user=request.user,  # type: ignore[arg-type]
                name=data["name"],
                expires_in=data["expires_in"],
                read_only=data["read_only"],
                allowed_ips=data["allowed_ips"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            form = TokenForm()
    rows = ApiToken.objects.filter(user_id=cast(int, request.user.pk)).order_by("-created_at")
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "tokens": rows, "new_raw": new_raw, "now": clock.now()},
    )


@require_POST
@partner_view(Action.USE_API)
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token_revoke(user=request.user, token_id=token_id)  # type: ignore[arg-type]
    messages.success(request, _("The token was revoked."))
    return redirect("accounts:tokens")


def home(request: HttpRequest) -> HttpResponse:
    """The landing page after sign-in is the customer list; a person of a partner without an
    administrator role lands on a page that says what they can do and who can give them one."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    if can(request.user, Action.WORK_ALL_CASES):
        return redirect("helpdesk:queue")
    if request.user.partner_id and not is_partner_admin(request.user):  # type: ignore[union-attr]
        return no_role(request)
    return redirect("customers:list")
