"""Settings from the environment and an optional .env file (documented in .env.example).

A bad value stops start-up with a message that names the variable, never a traceback.
"""

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from .domain.contact import known_region
from .domain.policy import DEFAULT_POLICY_PATH, Policy, PolicyError, load_policy

LOCALES = ("zh_CN", "zh_TW", "en")
DEFAULT_DATABASE_URL = "sqlite://data/qingchu.sqlite3"


class ConfigError(ValueError):
    """A setting is wrong. str(error) names the variable and says what is expected."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    bot_token: str | None = None
    bot_username: str = ""  # for deep links and estate posters; asked from Telegram when empty
    telegram_api_base_url: str | None = None
    staff_chat_id: int | None = None
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    default_locale: str = "zh_CN"
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    case_prefix: str = "QC"
    policy_file: Path = DEFAULT_POLICY_PATH
    duty_phone: str = ""
    phone_region: str = (
        "CN"  # where a phone number typed without + is read first (domain.contact.regions_for)
    )
    log_level: str = "INFO"
    log_format: str = "text"
    max_body_bytes: int = 1_048_576
    sweep_interval: timedelta = timedelta(seconds=30)
    triage_model_file: Path = Path("data/triage-model.json")
    dialog_idle: timedelta = timedelta(hours=2)
    staff_topics: bool = False
    flood_limit: int = 30
    public_base_url: str = ""
    bot_mode: str = "polling"
    webhook_url: str = ""
    webhook_secret: str = ""
    session_hours: int = 12
    data_dir: Path = Path(
        "data"
    )  # files the service keeps besides the database (the dashboard's file cache)
    file_cache_mb: int = 500
    policy: Policy = field(default_factory=load_policy, compare=False, repr=False)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite://")

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.bot_token)

    @property
    def base_url(self) -> str:
        """Where people reach the service: PUBLIC_BASE_URL, or http://HTTP_HOST:HTTP_PORT."""
        return self.public_base_url or f"http://{self.http_host}:{self.http_port}"


