"""English formats, over Django's (django/conf/locale/en/formats.py)."""

# The long date without the abbreviated month's full stop: "December 5, 2026".
DATE_FORMAT = "F j, Y"
DATETIME_FORMAT = "F j, Y, H:i"
# The short date of tables and terms: ISO (2026-12-05), unambiguous for readers on both sides of
# the Atlantic and the form of the dataset and the API.
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
