"""`partnerhub token create EMAIL [--name NAME]`: print a new API token (shown once)."""

from __future__ import annotations

from typing import Any, cast

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnerhub.accounts.models import User
from partnerhub.accounts.services import token_create
from partnerhub.core.language import LocalizedCommand


class Command(LocalizedCommand):
    help = cast(
        str,
        gettext_lazy(
            "Create an API token for a partner person and print it (it is stored hashed)."
        ),
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help=cast(str, gettext_lazy("create a token")))
        create.add_argument("email")
        create.add_argument("--name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip().lower()
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(
                _("email: no person with the e-mail %(email)s") % {"email": repr(email)}
            )
        if not user.is_active:
            raise CommandError(_("email: %(email)s is deactivated") % {"email": repr(email)})
        _token, raw = token_create(user=user, name=options["name"] or "cli")
        self.stdout.write(raw)
