"""The subscriptions analytics: the stored per-line snapshot and the per-request figures table."""

from __future__ import annotations

from django.db import models

LINE_FIGURES_TABLE = "analytics_line_figures"


class LineFigures(models.Model):
    """One license line in force on D, with assigned and used figures (docs/reference/metrics.md).

    `figures.figures()` fills a temporary table of this shape once per request from the
    person's `LineDay` rows of D; every KPI, median and table of the page is then a small query
    over it. The table lives only inside that block, on that connection.
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
    used = models.IntegerField()  # used7(x, P, D)
    used_before = models.IntegerField()  # used7(x, P, D - 7)
    used_90 = models.IntegerField()  # used90(x, P, D)

    class Meta:
        managed = False
        db_table = LINE_FIGURES_TABLE


# --- The stored snapshot ------------------------------------------------------------------------


class LineDay(models.Model):
    """One meetings/calling line's figures on one day of the snapshot (docs/reference/metrics.md).

    A row exists for every meetings/calling line (licenses ≥ 0) of every item in force on `day`,
    whatever the partner; a page as of D reads the rows of D (its tables and KPIs) and of
    D − 7k, k = 0 … 11 (its trend). Written only by `analytics.services`, set-based.
    Foreign keys without database constraints or indexes: a row is derived data, and a build
    writes half a million of them at 20,000 customers (each index cost it about a second);
    deleting an item or customer through the ORM still deletes its rows.
    """

    day = models.DateField()
    line = models.ForeignKey(
        "subscriptions.ItemLine",
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    item = models.ForeignKey(
        "subscriptions.Item",
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    product = models.CharField(max_length=32)
    total = models.IntegerField()  # the line's licenses
    assigned = models.IntegerField()  # assigned(x, P, day)
    used = models.IntegerField()  # used7(x, P, day)
    used_90 = models.IntegerField()  # used90(x, P, day)
    assigned_before = models.IntegerField()  # assigned(x, P, day − 7)
    used_before = models.IntegerField()  # used7(x, P, day − 7)

    class Meta:
        # Two indexes only: each one more cost a build about a second at 20,000 customers.
        constraints = [
            # One row per line and day; the customer in between serves a page, which reads
            # one day (or the trend's twelve) of the person's customers. Builds insert in
            # this order.
            models.UniqueConstraint(fields=["day", "customer", "line"], name="uniq_line_day")
        ]
        # A write refreshes one item's rows on every stored day.
        indexes = [models.Index(fields=["item"], name="line_day_item")]


class SnapshotDay(models.Model):
    """A day whose `LineDay` rows are complete: written in the same transaction as the rows.

    A day without a marker is absent, whatever rows it may still have (they are replaced when
    the day is built again, and pruned when it grows old).
    """

    day = models.DateField(primary_key=True)
    built_at = models.DateTimeField()


class SnapshotWatermark(models.Model):
    """The newest source rows (by id) that the stored days reflect: one row, id 1.

    Rows appended since (to the ledger of changed items by the services, and to the sources by
    anything else, as tests' factories do) mark their items stale; the next build or refresh
    recomputes them.
    """

    item_id = models.BigIntegerField(default=0)
    line_id = models.BigIntegerField(default=0)
    assignment_id = models.BigIntegerField(default=0)
    usage_id = models.BigIntegerField(default=0)
    change_id = models.BigIntegerField(default=0)  # the ledger subscriptions.ItemChange
    updated_at = models.DateTimeField()


class SnapshotDateRequest(models.Model):
    """A partner's page asked for an as-of date whose snapshot was not stored: the build it
    started counts against SNAPSHOT_NEW_DATES_PER_HOUR for an hour (one row per partner and
    date; rows older than the hour are pruned by the next request)."""

    partner = models.ForeignKey("accounts.Partner", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    requested_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "day"], name="uniq_snapshot_date_request")
        ]
        indexes = [models.Index(fields=["partner", "requested_at"], name="snapshot_request_recent")]
