"""Twice a year a sample of tenants is asked, always including everyone who complained since last time."""

import random
from dataclasses import replace
from datetime import UTC, datetime

from backend.models import Complainant, SurveyAnswer
from backend.services.actors import Actor
from backend.services.satisfaction import start_survey, survey_results
from bot.delivery import deliver_due
from scheduler import send_satisfaction_survey
from tests.bot.conftest import desk, t, triager  # noqa: F401  (fixtures)
from tests.factories import tenant_draft


async def test_sample_always_includes_recent_complainants(service, settings, clock):
    clock.set(datetime(2026, 12, 10, 2, 0, tzinfo=UTC))
    await service.submit(tenant_draft(telegram_id=1), Actor.system())
    await service.submit(tenant_draft(telegram_id=2, category="noise"), Actor.system())
    now = clock.now()
    for i in range(10, 40):  # quiet tenants known from earlier
        await Complainant.create(telegram_id=i, created_at=now, updated_at=now)
    settings = replace(settings, policy=replace(settings.policy, survey_sample_size=5))
    clock.set(datetime(2027, 1, 1, 2, 0, tzinfo=UTC))
    survey = await start_survey(settings, clock.now(), rng=random.Random(7))
    assert survey is not None and survey.period == "2027-01" and survey.recipients == 5
    asked = {a.complainant_id for a in await SurveyAnswer.filter(survey_id=survey.id)}
    recent = {c.id for c in await Complainant.filter(telegram_id__in=[1, 2])}
    assert recent <= asked
    assert await start_survey(settings, clock.now()) is None  # once per period


async def test_not_in_a_survey_month(service, settings, clock):
    clock.set(datetime(2027, 3, 1, 2, 0, tzinfo=UTC))
    assert await start_survey(settings, clock.now()) is None


async def test_tenant_answers_in_chat_and_results_count_per_category(desk, clock):  # noqa: F811
    clock.set(datetime(2026, 12, 20, 2, 0, tzinfo=UTC))
    await desk.ctx.cases.submit(tenant_draft(telegram_id=desk.tenant.id), Actor.system())
    clock.set(datetime(2027, 1, 1, 2, 0, tzinfo=UTC))
    assert await send_satisfaction_survey(desk.ctx) == 1
    await deliver_due(desk.ctx, desk.app.bot)
    await desk.press("4 ⭐")
    assert desk.last() == t("Thank you for your answer! It helps us serve you better.")
    survey_message = desk.with_button("5 ⭐")
    await desk.process(
        desk.up.press(desk.tenant, survey_message, "5 ⭐")
    )  # a second answer is not counted
    results = await survey_results("2027-01")
    assert results["answered"] == 1 and results["categories"]["facility"]["mean"] == 4
