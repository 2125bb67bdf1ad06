"""ApexCharts options of the calling analytics page (rendered by static/partnerhub/app.js)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnerhub.activity.models import Endpoint

# Lazy labels, turned into text when a page is drawn: in the language of the person viewing it.
ENDPOINT_LABELS: dict[str, Any] = dict(Endpoint.choices)
FEATURE_LABELS: dict[str, Any] = {
    "call_queue": gettext_lazy("Call queue"),
    "hunt_group": gettext_lazy("Hunt group"),
    "auto_attendant": gettext_lazy("Auto attendant"),
    "transfer": gettext_lazy("Transfer"),
    "call_park": gettext_lazy("Call park"),
    "call_pickup": gettext_lazy("Call pickup"),
    "voicemail": gettext_lazy("Voicemail"),
    "conference": gettext_lazy("Conference"),
    "call_recording": gettext_lazy("Call recording"),
}
BASE: dict[str, Any] = {
    "dataLabels": {"enabled": False},
    "legend": {"position": "bottom"},
    "grid": {"strokeDashArray": 4},
}


def _chart(kind: str, **options: Any) -> dict[str, Any]:
    return {
        **BASE,
        "chart": {
            "type": kind,
            "height": 300,
            "toolbar": {"show": False},
            "animations": {"enabled": False},
        },
        **options,
    }


def page_charts(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The four charts of the page, from the analytics answer."""
    volume = data["users_by_volume"]
    trend = data["quality_trend"]
    weeks = [str(p["week_start"]) for p in volume]
    endpoints = data["quality_by_endpoint"]
    features = data["feature_use"]
    return {
        "users_by_volume": _chart(
            "bar",
            chart={
                "type": "bar",
                "stacked": True,
                "height": 300,
                "toolbar": {"show": False},
                "animations": {"enabled": False},
            },
            series=[
                {"name": _("No calls"), "data": [p["none"] for p in volume]},
                {"name": _("Low (1–5 calls)"), "data": [p["low"] for p in volume]},
                {"name": _("Medium (6–20 calls)"), "data": [p["medium"] for p in volume]},
                {"name": _("High (over 20 calls)"), "data": [p["high"] for p in volume]},
            ],
            colors=["#adb5bd", "#74c0fc", "#228be6", "#1864ab"],
            xaxis={"categories": weeks, "title": {"text": _("Week starting")}},
            yaxis={"title": {"text": _("Licensed calling users")}, "decimalsInFloat": 0},
        ),
        "quality_trend": _chart(
            "line",
            series=[
                {"name": _("Calls"), "type": "column", "data": [p["calls"] for p in trend]},
                {"name": _("Poor calls %"), "type": "line", "data": [p["poor_pct"] for p in trend]},
            ],
            stroke={"width": [0, 3]},
            markers={"size": 4},
            colors=["#206bc4", "#d63939"],
            xaxis={"categories": weeks, "title": {"text": _("Week starting")}},
            yaxis=[
                {"title": {"text": _("Calls")}, "decimalsInFloat": 0},
                {
                    "opposite": True,
                    "min": 0,
                    "decimalsInFloat": 1,
                    "title": {"text": _("Poor calls %")},
                },
            ],
        ),
        "quality_by_endpoint": _chart(
            "bar",
            plotOptions={"bar": {"horizontal": True}},
            series=[{"name": _("Poor calls %"), "data": [e["poor_pct"] for e in endpoints]}],
            colors=["#d63939"],
            xaxis={
                "categories": [
                    str(ENDPOINT_LABELS.get(e["endpoint"], e["endpoint"])) for e in endpoints
                ],
                "min": 0,
            },
        ),
        "feature_use": _chart(
            "bar",
            plotOptions={"bar": {"horizontal": True}},
            series=[{"name": _("Calls"), "data": list(features.values())}],
            colors=["#2fb344"],
            xaxis={"categories": [str(FEATURE_LABELS.get(f, f)) for f in features]},
        ),
    }
