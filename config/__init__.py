"""Settings. This is the only module that reads environment variables.

With nothing set the app runs on the embedded default: SQLite in the instance folder and
background jobs run in-process. ``DATABASE_URL`` and ``REDIS_URL`` switch to the real services.
"""
import os
from datetime import timedelta

_PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret", "dev", "development"}


def _database_url(url):
    # Heroku-style and libpq-style URLs name no driver; we use psycopg 3.
    if url and url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url and url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    SERVICE_NAME = "SEND placements marketplace"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # None means the embedded default: SQLite in the instance folder (set by the app factory).
    SQLALCHEMY_DATABASE_URI = _database_url(os.environ.get("DATABASE_URL"))
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # A read replica of DATABASE_URL (PostgreSQL streaming replication, seconds behind) for the
    # read-only reports (marketplace/database.py: report_session). None: they read the primary.
    REPLICA_DATABASE_URL = _database_url(os.environ.get("REPLICA_DATABASE_URL"))
    # None means jobs run in-process against an in-memory fakeredis.
    REDIS_URL = os.environ.get("REDIS_URL")
    TIMEZONE = "Europe/London"

    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "marketplace_session"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"

    WTF_CSRF_TIME_LIMIT = 8 * 3600
    PASSWORD_HASH_METHOD = "scrypt"
    SIGN_IN_RATE_LIMIT = os.environ.get("SIGN_IN_RATE_LIMIT", "10 per minute;50 per hour")
    # Uploads (provider documents, at most 10 MB each) and their form fields; larger bodies get 413
    # before they are read.
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    FORCE_HTTPS = True
    # Number of proxies in front of the app (load balancer, ingress) whose X-Forwarded-* we trust.
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))

    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "file")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "false").lower() == "true"
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "no-reply@placements.example")
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", "10"))
    # Where people reach the service; emails build their links from it (a job has no request).
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    # Seconds between the attempts of jobs that talk to the outside (email delivery): one retry
    # per entry, then the job is marked failed.
    RETRY_INTERVALS = (60, 300, 1800, 7200)
    # Call-offs: when invited providers that have not responded are reminded before the
    # deadline. (The response period and when questions close are the host's settings on the
    # purchasing system.)
    CALL_OFF_REMINDER_HOURS = int(os.environ.get("CALL_OFF_REMINDER_HOURS", "48"))
    # Days ahead of a placement's annual review that its officers and provider are reminded.
    REVIEW_REMINDER_DAYS = int(os.environ.get("REVIEW_REMINDER_DAYS", "28"))
    # Days ahead of a contract's extension decision date that its managers are warned (issue 13).
    CONTRACT_DECISION_WARNING_DAYS = int(os.environ.get("CONTRACT_DECISION_WARNING_DAYS", "30"))

    @classmethod
    def validate(cls):
        """Raise if the settings cannot run safely; called by the app factory."""


class DevelopmentConfig(Config):
    """The embedded default for a laptop: plain HTTP on localhost."""

    FORCE_HTTPS = False


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production-use-0123456789"
    SQLALCHEMY_DATABASE_URI = _database_url(os.environ.get("TEST_DATABASE_URL"))
    REDIS_URL = os.environ.get("TEST_REDIS_URL")
    REPLICA_DATABASE_URL = None  # tests/test_replica.py sets one
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    FORCE_HTTPS = False
    MAIL_BACKEND = "memory"
    SIGN_IN_RATE_LIMIT = "1000 per minute"
    # Forms are posted without tokens in most tests; tests/accounts/test_csrf.py turns it on.
    WTF_CSRF_ENABLED = False
    # scrypt is deliberately slow; the tests hash hundreds of passwords.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


class ProductionConfig(Config):
    @classmethod
    def validate(cls):
        key = cls.SECRET_KEY or ""
        if key.strip().lower() in _PLACEHOLDER_SECRETS or len(key) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production, "
                'e.g. python -c "import secrets; print(secrets.token_urlsafe(48))"'
            )
        if not cls.SQLALCHEMY_DATABASE_URI:
            raise RuntimeError("DATABASE_URL must be set in production (PostgreSQL).")
        if cls.REPLICA_DATABASE_URL and not cls.REPLICA_DATABASE_URL.startswith("postgresql"):
            raise RuntimeError("REPLICA_DATABASE_URL must be a PostgreSQL replica of DATABASE_URL.")
        if not cls.REDIS_URL:
            raise RuntimeError("REDIS_URL must be set in production (jobs and rate limits).")


def config_for_environment():
    """The settings class named by APP_ENV (development unless told otherwise)."""
    name = os.environ.get("APP_ENV", "development").lower()
    classes = {"development": DevelopmentConfig, "production": ProductionConfig}
    if name not in classes:
        raise RuntimeError(f"APP_ENV must be one of {', '.join(classes)}, not {name!r}")
    return classes[name]
