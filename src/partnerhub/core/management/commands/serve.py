"""`partnerhub serve [--port P]`: the production server (gunicorn) on the configured database."""

from __future__ import annotations

import os
import sys
from typing import Any, cast

from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnerhub.core.gunicorn_worker import ThreadWorker
from partnerhub.core.language import LocalizedCommand
from partnerhub.core.scheduler import start_scheduler
from partnerhub.webhooks import worker as webhooks_worker


class Command(LocalizedCommand):
    help = cast(str, gettext_lazy("Run Partner Hub under gunicorn."))

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2"))
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("WEB_THREADS", "8")),
            help=cast(str, gettext_lazy("threads per worker: requests each worker serves at once")),
        )
        parser.add_argument(
            "--read-timeout",
            type=float,
            default=float(os.environ.get("WEB_READ_TIMEOUT", "10")),
            help=cast(
                str,
                gettext_lazy(
                    "seconds a request's head and body may take to arrive, plus 1 s per "
                    "--read-min-rate bytes received"
                ),
            ),
        )
        parser.add_argument(
            "--read-min-rate",
            type=float,
            default=float(os.environ.get("WEB_READ_MIN_RATE", "500")),
            help=cast(
                str,
                gettext_lazy("bytes per second a slow request must keep up after --read-timeout"),
            ),
        )
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help=cast(str, gettext_lazy("do not run the weekly refresh in-process")),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["read_timeout"] <= 0 or options["read_min_rate"] <= 0:
            raise CommandError(_("--read-timeout and --read-min-rate must be greater than 0"))
        call_command("migrate", interactive=False, verbosity=0)
        # gunicorn forks its workers from this process: a connection opened here would be
        # shared by all of them and corrupt the protocol stream. Each worker opens its own.
        from django.db import connections

        connections.close_all()
        if not options["no_scheduler"]:
            start_scheduler()
            # Webhook retries fall due without a commit to wake anyone: this node sweeps them
            # (the other nodes' processes start their delivery thread when events commit).
            webhooks_worker.start()
        # Threads, not one request per process: a slow client then holds one thread, not a
        # whole worker, and the worker cuts requests that arrive too slowly (gunicorn_worker).
        ThreadWorker.read_timeout = options["read_timeout"]
        ThreadWorker.read_min_rate = options["read_min_rate"]
        argv = [
            "gunicorn",
            "partnerhub.config.wsgi:application",
            "--bind",
            f"{options['host']}:{options['port']}",
            "--workers",
            str(options["workers"]),
            "--worker-class",
            "partnerhub.core.gunicorn_worker.ThreadWorker",
            "--threads",
            str(options["threads"]),
            # Longer than the idle time of the proxy's kept-alive upstream connections (4 s in
            # deploy/nginx/partnerhub.conf), so the proxy never reuses one gunicorn just closed.
            "--keep-alive",
            "5",
            "--access-logfile",
            "-",
            "--timeout",
            "120",
        ]
        from gunicorn.app.wsgiapp import run

        sys.argv = argv
        run()