def load_settings(
    env: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Build Settings from `env` (default: os.environ over the .env file)."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if env is None else env)
    get = _Reader(values)
    policy_file = Path(get.text("POLICY_FILE", str(DEFAULT_POLICY_PATH)))
    try:
        policy = load_policy(policy_file)
    except PolicyError as exc:
        raise ConfigError(f"POLICY_FILE: {exc}") from None
    return Settings(
        database_url=get.database_url(),
        bot_token=get.bot_token(),
        bot_username=get.pattern(
            "BOT_USERNAME",
            "",
            r"(@?[A-Za-z][A-Za-z0-9_]{3,31})?",
            "the bot's @username from BotFather",
        ).lstrip("@"),
        telegram_api_base_url=get.http_url("TELEGRAM_API_BASE_URL"),
        staff_chat_id=get.optional_int("STAFF_CHAT_ID"),
        timezone=get.timezone(),
        default_locale=get.choice("DEFAULT_LOCALE", LOCALES, "zh_CN"),
        http_host=get.text("HTTP_HOST", "127.0.0.1"),
        http_port=get.integer("HTTP_PORT", 8080, 1, 65535),
        case_prefix=get.pattern(
            "CASE_NUMBER_PREFIX",
            "QC",
            r"[A-Z][A-Z0-9]{0,9}",
            "1–10 capital letters or digits, starting with a letter",
        ),
        policy_file=policy_file,
        duty_phone=get.text("DUTY_PHONE", ""),
        phone_region=get.region(),
        log_level=get.choice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"),
        log_format=get.choice("LOG_FORMAT", ("text", "json"), "text"),
        max_body_bytes=get.integer("MAX_BODY_BYTES", 1_048_576, 1024, 50 * 1_048_576),
        sweep_interval=timedelta(seconds=get.integer("SWEEP_INTERVAL_SECONDS", 30, 1, 3600)),
        triage_model_file=Path(get.text("TRIAGE_MODEL_FILE", "data/triage-model.json")),
        dialog_idle=timedelta(minutes=get.integer("DIALOG_IDLE_MINUTES", 120, 1, 7 * 24 * 60)),
        staff_topics=get.choice("STAFF_TOPICS", ("on", "off"), "off") == "on",
        flood_limit=get.integer("FLOOD_LIMIT_PER_MINUTE", 30, 1, 10_000),
        public_base_url=get.http_url("PUBLIC_BASE_URL") or "",
        **get.webhook(),
        session_hours=get.integer("SESSION_HOURS", 12, 1, 24 * 30),
        data_dir=Path(get.text("DATA_DIR", "data")),
        file_cache_mb=get.integer("FILE_CACHE_MB", 500, 1, 1_000_000),
        policy=policy,
    )


class _Reader:
    """Reads one variable at a time and raises ConfigError naming it."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = values

    def raw(self, name: str) -> str | None:
        value = self.values.get(name)
        return value.strip() if value is not None and value.strip() else None

    def text(self, name: str, default: str) -> str:
        return self.raw(name) or default

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise ConfigError(f"{name}: expected a whole number, got {value!r}") from None
        if not low <= number <= high:
            raise ConfigError(f"{name}: expected a number from {low} to {high}, got {number}")
        return number

    def optional_int(self, name: str) -> int | None:
        value = self.raw(name)
        if value is None:
            return None
        if not re.fullmatch(r"-?\d{1,20}", value):
            raise ConfigError(
                f"{name}: expected a Telegram chat id such as -1001234567890, got {value!r}"
            )
        return int(value)

    def choice(self, name: str, options: tuple[str, ...], default: str) -> str:
        value = self.raw(name) or default
        if value not in options:
            raise ConfigError(f"{name}: expected one of {', '.join(options)}, got {value!r}")
        return value

    def pattern(self, name: str, default: str, regex: str, meaning: str) -> str:
        value = self.raw(name) or default
        if not re.fullmatch(regex, value):
            raise ConfigError(f"{name}: expected {meaning}, got {value!r}")
        return value

    def timezone(self) -> ZoneInfo:
        value = self.raw("TIMEZONE") or "Asia/Shanghai"
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"TIMEZONE: unknown time zone {value!r} (use a name like Asia/Shanghai)"
            ) from None

    def region(self) -> str:
        value = self.raw("PHONE_REGION") or "CN"
        if not known_region(value.upper()):
            raise ConfigError(
                f"PHONE_REGION: expected a two-letter region code such as CN, HK or TW, got {value!r}"
            )
        return value.upper()

    def bot_token(self) -> str | None:
        value = self.raw("BOT_TOKEN")
        if value is not None and not re.fullmatch(r"\d{3,20}:[A-Za-z0-9_-]{20,}", value):
            raise ConfigError(
                "BOT_TOKEN: does not look like a token from @BotFather (digits:letters)"
            )
        return value

    def http_url(self, name: str) -> str | None:
        value = self.raw(name)
        if value is None:
            return None
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ConfigError(
                f"{name}: expected an http(s) URL such as http://127.0.0.1:8081, got {value!r}"
            )
        return value.rstrip("/")

    def webhook(self) -> dict[str, str]:
        """BOT_MODE, WEBHOOK_URL, WEBHOOK_SECRET, checked together."""
        mode = self.choice("BOT_MODE", ("polling", "webhook"), "polling")
        url = self.http_url("WEBHOOK_URL") or ""
        secret = self.raw("WEBHOOK_SECRET") or ""
        if mode == "webhook":
            if not url:
                raise ConfigError(
                    "WEBHOOK_URL: required with BOT_MODE=webhook (the public https URL of the webhook)"
                )
            if not url.startswith("https://") and not self.raw("TELEGRAM_API_BASE_URL"):
                raise ConfigError(
                    "WEBHOOK_URL: Telegram only calls https URLs (plain http only with a self-hosted "
                    "TELEGRAM_API_BASE_URL)"
                )
            if not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", secret):
                raise ConfigError(
                    "WEBHOOK_SECRET: required with BOT_MODE=webhook: 16-256 letters, digits, _ or -"
                )
        return {"bot_mode": mode, "webhook_url": url, "webhook_secret": secret}

    def database_url(self) -> str:
        value = self.raw("DATABASE_URL") or DEFAULT_DATABASE_URL
        return validate_database_url(value, "DATABASE_URL")


def validate_database_url(value: str, name: str) -> str:
    scheme = value.split("://", 1)[0] if "://" in value else ""
    if scheme == "postgresql":
        value = "postgres://" + value.split("://", 1)[1]
        scheme = "postgres"
    if scheme not in ("sqlite", "postgres", "asyncpg"):
        raise ConfigError(
            f"{name}: expected sqlite://PATH or postgres://USER@HOST:PORT/DB, got {value!r}"
        )
    if scheme == "sqlite" and not value[len("sqlite://") :]:
        raise ConfigError(
            f"{name}: sqlite:// needs a file path, e.g. sqlite://data/qingchu.sqlite3"
        )
    return value
