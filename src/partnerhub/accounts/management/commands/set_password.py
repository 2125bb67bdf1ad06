"""`partnerhub set_password EMAIL`: set a person's password, read from standard input."""

from __future__ import annotations

import sys
from typing import Any, cast

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnerhub.accounts.models import User
from partnerhub.accounts.services import user_set_password
from partnerhub.core.language import LocalizedCommand


class Command(LocalizedCommand):
    help = cast(
        str, gettext_lazy("Set a person's sign-in password, read from standard input (first line).")
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip().lower()
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(
                _("email: no person with the e-mail %(email)s") % {"email": repr(email)}
            )
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CommandError(_("password: nothing was read from standard input"))
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError(
                _("password: %(reasons)s") % {"reasons": " ".join(exc.messages)}
            ) from exc
        user_set_password(user=user, password=password)
        self.stdout.write(_("Password set for %(email)s.") % {"email": user.email})
