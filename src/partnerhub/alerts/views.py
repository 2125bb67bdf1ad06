"""Pages of alerts: the alerts centre, an alert, the rules, and the digest preference."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from partnerhub.accounts.policy import Action, can, customer_actions
from partnerhub.alerts.bodies import alert_summary
from partnerhub.alerts.digests import period_key
from partnerhub.alerts.models import (
    UNRESOLVED,
    Alert,
    Channel,
    RuleKind,
    Scope,
)
from partnerhub.alerts.selectors import (
    TABS,
    alert_get,
    alert_history,
    alert_list,
    assignable_people,
    open_alert_count,
    partner_saved_filters,
    rules_read,
    tab_counts,
)
from partnerhub.alerts.services import (
    THRESHOLD_RANGES,
    RuleChange,
    alert_acknowledge,
    alert_assign,
    alert_comment,
    alert_resolve,
    alert_snooze,
    alerts_bulk,
    alerts_evaluate,
    assignee_for,
    rule_update,
    rules_for,
    user_digest_set,
)
from partnerhub.core import clock
from partnerhub.core.exports import export_csv
from partnerhub.core.paging import paginate
from partnerhub.core.tables import Column
from partnerhub.core.views import partner_view, render_page_or_fragment, sort_key_from

ALERT_COLUMNS = [
    Column("severity", gettext_lazy("Severity")),
    Column("kind", gettext_lazy("Rule")),
    Column("customer", gettext_lazy("Customer")),
    Column("summary", gettext_lazy("Summary"), sortable=False),
    Column("state", gettext_lazy("State")),
    Column("assignee", gettext_lazy("Assignee")),
    Column("opened", gettext_lazy("Opened")),
]
EXPORT_COLUMNS = [
    Column("id", gettext_lazy("Alert")),
    Column("kind", gettext_lazy("Rule")),
    Column("customer_id", gettext_lazy("Customer id")),
    Column("customer", gettext_lazy("Customer")),
    Column("item_id", gettext_lazy("Item")),
    Column("state", gettext_lazy("State")),
    Column("severity", gettext_lazy("Severity")),
    Column("opened", gettext_lazy("Opened")),
    Column("resolved", gettext_lazy("Resolved")),
    Column("snoozed_until", gettext_lazy("Snoozed until")),
    Column("assignee", gettext_lazy("Assignee")),
    Column("summary", gettext_lazy("Summary")),
]
TAB_LABELS = {
    "open": gettext_lazy("Open"),
    "acknowledged": gettext_lazy("Acknowledged"),
    "snoozed": gettext_lazy("Snoozed"),
    "resolved": gettext_lazy("Resolved"),
}


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def analytics_link(alert: Alert) -> tuple[str, str]:
    """The analytics section that shows an alert's figures, and its title ("" when none)."""
    if alert.kind == RuleKind.LOW_ASSIGNMENT:
        url = _url("analytics:subscriptions")
        lines = (alert.detail or {}).get("lines") or [{}]
        product = lines[0].get("product") or "meetings"
        return (
            f"{url}?product={product}&section=low_assignment#section-low_assignment" if url else "",
            _("Low license assignment in the subscriptions analytics"),
        )
    if alert.kind in {RuleKind.TRIAL_EXPIRING, RuleKind.SUBSCRIPTION_EXPIRING}:
        url = _url("analytics:subscriptions")
        return (
            f"{url}?section=expiring#section-expiring" if url else "",
            _("About to expire in the subscriptions analytics"),
        )
    if alert.kind == RuleKind.POOR_CALL_QUALITY:
        url = _url("calling:analytics")
        return (
            f"{url}#calling-table-quality" if url else "",
            _("Call quality in the calling analytics"),
        )
    if alert.kind == RuleKind.QUEUE_ABANDONMENT:
        url = _url("calling:analytics")
        return (
            f"{url}#calling-table-queue" if url else "",
            _("Call queues in the calling analytics"),
        )
    return "", ""


def _decorate(alerts: list[Alert], day: dt.date) -> list[Alert]:
    for alert in alerts:
        alert.summary = alert_summary(alert)  # type: ignore[attr-defined]
        alert.is_snoozed = bool(  # type: ignore[attr-defined]
            alert.state in UNRESOLVED and alert.snoozed_until and alert.snoozed_until > day
        )
    return alerts


