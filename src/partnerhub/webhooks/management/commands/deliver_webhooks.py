"""`partnerhub deliver_webhooks`: deliver every due webhook delivery, then exit (cron, tests)."""

from __future__ import annotations

from typing import Any, cast

from django.utils.translation import gettext_lazy, ngettext

from partnerhub.core.language import LocalizedCommand
from partnerhub.webhooks.delivery import deliver_due


class Command(LocalizedCommand):
    help = cast(
        str,
        gettext_lazy(
            "Deliver every webhook delivery that is due now (new events and retries), then exit."
        ),
    )

    def handle(self, *args: Any, **options: Any) -> None:
        attempts = deliver_due()
        self.stdout.write(
            ngettext(
                "Made %(n)s webhook delivery attempt.",
                "Made %(n)s webhook delivery attempts.",
                attempts,
            )
            % {"n": attempts}
        )
