"""allauth's second-step form behind Partner Hub's sign-in throttle (MFA_FORMS["authenticate"])."""

from __future__ import annotations

from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm
from allauth.mfa.models import Authenticator
from django.core.exceptions import ValidationError

from partnerhub.accounts import throttle

# How the sign-in audit names a sign-in that took a second step (signins.models.Method): told
# through the request, as the audit's listener reads it (features do not import each other).
SECOND_STEP_METHOD = "second_step"


class ThrottledAuthenticateForm(AuthenticateForm):
    """A code from the authenticator app or a recovery code. Each try counts against the same
    limits as a password (per e-mail and address, per e-mail, per address: accounts/throttle.py),
    on top of allauth's own per-person limit; a refused try checks no code."""

    def clean_code(self) -> str:
        request = context.request
        attempt = throttle.attempt_begin(request, self.user.email)
        if attempt.refusal is not None:
            # Refused without checking the code: still a failed second step in the audit.
            main = Authenticator.objects.filter(user_id=self.user.pk).order_by("type").last()
            if main is not None:
                self._emit_authentication_failed(main)
            raise ValidationError(attempt.refusal.message, code="throttled")
        try:
            code = super().clean_code()
        except ValidationError:
            throttle.attempt_failed(request, attempt)
            raise
        throttle.attempt_succeeded(attempt)
        request.sign_in_method = SECOND_STEP_METHOD  # type: ignore[attr-defined]
        return code
