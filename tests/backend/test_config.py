"""Configuration: defaults from docs/domain.md#policy-file, and a wrong value names its variable."""

from pathlib import Path

import pytest

from backend.config import ConfigError, load_settings
from backend.domain import Role, Severity
from backend.domain.policy import PolicyError, policy_from_dict


def test_defaults():
    settings = load_settings(env={}, env_file=None)
    assert settings.database_url == "sqlite://data/qingchu.sqlite3"
    assert settings.timezone.key == "Asia/Shanghai"
    assert (settings.http_host, settings.http_port, settings.default_locale) == (
        "127.0.0.1",
        8080,
        "zh_CN",
    )
    assert settings.policy.escalation_levels == (Role.AGENT, Role.SUPERVISOR, Role.MANAGER)
    assert settings.policy.sla[Severity.MAJOR].followup_by is Role.SUPERVISOR
    assert not settings.telegram_enabled


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HTTP_PORT", "abc"),
        ("HTTP_PORT", "70000"),
        ("TIMEZONE", "Mars/Olympus"),
        ("DEFAULT_LOCALE", "fr"),
        ("STAFF_CHAT_ID", "staff-group"),
        ("BOT_TOKEN", "not-a-token"),
        ("TELEGRAM_API_BASE_URL", "ftp://example"),
        ("DATABASE_URL", "mysql://localhost/db"),
        ("CASE_NUMBER_PREFIX", "qc-"),
        ("POLICY_FILE", "/nonexistent/policy.toml"),
        ("SWEEP_INTERVAL_SECONDS", "0"),
    ],
)
def test_bad_value_names_the_variable(name, value):
    with pytest.raises(ConfigError) as error:
        load_settings(env={name: value}, env_file=None)
    assert str(error.value).startswith(f"{name}:")


def test_env_file_is_read_and_environment_wins(tmp_path: Path):
    env_file = tmp_path / ".env"
    env_file.write_text("HTTP_PORT=9000\nSTAFF_CHAT_ID=-100123\n", encoding="utf-8")
    settings = load_settings(env={"HTTP_PORT": "9001"}, env_file=env_file)
    assert settings.http_port == 9001 and settings.staff_chat_id == -100123


def test_postgresql_scheme_is_accepted():
    settings = load_settings(env={"DATABASE_URL": "postgresql://u@h:5432/d"}, env_file=None)
    assert settings.database_url == "postgres://u@h:5432/d" and not settings.is_sqlite


def test_a_policy_file_can_shrink_hours_to_seconds(tmp_path: Path):
    from backend.domain.policy import DEFAULT_POLICY_PATH

    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8").replace(
        'first_feedback = "24h"', 'first_feedback = "30s"'
    )
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    settings = load_settings(env={"POLICY_FILE": str(path)}, env_file=None)
    assert settings.policy.sla[Severity.GENERAL].first_feedback.total_seconds() == 30


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda p: p.pop("categories"), "categories"),
        (lambda p: p["sla"]["major"].update(resolve="soon"), "sla.major.resolve"),
        (lambda p: p["business_hours"].update(start="25:00"), "business_hours.start"),
        (lambda p: p["business_hours"].update(days=["monday"]), "business_hours.days"),
        (lambda p: p["business_hours"].update(holidays=["2026-02-30"]), "business_hours.holidays"),
        (lambda p: p["escalation"].update(levels=["agent", "boss"]), "escalation.levels"),
        (lambda p: p["limits"].update(major_after_days=0), "limits.major_after_days"),
        (lambda p: p["categories"].pop(), "categories"),  # without "other"
        (
            lambda p: p["categories"][0].update(department="Engineering Dept"),
            "categories[0].department",
        ),
    ],
)
def test_bad_policy_names_the_key(change, key):
    import tomllib

    from backend.domain.policy import DEFAULT_POLICY_PATH

    raw = tomllib.loads(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    change(raw)
    with pytest.raises(PolicyError) as error:
        policy_from_dict(raw)
    assert str(error.value).startswith(key)
