"""`partnerhub`: every Django management command, as manage.py runs it (docs/reference/api.md)."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerhub.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["partnerhub", *sys.argv[1:]])


if __name__ == "__main__":
    main()
