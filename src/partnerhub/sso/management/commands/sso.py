"""`partnerhub sso set PARTNER --issuer URL --client-id ID --client-secret SECRET --domain DOMAIN
[--bar-passwords]` and `partnerhub sso remove PARTNER`: the operator sets up (or removes) a
partner's single sign-on."""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnerhub.accounts.models import Partner
from partnerhub.core.language import LocalizedCommand
from partnerhub.sso.services import sso_remove, sso_set

# The service's field names as the options that carry them.
OPTION_OF_FIELD = {
    "issuer": "--issuer",
    "client_id": "--client-id",
    "client_secret": "--client-secret",
    "domain": "--domain",
}


class Command(LocalizedCommand):
    option_of_field = OPTION_OF_FIELD
    help = cast(
        str,
        gettext_lazy(
            "Set up or remove a partner's single sign-on (its OpenID Connect identity provider)."
        ),
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        set_ = sub.add_parser(
            "set", help=cast(str, gettext_lazy("set up or change a partner's single sign-on"))
        )
        set_.add_argument("partner", help=cast(str, gettext_lazy("the partner's id")))
        set_.add_argument(
            "--issuer",
            required=True,
            metavar="URL",
            help=cast(str, gettext_lazy("the identity provider's issuer URL")),
        )
        set_.add_argument("--client-id", required=True, metavar="ID")
        set_.add_argument(
            "--client-secret",
            default="",
            metavar="SECRET",
            help=cast(str, gettext_lazy("required the first time; left out: the secret set stays")),
        )
        set_.add_argument(
            "--domain",
            required=True,
            metavar="DOMAIN",
            help=cast(str, gettext_lazy("people whose e-mail is in it sign in through it")),
        )
        set_.add_argument(
            "--bar-passwords",
            action="store_true",
            help=cast(
                str, gettext_lazy("people of the domain may no longer sign in with a password")
            ),
        )
        remove = sub.add_parser(
            "remove", help=cast(str, gettext_lazy("remove a partner's single sign-on"))
        )
        remove.add_argument("partner", help=cast(str, gettext_lazy("the partner's id")))

    def handle(self, *args: Any, **options: Any) -> None:
        ext_id = str(options["partner"]).strip()
        partner = Partner.objects.filter(ext_id=ext_id).first()
        if partner is None:
            raise CommandError(_("partner: no partner with the id %(id)s") % {"id": repr(ext_id)})
        if options["action"] == "remove":
            if sso_remove(None, partner):
                self.stdout.write(
                    _("Single sign-on of %(partner)s was removed.") % {"partner": partner.name}
                )
            else:
                self.stdout.write(
                    _("%(partner)s has no single sign-on.") % {"partner": partner.name}
                )
            return
        try:
            sso = sso_set(
                None,
                partner,
                issuer=options["issuer"],
                client_id=options["client_id"],
                client_secret=options["client_secret"],
                domain=options["domain"],
                passwords_barred=options["bar_passwords"],
            )
        except ValidationError as exc:
            raise self.option_errors(exc) from None
        self.stdout.write(
            _("Single sign-on of %(partner)s: people of %(domain)s sign in through %(issuer)s.")
            % {"partner": partner.name, "domain": sso.domain, "issuer": sso.issuer}
        )
