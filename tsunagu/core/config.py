"""Reading TSUNAGU_* settings from the environment, with clear messages for bad values.

Kept free of Django imports so that settings.py can use it before Django is configured.
"""

from __future__ import annotations

import os
from collections.abc import Mapping


class ConfigError(Exception):
    """A TSUNAGU_* environment variable has a value Tsunagu cannot use."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str, env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return env.get(name, default)


def env_bool(name: str, default: bool, env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}={raw!r}: expected one of 1/0, true/false, yes/no, on/off")


def env_int(
    name: str, default: int, env: Mapping[str, str] | None = None, *, minimum: int | None = None
) -> int:
    env = os.environ if env is None else env
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected a whole number") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name}={raw!r}: must be at least {minimum}")
    return value


def env_list(name: str, default: list[str], env: Mapping[str, str] | None = None) -> list[str]:
    env = os.environ if env is None else env
    raw = env.get(name)
    if raw is None:
        return default
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if not items:
        raise ConfigError(f"{name}={raw!r}: expected a comma-separated list with at least one entry")
    return items


def database_config(url: str, name: str = "TSUNAGU_DATABASE_URL") -> dict[str, object]:
    """Parse a database URL, accepting only the engines Tsunagu supports."""
    import dj_database_url

    if not (url.startswith("sqlite:") or url.startswith(("postgres://", "postgresql://", "pgsql://"))):
        raise ConfigError(
            f"{name}={url!r}: Tsunagu supports sqlite:///PATH and postgres://USER@HOST:PORT/NAME only"
        )
    try:
        cfg = dict(dj_database_url.parse(url))
    except Exception as exc:
        raise ConfigError(f"{name}={url!r}: cannot be parsed ({exc})") from None
    if not cfg.get("NAME"):
        raise ConfigError(f"{name}={url!r}: no database name or file path")
    return cfg
