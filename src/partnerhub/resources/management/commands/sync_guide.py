"""`partnerhub sync_guide`: index the user guide (and the curated links) as resources."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext_lazy

from partnerhub.core.language import LocalizedCommand
from partnerhub.resources.services import resources_load_curated, resources_sync_guide


class Command(LocalizedCommand):
    help = cast(
        str,
        gettext_lazy(
            "Index the Markdown user guide pages and the curated resource links as resources."
        ),
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--guide-dir",
            type=Path,
            help=cast(str, gettext_lazy("Directory of the guide's *.md pages.")),
        )
        parser.add_argument(
            "--no-curated",
            action="store_true",
            help=cast(str, gettext_lazy("Index only the guide, not the curated links.")),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            guide = resources_sync_guide(directory=options["guide_dir"])
            self.stdout.write(
                f"guide: {guide['created']} created, {guide['updated']} updated, "
                f"{guide['removed']} removed"
            )
            if not options["no_curated"]:
                curated = resources_load_curated()
                self.stdout.write(
                    f"curated: {curated['created']} created, {curated['updated']} updated"
                )
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        except OSError as exc:
            raise CommandError(str(exc)) from exc
