"""Tsunagu settings: one module, driven by TSUNAGU_* environment variables.

SQLite under var/ is the embedded default (make demo); PostgreSQL is used when TSUNAGU_DATABASE_URL
points at it. A bad value stops start-up with a message naming the variable.
"""

from __future__ import annotations

import datetime as _dt
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
    BREAK_GLASS_MINUTES = env_int("TSUNAGU_BREAK_GLASS_MINUTES", 60, minimum=5)
    # Printed case forms say on every page to destroy them within this many days of printing.
    PRINT_RETENTION_DAYS = env_int("TSUNAGU_PRINT_RETENTION_DAYS", 7, minimum=1)
    # Key of the audit hash chain; keep it outside the database and never change it (docs/security.md).
    AUDIT_HMAC_KEY = env_str("TSUNAGU_AUDIT_KEY", "")
    if PRODUCTION and AUDIT_HMAC_KEY and len(AUDIT_HMAC_KEY) < 32:
        raise ConfigError("TSUNAGU_AUDIT_KEY is too short: use at least 32 random characters")
    # The audit chain's anchor outside the database: signed checkpoints (sequence number and hash of the
    # chain head) appended to this file — make it append-only (chattr +a) or keep a copy elsewhere — and
    # logged to "tsunagu.audit.checkpoint" (syslog/journald). Written every N audit rows after commit and
    # by `verify_audit --checkpoint` (run it daily). Empty: no file (docs/security.md, audit log).
    AUDIT_CHECKPOINT_FILE = env_str("TSUNAGU_AUDIT_CHECKPOINT_FILE", str(VAR_DIR / "audit-checkpoints.log"))
    AUDIT_CHECKPOINT_EVERY = env_int("TSUNAGU_AUDIT_CHECKPOINT_EVERY", 1000, minimum=0)
    # PostgreSQL: the web server's role; `migrate` (run as the owner) grants it every table but only INSERT on
    # the audit log (tsunagu.access.dbroles, `manage.py grant_app_role`). Empty: grant by hand.
    DATABASE_APP_ROLE = env_str("TSUNAGU_DATABASE_APP_ROLE", "")
except ConfigError as exc:
    raise ImproperlyConfigured(f"Tsunagu configuration error: {exc}") from None

if _db["ENGINE"] == "django.db.backends.postgresql":
    # Persistent connections: each worker keeps its connection (checked before reuse) instead of opening
    # one per request — the largest fixed cost of a request (docs/performance.md, request overhead).
    try:
        _db["CONN_MAX_AGE"] = env_int("TSUNAGU_DB_CONN_MAX_AGE", 300, minimum=0)
    except ConfigError as exc:
        raise ImproperlyConfigured(f"Tsunagu configuration error: {exc}") from None
    _db["CONN_HEALTH_CHECKS"] = True
    # No JIT compilation: the policies' querysets (OR of sub-selects over millions of rows) are estimated
    # costly enough to be JIT-compiled, and compiling took 2-4 s of queries that run in 0.1-0.2 s — at
    # 1,000,000 persons / 3,000,000 consultations the household page fell from 4.2 s to 0.46 s without it
    # (docs/performance.md, designated-city scale). Tsunagu's queries are short; JIT does not pay.
    _options = dict(_db.get("OPTIONS") or {})  # type: ignore[call-overload]
    _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
    _db["OPTIONS"] = _options
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
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "tsunagu.core",
    "tsunagu.municipalities",
    "tsunagu.directory",
    "tsunagu.accounts",
    "tsunagu.access",
    "tsunagu.people",
    "tsunagu.intake",
    "tsunagu.cases",
    "tsunagu.outreach",
    "tsunagu.participation",
    "tsunagu.meetings",
    "tsunagu.community",
    "tsunagu.insights",
    "tsunagu.navigator",
    "tsunagu.synthetic",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # CSP, Cache-Control: no-store (docs/security.md).
    "tsunagu.access.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle / absolute session limits (needs the user and messages).
    "tsunagu.accounts.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Nothing but the MFA pages until the second factor is verified.
    "tsunagu.accounts.middleware.MFARequiredMiddleware",
    # A view without @permission/@public is refused.
    "tsunagu.access.middleware.PermissionRegistryMiddleware",
    # django-axes wants to be last.
    "axes.middleware.AxesMiddleware",
]

