"""`partnerhub token create EMAIL [--name NAME] [--read-only] [--expires-in DAYS]
[--allow-ip ADDRESS …]`: print a new API token (shown once)."""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnerhub.accounts.models import TOKEN_DEFAULT_DAYS, User
from partnerhub.accounts.services import token_create
from partnerhub.core.language import LocalizedCommand

# The service's field names as the options that carry them.
OPTION_OF_FIELD = {"expires_in": "--expires-in", "allowed_ips": "--allow-ip"}


class Command(LocalizedCommand):
    option_of_field = OPTION_OF_FIELD
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
        create.add_argument(
            "--read-only",
            action="store_true",
            help=cast(str, gettext_lazy("the token may only read: every write answers 403")),
        )
        create.add_argument(
            "--expires-in",
            metavar="DAYS",
            default=str(TOKEN_DEFAULT_DAYS),
            help=cast(str, gettext_lazy("days until the token expires, 1 to 365 (default 90)")),
        )
        create.add_argument(
            "--allow-ip",
            metavar="ADDRESS",
            action="append",
            default=[],
            help=cast(
                str,
                gettext_lazy(
                    "an IP address or network the token may be used from (repeatable; default: any)"
                ),
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip().lower()
        days_text = str(options["expires_in"]).strip()
        try:
            days = int(days_text)
        except ValueError:
            raise CommandError(
                _("--expires-in: expected a whole number of days from 1 to 365, got %(value)s")
                % {"value": repr(days_text)}
            ) from None
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(
                _("email: no person with the e-mail %(email)s") % {"email": repr(email)}
            )
        if not user.is_active:
            raise CommandError(_("email: %(email)s is deactivated") % {"email": repr(email)})
        try:
            _token, raw = token_create(
                user=user,
                name=options["name"] or "cli",
                expires_in=days,
                read_only=options["read_only"],
                allowed_ips=options["allow_ip"],
            )
        except ValidationError as exc:
            raise self.option_errors(exc) from None
        self.stdout.write(raw)
