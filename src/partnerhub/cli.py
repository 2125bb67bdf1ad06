"""`partnerhub`: every Django management command, as manage.py runs it (docs/reference/api.md),
in the terminal's language (LANGUAGE, LC_ALL, LC_MESSAGES, LANG: pl_PL.UTF-8 is Polish)."""

from __future__ import annotations

import os
import sys

import django
from django.core.management import execute_from_command_line
from django.utils import translation

from partnerhub.core.language import terminal_language


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerhub.config.settings")
    django.setup()
    translation.activate(terminal_language(dict(os.environ)))

    execute_from_command_line(["partnerhub", *sys.argv[1:]])


if __name__ == "__main__":
    main()
