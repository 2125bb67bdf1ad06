"""The per-request figures of the subscriptions analytics (a temporary table, not stored data)."""

from __future__ import annotations

from django.db import models

LINE_FIGURES_TABLE = "analytics_line_figures"
USER_WEEKS_TABLE = "analytics_user_weeks"  # per user: the weeks they used the product (bits)
COUNTS_TABLE = "analytics_counts"  # assignments grouped per item and per trend-point mask


class LineFigures(models.Model):
    """One license line in force on D with its assigned and used figures (metrics.md).

    `figures.figures()` fills a temporary table of this shape once per request with one
    set-based statement; every KPI, median and table of the page is then a small query over it.
    Nothing is ever stored: the table lives only inside that block, on that connection.
    """

    line_id = models.BigIntegerField(primary_key=True)
    item_id = models.BigIntegerField()
    product = models.CharField(max_length=32)
    total = models.IntegerField()
    item_ext_id = models.CharField(max_length=64)
    is_trial = models.BooleanField()
    start = models.DateField()
    end = models.DateField()
    auto_renew = models.BooleanField()
    customer_id = models.BigIntegerField()
    customer_ext_id = models.CharField(max_length=64)
    customer_name = models.CharField(max_length=200)
    assigned = models.IntegerField()  # assigned(x, P, D)
    assigned_before = models.IntegerField()  # assigned(x, P, D - 7)
    used = models.IntegerField()  # used7(x, P, D), toggled product only
    used_before = models.IntegerField()  # used7(x, P, D - 7), toggled product only
    used_90 = models.IntegerField()  # used90(x, P, D), toggled product only

    class Meta:
        managed = False
        db_table = LINE_FIGURES_TABLE
