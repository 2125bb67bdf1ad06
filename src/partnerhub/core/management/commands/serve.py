"""`partnerhub serve [--port P]`: the production server (gunicorn) on the configured database."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run Partner Hub under gunicorn."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2"))
        )
        parser.add_argument(
            "--no-scheduler", action="store_true", help="do not run the weekly refresh in-process"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        # gunicorn forks its workers from this process: a connection opened here would be
        # shared by all of them and corrupt the protocol stream. Each worker opens its own.
        from django.db import connections

        connections.close_all()
        if not options["no_scheduler"]:
            from partnerhub.core.scheduler import start_scheduler

            start_scheduler()
        argv = [
            "gunicorn",
            "partnerhub.config.wsgi:application",
            "--bind",
            f"{options['host']}:{options['port']}",
            "--workers",
            str(options["workers"]),
            "--access-logfile",
            "-",
            "--timeout",
            "120",
        ]
        from gunicorn.app.wsgiapp import run

        sys.argv = argv
        run()
