"""Polish formats, over Django's (django/conf/locale/pl/formats.py), which already give the long
date "5 grudnia 2026" (DATE_FORMAT "j E Y") and numbers as "1 234,5" (a no-break space groups)."""

# The short date as Poles write it: 05.12.2026 (Django's own is 05-12-2026).
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
DATETIME_FORMAT = "j E Y, H:i"
# The first input format is the one a date field is rendered in: every date field of Partner Hub
# is an <input type="date">, which takes only ISO dates (the browser shows them the Polish way).
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
]
