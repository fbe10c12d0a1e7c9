"""Settings and the app factory."""
import pytest

from config import ProductionConfig
from marketplace import create_app


@pytest.mark.parametrize("key", [None, "", "change-me", "too-short"])
def test_production_refuses_to_start_without_a_real_secret_key(key):
    config = type("Config", (ProductionConfig,), {
        "SECRET_KEY": key, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://x/y",
        "REDIS_URL": "redis://localhost:6379/0"})
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)


def test_production_accepts_real_settings_and_secures_its_cookies():
    config = type("Config", (ProductionConfig,), {
        "SECRET_KEY": "k" * 48, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://x/y",
        "REDIS_URL": "redis://localhost:6379/0"})
    config.validate()
    assert config.SESSION_COOKIE_SECURE and config.SESSION_COOKIE_HTTPONLY
    assert config.FORCE_HTTPS and config.SESSION_COOKIE_SAMESITE == "Lax"


def test_postgres_urls_use_psycopg_3():
    from config import _database_url

    assert _database_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert _database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert _database_url("sqlite:///x") == "sqlite:///x"
