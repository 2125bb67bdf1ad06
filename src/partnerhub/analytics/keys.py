"""The keys of the first KPI row (shared with the customer list's `kpi:` filter token)."""

KPI_KEYS: tuple[str, ...] = (
    "total_customers",
    "expiring_soon",
    "renewing_soon",
    "low_assignment",
    "over_limit",
)
