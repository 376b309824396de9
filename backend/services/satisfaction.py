"""The twice-yearly satisfaction survey: a random sample of tenants, always including everyone who
complained since the last survey; answers counted per category (docs/domain.md#twice-yearly-satisfaction-survey)."""

import random
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from ..columns import column
from ..config import Settings
from ..models import Case, Complainant, SatisfactionSurvey, SurveyAnswer
from .outbox import OutboxKind, enqueue

FIRST_LOOKBACK = timedelta(days=183)  # the first survey looks back half a year


async def start_survey(
    settings: Settings, now: datetime, rng: random.Random | None = None
) -> SatisfactionSurvey | None:
    """Send this period's survey once; None outside the survey months or when it went out already."""
    policy, local = settings.policy, now.astimezone(settings.timezone)
    if local.month not in policy.survey_months:
        return None
    period = f"{local.year:04d}-{local.month:02d}"
    previous = await SatisfactionSurvey.exclude(period=period).order_by("-sent_at").first()
    since = previous.sent_at if previous else now - FIRST_LOOKBACK
    reachable = set(await column(Complainant.filter(telegram_id__isnull=False), "id"))
    recent = await column(
        Case.filter(received_at__gte=since, complainant_id__isnull=False), "complainant_id"
    )
    complained = set(recent) & reachable
    others = sorted(reachable - complained)
    extra = max(0, policy.survey_sample_size - len(complained))
    chosen = sorted(
        complained | set((rng or random.SystemRandom()).sample(others, min(extra, len(others))))
    )
    try:
        async with in_transaction() as conn:
            survey = await SatisfactionSurvey.create(
                using_db=conn, period=period, sent_at=now, recipients=len(chosen)
            )
            people = {c.id: c for c in await Complainant.filter(id__in=chosen).using_db(conn)}
            latest = await _latest_categories(chosen, conn)
            for complainant_id in chosen:
                person = people[complainant_id]
                await SurveyAnswer.create(
                    using_db=conn,
                    survey=survey,
                    complainant_id=complainant_id,
                    category=latest.get(complainant_id, ""),
                )
                await enqueue(
                    conn,
                    chat_id=person.telegram_id,
                    kind=OutboxKind.SATISFACTION_SURVEY,
                    now=now,
                    payload={"survey_id": survey.id, "locale": person.locale},
                    dedupe_key=f"satisfaction:{survey.id}:{complainant_id}",
                )
    except IntegrityError:  # another instance sent this period's survey first
        return None
    return survey


async def _latest_categories(complainant_ids: list[int], conn: Any) -> dict[int, str]:
    rows = await (
        Case.filter(complainant_id__in=complainant_ids)
        .using_db(conn)
        .order_by("received_at")
        .values_list("complainant_id", "category")
    )
    return dict(rows)  # later rows win: the most recent case's category


async def record_answer(survey_id: int, complainant_id: int, score: int, now: datetime) -> bool:
    """Store a 1–5 answer once; False for a survey the person was not asked or already answered."""
    if not isinstance(score, int) or not 1 <= score <= 5:
        return False
    return bool(
        await SurveyAnswer.filter(
            survey_id=survey_id, complainant_id=complainant_id, answered_at__isnull=True
        ).update(score=score, answered_at=now)
    )


async def survey_results(period: str) -> dict[str, Any] | None:
    """Answers per category: count, mean and distribution; None for an unknown period."""
    survey = await SatisfactionSurvey.get_or_none(period=period)
    if survey is None:
        return None
    rows = await SurveyAnswer.filter(survey_id=survey.id).values_list("category", "score")
    per_category: dict[str, list[int]] = {}
    for category, score in rows:
        if score is not None:
            per_category.setdefault(category or "none", []).append(score)
    return {
        "period": period,
        "asked": survey.recipients,
        "answered": sum(len(v) for v in per_category.values()),
        "categories": {
            category: {
                "answers": len(scores),
                "mean": round(sum(scores) / len(scores), 2),
                "distribution": {str(s): scores.count(s) for s in range(1, 6)},
            }
            for category, scores in sorted(per_category.items())
        },
    }