def _filters(request: HttpRequest) -> dict[str, Any]:
    kind = request.GET.get("kind", "")
    assignee = request.GET.get("assignee", "").strip()
    return {
        "kinds": [kind] if kind in RuleKind.values else None,
        "customer_text": request.GET.get("q", "").strip()[:100],
        "assignee": assignee[:254],
        "tag": request.GET.get("tag", "").strip()[:25],
    }


def _export_rows(alerts: Any) -> Any:
    for alert in alerts.iterator(chunk_size=500):
        yield {
            "id": alert.public_id,
            "kind": alert.kind,
            "customer_id": alert.customer.ext_id,
            "customer": alert.customer.name,
            "item_id": (alert.detail or {}).get("item_id") if alert.item_id else "",
            "state": alert.get_state_display(),
            "severity": alert.get_severity_display(),
            "opened": alert.opened.strftime("%Y-%m-%d %H:%M"),
            "resolved": alert.resolved.strftime("%Y-%m-%d %H:%M") if alert.resolved else "",
            "snoozed_until": alert.snoozed_until.isoformat() if alert.snoozed_until else "",
            "assignee": alert.assignee.email if alert.assignee else "",
            "summary": alert_summary(alert),
        }


@partner_view(Action.VIEW_ALERTS)
def alerts_list(request: HttpRequest) -> HttpResponse:
    """The alerts centre: tabs, filters, sortable columns, pages, bulk actions and CSV."""
    day = clock.today()
    tab = request.GET.get("tab", "open")
    tab = tab if tab in TABS else "open"
    sort = sort_key_from(request, ALERT_COLUMNS, "-opened")
    filters = _filters(request)
    rows = alert_list(request.user, day=day, tab=tab, sort=sort, **filters)
    if request.GET.get("export") == "csv":
        response = export_csv(f"alerts-{tab}-{day.isoformat()}", EXPORT_COLUMNS, _export_rows(rows))
        return cast(HttpResponse, response)
    page = paginate(request, rows, per_page=25)
    page.object_list = _decorate(list(page.object_list), day)
    counts = tab_counts(request.user, day)
    context = {
        "page": page,
        "columns": ALERT_COLUMNS,
        "sort": sort,
        "tab": tab,
        "tabs": [{"key": t, "label": TAB_LABELS[t], "count": counts.get(t, 0)} for t in TABS],
        "kinds": RuleKind.choices,
        "kind": request.GET.get("kind", ""),
        "q": filters["customer_text"],
        "assignee": filters["assignee"],
        "tag": filters["tag"],
        "can_act": can(request.user, Action.ACT_ON_ALERTS),
        "people": assignable_people(cast(int, request.user.partner_id)),  # type: ignore[union-attr]
        "filtered": any(
            [filters["kinds"], filters["customer_text"], filters["assignee"], filters["tag"]]
        ),
        "tomorrow": day + dt.timedelta(days=1),
    }
    return render_page_or_fragment(request, "alerts/list.html", "alerts/_table.html", context)


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        return None


