"""Tsunagu settings: one module, driven by TSUNAGU_* environment variables.

SQLite under var/ is the embedded default (make demo); PostgreSQL is used when TSUNAGU_DATABASE_URL
points at it. A bad value stops start-up with a message naming the variable.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from tsunagu.core.config import ConfigError, database_config, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("TSUNAGU_VAR_DIR", str(BASE_DIR / "var")))

try:
    DEBUG = env_bool("TSUNAGU_DEBUG", False)
    _secret = env_str("TSUNAGU_SECRET_KEY", "")
    if not _secret:
        if not DEBUG and env_bool("TSUNAGU_PRODUCTION", False):
            raise ConfigError("TSUNAGU_SECRET_KEY must be set in production (50+ random characters)")
        # Development and demo: a key kept under var/ so sessions survive restarts of `make demo`.
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        _key_file = VAR_DIR / "secret_key"
        if not _key_file.exists():
            import secrets

            _key_file.write_text(secrets.token_urlsafe(64))
            _key_file.chmod(0o600)
        _secret = _key_file.read_text().strip()
    elif len(_secret) < 50:
        raise ConfigError("TSUNAGU_SECRET_KEY is too short: use at least 50 random characters")
    SECRET_KEY = _secret
    PRODUCTION = env_bool("TSUNAGU_PRODUCTION", False)
    ALLOWED_HOSTS = env_list("TSUNAGU_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
    CSRF_TRUSTED_ORIGINS = env_list("TSUNAGU_CSRF_TRUSTED_ORIGINS", []) if PRODUCTION else []
    _db_url = env_str("TSUNAGU_DATABASE_URL", "")
    if _db_url:
        _db = database_config(_db_url)
    else:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        _db = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(VAR_DIR / "tsunagu.sqlite3")}
    # Security knobs that each installation may tune (documented in README and docs/security.md).
    SESSION_IDLE_TIMEOUT = env_int("TSUNAGU_SESSION_IDLE_MINUTES", 15, minimum=1) * 60
    SESSION_ABSOLUTE_TIMEOUT = env_int("TSUNAGU_SESSION_ABSOLUTE_HOURS", 12, minimum=1) * 3600
    LOGIN_FAILURE_LIMIT = env_int("TSUNAGU_LOGIN_FAILURE_LIMIT", 5, minimum=1)
    LOGIN_LOCKOUT_MINUTES = env_int("TSUNAGU_LOGIN_LOCKOUT_MINUTES", 30, minimum=1)
except ConfigError as exc:
    raise ImproperlyConfigured(f"Tsunagu configuration error: {exc}") from None

if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout: the demo server and management commands share one file.
    _db["OPTIONS"] = {
        **dict(_db.get("OPTIONS") or {}),  # type: ignore[call-overload]
        **{
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "tsunagu.core",
    "tsunagu.municipalities",
    "tsunagu.directory",
    "tsunagu.accounts",
    "tsunagu.access",
    "tsunagu.people",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "tsunagu.urls"
WSGI_APPLICATION = "tsunagu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "tsunagu" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "builtins": ["tsunagu.core.templatetags.wareki"],
        },
    }
]

AUTH_USER_MODEL = "accounts.Staff"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "directory:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語")]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
    if PRODUCTION
    else {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = not PRODUCTION
PROFILES_DIR = BASE_DIR / "profiles"

# Sessions: never the two-week default. Idle/absolute limits are enforced by middleware too.
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("TSUNAGU_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

TESTING = "pytest" in sys.modules
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
