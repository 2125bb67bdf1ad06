"""`partnerhub load FILE [FILE…]`: load dataset files (docs/reference/dataset.md), all or none."""

from __future__ import annotations

import os
import sys
from typing import Any, cast

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from partnerhub.core.language import LocalizedCommand
from partnerhub.ingest.errors import LoadError, SourceError
from partnerhub.ingest.progress import Progress
from partnerhub.ingest.reader import file_source
from partnerhub.ingest.services import dataset_load


class Command(LocalizedCommand):
    help = cast(
        str,
        gettext_lazy(
            "Load dataset files in the JSON Lines format (.jsonl or .jsonl.gz; - for standard "
            "input). One transaction: any bad line refuses the whole load and every bad line is "
            "named."
        ),
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--no-progress",
            action="store_true",
            help=cast(str, gettext_lazy("no progress bar even on a terminal")),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        paths: list[str] = options["files"]
        for path in paths:
            if path != "-" and not os.path.isfile(path):
                raise CommandError(_("%(path)s: no such file") % {"path": path})
        sources = [file_source(p) for p in paths]
        progress = None
        if not options["no_progress"] and sys.stderr.isatty():
            progress = Progress(sys.stderr, sum(s.size or 0 for s in sources))
        try:
            result = dataset_load(sources=sources, progress=progress)
        except SourceError as exc:
            if progress is not None:
                progress.close()
            raise CommandError(_("%(reason)s (nothing was written)") % {"reason": exc}) from None
        except LoadError as exc:
            if progress is not None:
                progress.close()
            for error in exc.errors:
                self.stderr.write(str(error))
            if exc.not_shown:
                self.stderr.write(exc.more_note())
            raise CommandError(exc.summary()) from None
        if progress is not None:
            progress.close()
        counts = ", ".join(f"{kind} {n:,}" for kind, n in result.counts.items())
        # the kinds are the dataset's own names (docs/reference/dataset.md), as in the files
        self.stdout.write(
            ngettext(
                "Loaded %(n)s line in %(seconds)s s (%(rate)s lines/s): %(counts)s",
                "Loaded %(n)s lines in %(seconds)s s (%(rate)s lines/s): %(counts)s",
                result.lines,
            )
            % {
                "n": f"{result.lines:,}",
                "seconds": f"{result.seconds:.1f}",
                "rate": f"{result.lines_per_second:,.0f}",
                "counts": counts or _("nothing"),
            }
        )
        if options["verbosity"] > 1:
            phases = ", ".join(f"{name} {s:.1f} s" for name, s in result.phases.items())
            self.stdout.write(_("Time of the loading thread: %(phases)s") % {"phases": phases})
            if result.bulk_tables:
                self.stdout.write(
                    _("Rebuilt after the load: %(tables)s")
                    % {"tables": ", ".join(result.bulk_tables)}
                )