# No shared cache: nothing Tsunagu shows may be served from a cache (personal data, per-viewer access),
# and what repeats per request (session, login, second factor) is one indexed query on a persistent
# connection. A database cache would cost the query it saves; a file cache does not span servers; a city's
# LGWAN machine has no Redis. Django's per-process memory cache stays for its own small uses.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

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
                "tsunagu.access.context_processors.permissions",
                "tsunagu.municipalities.context_processors.municipality_word",
            ],
            "builtins": ["tsunagu.core.templatetags.wareki"],
        },
    }
]

AUTH_USER_MODEL = "accounts.Staff"
LOGIN_URL = "accounts:login"
# `/` sends each role to its own work (tsunagu/accounts/landing.py); a safe ?next= wins.
LOGIN_REDIRECT_URL = "root"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses locked-out usernames before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend that reads the staff member's municipality and organization with the staff row
    # (one query per request instead of three). Changing this path ends the sessions opened under the old
    # one: after the upgrade that introduced it, everybody logs in once more.
    "tsunagu.accounts.backends.StaffBackend",
]
# Password policy (docs/security.md): length, an offline common-password list, no composition rules and
# no periodic expiry (ASVS 6.2), forced change of administrator-issued passwords.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "tsunagu.accounts.validators.MaximumLengthValidator", "OPTIONS": {"max_length": 256}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "tsunagu.accounts.validators.ContextWordsValidator"},
]
# Lockout: per login ID (known or not, so the answer never tells which IDs exist). Failed TOTP codes
# count too; the counter is cleared only after a complete login (password + second factor).
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = _dt.timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "tsunagu.accounts.views.lockout_response"
AXES_VERBOSE = False
# axes.W006 asks for IP-based lockout too; inside LGWAN a whole office shares one address, so locking
# by IP would lock out every colleague. Lockout is per login ID (docs/security.md, rule A-4).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
OTP_TOTP_ISSUER = "Tsunagu"
# Wrong codes are counted by django-axes (lockout above); django-otp's own exponential delay would only
# make a correct code fail silently right after a typo.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
AXES_SENSITIVE_PARAMETERS = ["username", "password", "code", "csrfmiddlewaretoken"]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語")]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
if not PRODUCTION:
    # WhiteNoise warns about a missing STATIC_ROOT; in development files come from the finders.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Uploaded files (scanned consent forms): never served at a public URL; only through access-checked,
# audited views (cases:consent_document). MEDIA_URL stays unset on purpose.
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
    if PRODUCTION
    else {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = not PRODUCTION
# Files served at the site root: /favicon.ico, which browsers ask for on pages without our layout.
WHITENOISE_ROOT = BASE_DIR / "tsunagu" / "core" / "static" / "webroot"
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "tsunagu.core.staticfinders.BundledFontFinder",
]
PROFILES_DIR = BASE_DIR / "profiles"

# Sessions: never the two-week default. Idle/absolute limits are enforced by middleware too.
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# A refused CSRF token gets a Japanese page in our layout, without Django's English diagnosis.
CSRF_FAILURE_VIEW = "tsunagu.accounts.errors.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies: Secure, Path=/, no Domain — not settable by a sibling host (ASVS 3.3.1).
    SESSION_COOKIE_NAME = "__Host-tsunagu-session"
    CSRF_COOKIE_NAME = "__Host-tsunagu-csrf"
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
    # Query strings may carry what someone typed into a search box: never into the log.
    "filters": {"redact_query": {"()": "tsunagu.access.logfilter.RedactQueryStrings"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_query"]}
    },
    "loggers": {
        # runserver's request lines go through the same redacting handler.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Signed audit checkpoints (tsunagu.access.checkpoints): forward this logger to syslog as a copy.
        "tsunagu.audit.checkpoint": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
}
