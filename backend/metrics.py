"""Prometheus metrics (GET /metrics). Counters are per process; database-derived gauges are read at scrape
time, so every instance reports the same shared truth about cases and the outbox."""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from tortoise.functions import Count

from .models import Case, OutboxMessage

REGISTRY = CollectorRegistry()
UPDATES = Counter("qingchu_updates_total", "Telegram updates handled", registry=REGISTRY)
DUPLICATE_UPDATES = Counter(
    "qingchu_duplicate_updates_total", "Redelivered Telegram updates ignored", registry=REGISTRY
)
SWEEP_SECONDS = Histogram(
    "qingchu_sweep_seconds",
    "Duration of one scheduler sweep",
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
SWEEP_ACTIONS = Counter(
    "qingchu_sweep_actions_total", "Actions taken by sweeps", ["sweep"], registry=REGISTRY
)
SENT = Counter(
    "qingchu_messages_sent_total", "Outbox messages delivered", ["kind"], registry=REGISTRY
)
SEND_FAILURES = Counter(
    "qingchu_message_failures_total",
    "Outbox deliveries that failed",
    ["outcome"],
    registry=REGISTRY,
)
RATE_LIMIT_WAITS = Counter(
    "qingchu_rate_limit_waits_total",
    "Messages held back by the sending budget or Telegram's retry_after",
    registry=REGISTRY,
)
CASES = Gauge("qingchu_cases", "Cases by status", ["status"], registry=REGISTRY)
OUTBOX_PENDING = Gauge(
    "qingchu_outbox_pending", "Outbox messages waiting to be sent", registry=REGISTRY
)
OUTBOX_FAILED = Gauge(
    "qingchu_outbox_failed", "Outbox messages that could not be delivered", registry=REGISTRY
)


async def render_metrics() -> bytes:
    """Refresh the database gauges, then render everything in Prometheus' text format."""
    rows = await Case.annotate(n=Count("id")).group_by("status").values("status", "n")
    CASES.clear()
    for row in rows:
        CASES.labels(status=str(row["status"])).set(row["n"])
    OUTBOX_PENDING.set(await OutboxMessage.filter(sent_at=None, failed_at=None).count())
    OUTBOX_FAILED.set(await OutboxMessage.filter(failed_at__isnull=False).count())
    return generate_latest(REGISTRY)