def _errors(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [str(m) for messages_ in error.message_dict.values() for m in messages_]
    return [str(m) for m in error.messages]


@require_POST
@partner_view(Action.VIEW_ALERTS)
def bulk(request: HttpRequest) -> HttpResponse:
    """Acknowledge, assign or snooze the alerts ticked on the list."""
    if not can(request.user, Action.ACT_ON_ALERTS):
        raise PermissionDenied
    back = _back(request, reverse("alerts:list"))
    ids = [i for i in request.POST.getlist("alerts") if i][:500]
    if not ids:
        messages.warning(request, _("Tick the alerts to change first."))
        return redirect(back)
    alerts = list(alert_list(request.user, day=clock.today()).filter(public_id__in=ids))
    op = request.POST.get("op", "")
    until = _date(request.POST.get("until", "")) if op == "snooze" else None
    if op == "snooze" and until is None:
        messages.error(request, _("Choose the day until which to snooze."))
        return redirect(back)
    try:
        changed = alerts_bulk(
            user=request.user,  # type: ignore[arg-type]
            alerts=alerts,
            op=op,
            until=until,
            assignee_email=request.POST.get("email", ""),
        )
    except ValidationError as error:
        for text in _errors(error):
            messages.error(request, text)
        return redirect(back)
    messages.success(
        request,
        ngettext("%(n)s alert was changed.", "%(n)s alerts were changed.", changed)
        % {"n": changed},
    )
    return redirect(back)


CHANGE_LABELS = {
    "opened": gettext_lazy("Opened by the evaluation"),
    "acknowledged": gettext_lazy("Acknowledged"),
    "resolved": gettext_lazy("Resolved"),
    "snoozed": gettext_lazy("Snoozed until"),
    "woken": gettext_lazy("No longer snoozed"),
    "assigned": gettext_lazy("Assigned to"),
    "unassigned": gettext_lazy("Unassigned"),
}


def _detail_page(
    request: HttpRequest, alert: Alert, *, errors: list[str] | None = None, status: int = 200
) -> HttpResponse:
    day = clock.today()
    _decorate([alert], day)
    link, link_title = analytics_link(alert)
    allowed = customer_actions(request.user, alert.customer)
    thread = alert_history(alert)
    for change in thread["history"]:
        change.label = CHANGE_LABELS.get(change.what, change.what)
        if change.what == "resolved" and change.by_id is None:
            change.label = _("Resolved by the evaluation: the condition no longer holds")
    context = {
        "alert": alert,
        **thread,
        "can_act": Action.ACT_ON_ALERTS in allowed,
        "customer_url": _url("customers:detail", alert.customer.ext_id),
        "analytics_url": link,
        "analytics_title": link_title,
        "people": assignable_people(alert.partner_id),
        "tomorrow": day + dt.timedelta(days=1),
        "errors": errors or [],
        "detail_rows": _detail_rows(alert),
    }
    return render(request, "alerts/detail.html", context, status=status)


def _detail_rows(alert: Alert) -> list[tuple[str, Any]]:
    """The figures of `detail` as (label, value) rows a person reads."""
    labels = {
        "item_id": _("Item"),
        "end": _("Ends"),
        "days_left": _("Days left"),
        "since": _("Waiting for set-up since"),
        "days": _("Days"),
        "last_sign_in": _("Last administrator sign-in"),
        "week": _("Week starting"),
        "calls": _("Calls"),
        "poor_calls": _("Poor calls"),
        "poor_pct": _("Poor calls, %"),
        "queue_calls": _("Queue calls"),
        "abandoned": _("Abandoned"),
        "abandoned_pct": _("Abandoned, %"),
        "over": _("Licenses over the limit"),
    }
    rows: list[tuple[str, Any]] = []
    for key, value in (alert.detail or {}).items():
        if key in {"lines", "items"}:
            for line in value:
                parts = ", ".join(f"{k}: {v}" for k, v in line.items())
                rows.append((_("Line") if key == "lines" else _("Item"), parts))
        else:
            rows.append((str(labels.get(key, key)), "—" if value is None else value))
    return rows


@partner_view(Action.VIEW_ALERTS)
def detail(request: HttpRequest, alert_id: str) -> HttpResponse:
    """An alert: why it opened, its history and comments, and what may be done with it."""
    return _detail_page(request, alert_get(request.user, alert_id))


@require_POST
@partner_view(Action.VIEW_ALERTS)
def act(request: HttpRequest, alert_id: str, action: str) -> HttpResponse:
    """Acknowledge, resolve, snooze, assign or comment (another partner's alert: 404)."""
    alert = alert_get(request.user, alert_id)
    user: Any = request.user
    try:
        if action == "acknowledge":
            alert_acknowledge(user=user, alert=alert)
            done = _("The alert is acknowledged.")
        elif action == "resolve":
            alert_resolve(user=user, alert=alert)
            done = _("The alert is resolved.")
        elif action == "snooze":
            until = _date(request.POST.get("until", ""))
            if until is None and request.POST.get("until"):
                raise ValidationError({"until": [_("Enter a date.")]})
            alert_snooze(user=user, alert=alert, until=until)
            done = _("The alert is snoozed.") if until else _("The alert is no longer snoozed.")
        elif action == "assign":
            alert_assign(
                user=user,
                alert=alert,
                assignee=assignee_for(user, alert, request.POST.get("email", "")),
            )
            done = _("The assignee was saved.")
        elif action == "comment":
            alert_comment(user=user, alert=alert, body=request.POST.get("body", ""))
            done = _("Your comment was added.")
        else:
            raise PermissionDenied
    except ValidationError as error:
        return _detail_page(request, alert_get(user, alert_id), errors=_errors(error), status=422)
    messages.success(request, done)
    return redirect("alerts:detail", alert_id=alert.public_id)


def _rule_rows(partner_id: int, errors: dict[str, list[str]] | None = None) -> list[dict[str, Any]]:
    rows = []
    for rule in rules_read(partner_id):
        rows.append(
            {
                "rule": rule,
                "label": RuleKind(rule.kind).label,
                "bounds": THRESHOLD_RANGES.get(rule.kind),
                "recipient_ids": {u.pk for u in rule.recipients.all()},
                "recipient_names": ", ".join(u.display_name for u in rule.recipients.all()),
                "errors": (errors or {}).get(rule.kind, []),
            }
        )
    return rows


@partner_view(Action.VIEW_ALERTS)
def rules(request: HttpRequest) -> HttpResponse:
    """The partner's rules: full administrators edit them, others read them."""
    partner_id = cast(int, request.user.partner_id)  # type: ignore[union-attr]
    rules_for(partner_id)  # the defaults, the first time
    manage = can(request.user, Action.MANAGE_ALERT_RULES)
    context = {
        "rows": _rule_rows(partner_id),
        "manage": manage,
        "scopes": Scope.choices,
        "channels": Channel.choices,
        "people": assignable_people(partner_id) if manage else [],
        "saved_filters": partner_saved_filters(partner_id) if manage else [],
    }
    return render(request, "alerts/rules.html", context)


@require_POST
@partner_view(Action.MANAGE_ALERT_RULES)
def rule_edit(request: HttpRequest, kind: str) -> HttpResponse:
    """Save one rule's form (a full administrator)."""
    if kind not in RuleKind.values:
        raise PermissionDenied
    user: Any = request.user
    post = request.POST
    given = {"threshold", "saved_filter_id"}
    threshold: int | None = None
    raw = post.get("threshold", "").strip()
    if kind in THRESHOLD_RANGES:
        threshold = int(raw) if raw.isdigit() else -1
    else:
        given.discard("threshold")
    saved_raw = post.get("saved_filter", "").strip()
    people = {p.pk: p.email for p in assignable_people(user.partner_id)}
    recipients = [
        people[int(i)] for i in post.getlist("recipients") if i.isdigit() and int(i) in people
    ]
    change = RuleChange(
        enabled=post.get("enabled") == "on",
        threshold=threshold if threshold is None or threshold >= 0 else 10**6,
        scope=post.get("scope", Scope.ALL),
        tag=post.get("tag", ""),
        saved_filter_id=int(saved_raw) if saved_raw.isdigit() else None,
        recipients=recipients,
        channels=post.getlist("channels"),
        given=given,
    )
    try:
        rule_update(user=user, kind=kind, change=change)
    except ValidationError as error:
        context = {
            "rows": _rule_rows(user.partner_id, {kind: _errors(error)}),
            "manage": True,
            "scopes": Scope.choices,
            "channels": Channel.choices,
            "people": assignable_people(user.partner_id),
            "saved_filters": partner_saved_filters(user.partner_id),
        }
        return render(request, "alerts/rules.html", context, status=422)
    alerts_evaluate(partner_ids=[user.partner_id])
    messages.success(request, _("The rule “%(rule)s” was saved.") % {"rule": RuleKind(kind).label})
    return redirect(f"{reverse('alerts:rules')}#rule-{kind}")


DIGEST_CHOICES = [
    ("off", gettext_lazy("Off")),
    ("daily", gettext_lazy("Daily")),
    ("weekly", gettext_lazy("Weekly (Monday)")),
]


@partner_view(Action.VIEW_ALERTS)
def digest(request: HttpRequest) -> HttpResponse:
    """The person's own alert digest: off, daily or weekly."""
    user: Any = request.user
    if request.method == "POST":
        try:
            user_digest_set(user=user, digest=request.POST.get("digest", ""))
        except ValidationError as error:
            for text in _errors(error):
                messages.error(request, text)
            return redirect("alerts:digest")
        messages.success(request, _("Your digest preference was saved."))
        return redirect("alerts:digest")
    day = clock.today()
    context = {
        "choices": DIGEST_CHOICES,
        "current": user.digest,
        "period": period_key(user.digest, day) if user.digest != "off" else "",
    }
    return render(request, "alerts/digest.html", context)


@partner_view(Action.VIEW_ALERTS)
def badge(request: HttpRequest) -> HttpResponse:
    """The navigation's count of open alerts, fetched by HTMX once the page has loaded, so no
    page pays for it (their query counts stay as pinned)."""
    return render(request, "alerts/_nav_badge.html", {"count": open_alert_count(request.user)})
