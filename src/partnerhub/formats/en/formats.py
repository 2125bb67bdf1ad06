"""English formats, over Django's (django/conf/locale/en/formats.py)."""

# The long date without the abbreviated month's full stop: "December 5, 2026".
DATE_FORMAT = "F j, Y"
DATETIME_FORMAT = "F j, Y, H:i"
SHORT_DATETIME_FORMAT = "m/d/Y H:i"
