"""Settings, from the environment (``CHAMBERS_*``, ``DATABASE_URL``, ``REDIS_URL``) and CLI flags."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from None


def _float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise SystemExit(f"{name} must be a number, not {value!r}") from None


@dataclass
class Settings:
    interview_dirs: list[Path] = field(default_factory=list)
    data_dir: Path = field(default_factory=lambda: Path(os.environ.get("CHAMBERS_DATA", "var")))
    database_url: str | None = field(default_factory=lambda: os.environ.get("DATABASE_URL") or None)
    redis_url: str | None = field(default_factory=lambda: os.environ.get("REDIS_URL") or None)
    secret_key: str | None = field(default_factory=lambda: os.environ.get("CHAMBERS_SECRET_KEY") or None)
    url_root: str = field(default_factory=lambda: os.environ.get("CHAMBERS_URL_ROOT", ""))
    checkin_interval_ms: int = field(default_factory=lambda: _int("CHAMBERS_CHECKIN_INTERVAL", 6000))
    workers: int = field(default_factory=lambda: _int("CHAMBERS_WORKERS", 2))
    interview_delete_days: int = field(default_factory=lambda: _int("CHAMBERS_INTERVIEW_DELETE_DAYS", 90))
    smtp_port: int = field(default_factory=lambda: _int("CHAMBERS_SMTP_PORT", 2525))
    incoming_mail_domain: str | None = field(default_factory=lambda: os.environ.get("CHAMBERS_MAIL_DOMAIN") or None)
    # Incoming e-mail: size limit, and how often (and how soon) a failing incoming_email is run again.
    mail_max_bytes: int = field(default_factory=lambda: _int("CHAMBERS_MAIL_MAX_BYTES", 25 * 1024 * 1024))
    mail_attempts: int = field(default_factory=lambda: _int("CHAMBERS_MAIL_ATTEMPTS", 5))
    mail_retry_seconds: float = field(default_factory=lambda: _float("CHAMBERS_MAIL_RETRY_SECONDS", 30.0))
    mail_lease_seconds: float = field(default_factory=lambda: _float("CHAMBERS_MAIL_LEASE_SECONDS", 60.0))
    # Scheduled tasks: the scheduler in `chambers serve`, and running a missed period once after downtime.
    cron_enabled: bool = field(default_factory=lambda: _int("CHAMBERS_CRON", 1) != 0)
    cron_catch_up: bool = field(default_factory=lambda: _int("CHAMBERS_CRON_CATCH_UP", 1) != 0)
    # Outbound e-mail: an SMTP relay; without CHAMBERS_SMTP_RELAY_HOST mail goes to the outbox.
    smtp_relay_host: str | None = field(default_factory=lambda: os.environ.get("CHAMBERS_SMTP_RELAY_HOST") or None)
    smtp_relay_port: int = field(default_factory=lambda: _int("CHAMBERS_SMTP_RELAY_PORT", 587))
    smtp_relay_tls: str = field(default_factory=lambda: os.environ.get("CHAMBERS_SMTP_RELAY_TLS") or "starttls")
    smtp_relay_username: str | None = field(default_factory=lambda: os.environ.get("CHAMBERS_SMTP_RELAY_USERNAME") or None)
    smtp_relay_password: str | None = field(default_factory=lambda: os.environ.get("CHAMBERS_SMTP_RELAY_PASSWORD") or None)
    mail_from: str | None = field(default_factory=lambda: os.environ.get("CHAMBERS_MAIL_FROM") or None)

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            url = self.database_url
            if url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url[len("postgres://"):]
            elif url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url[len("postgresql://"):]
            return url
        return f"sqlite:///{(self.data_dir / 'chambers.db').resolve()}"

    @property
    def cluster(self) -> bool:
        return bool(self.redis_url)

    def server_key(self) -> bytes:
        """The key that signs cookies and secret checks: from config, or made once and kept in data_dir."""
        if self.secret_key:
            return self.secret_key.encode()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / "server.key"
        if not path.exists():
            import secrets
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
        return path.read_text().strip().encode()
