"""Settings, read from the environment.

The first run needs no configuration: DEBUG off and no DATABASE_URL give a SQLite file in the
project folder, but a real SECRET_KEY is then required. `make run` sets DEBUG=1 for the demo.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    return os.getenv(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: str) -> int:
    value = os.getenv(name, default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", "0")

SECRET_KEY = os.getenv("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (a long random string), or DEBUG=1 for a demo.")
    SECRET_KEY = "insecure-development-key-never-use-in-production"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    # django.contrib.admin with the two-factor admin site as its default site.
    "casetracker.admin.CaseTrackerAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "import_export",
    "accounts",
    "cases",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "accounts.middleware.PrivatePagesNoStoreMiddleware",
    "accounts.middleware.RejectNulBytesMiddleware",
    # Answers an anonymous request for a public page already rendered for this data state,
    # language and query, with the headers the rest of the chain would give it.
    "cases.public.fastpath.PublicFastPathMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.security.SessionMaxAgeMiddleware",
    "accounts.security.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # django-axes turns a refused login into its lockout page: it must stay last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "casetracker.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Django's form templates, the most drawn of them written out in Python (a case's admin page draws
# about 700): casetracker/form_renderer.py.
FORM_RENDERER = "casetracker.form_renderer.FormRenderer"

WSGI_APPLICATION = "casetracker.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.getenv("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", "60"),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Cyrillic case folding and trigram indexes need UTF-8; template0 lets the test database
    # choose its own encoding whatever template1 has.
    DATABASES["default"]["TEST"] = {"CHARSET": "UTF8", "TEMPLATE": "template0"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("kk", _("Kazakh")), ("ru", _("Russian")), ("en", _("English"))]
# The project's own messages first; then what Django and the admin's libraries (django-otp,
# django-axes, django-import-export, simple-history) lack in Kazakh and Russian, and the few of
# their phrases worded differently here (written by hand: `make messages` leaves it alone).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "libraries"]
# Kazakh dates and numbers as Kazakhstan writes them (Django ships no Kazakh formats).
FORMAT_MODULE_PATH = ["casetracker.formats"]
TIME_ZONE = os.getenv("TIME_ZONE", "Asia/Almaty")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Uploaded evidence lives outside every publicly served folder and is never given a URL.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": os.getenv("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private"))},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Only the app's own account may read private files or list their folders: another account on
# the server (a backup agent, a compromised service) gets nothing. privacy rule 6.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

ADMIN_URL = os.getenv("ADMIN_URL", "admin/")
if not ADMIN_URL.endswith("/"):
    ADMIN_URL += "/"

# Public statistics (docs/public-statistics.md): no published count lies
# between 1 and PUBLIC_MIN_CELL - 1. The perturbation table in cases/public/data/ is made for
# it: run `manage.py make_ptable --min-cell N` after changing it.
PUBLIC_MIN_CELL = envint("PUBLIC_MIN_CELL", "5")
# Years of detention and of outcomes are published one by one from this year on; earlier years
# together. The same cells whatever the data: a year's presence must tell nothing.
PUBLIC_FIRST_YEAR = envint("PUBLIC_FIRST_YEAR", "2014")
# An advocate should chase a submitted petition this many days after submission.
PETITION_FOLLOW_UP_DAYS = envint("PETITION_FOLLOW_UP_DAYS", "30")
# A submitted petition with no answer after this many days is listed in today's work.
PETITION_UNANSWERED_DAYS = envint("PETITION_UNANSWERED_DAYS", "60")
# A consent that expires within this many days is listed in today's work and marked on the case.
CONSENT_EXPIRY_WARNING_DAYS = envint("CONSENT_EXPIRY_WARNING_DAYS", "30")

# History is a read-only audit trail: "revert" would restore fields the user may not see or
# change (verification, relatives' contact details).
SIMPLE_HISTORY_REVERT_DISABLED = True

# Evidence files uploaded to a Source: size limit in megabytes.
SOURCE_MAX_UPLOAD_MB = envint("SOURCE_MAX_UPLOAD_MB", "25")
# Spreadsheet imports: largest file in megabytes, most rows and columns in one sheet (a cell
# beyond them refuses the sheet before it is read into memory).
IMPORT_MAX_MB = envint("IMPORT_MAX_MB", "10")
IMPORT_MAX_ROWS = envint("IMPORT_MAX_ROWS", "20000")
IMPORT_MAX_COLUMNS = envint("IMPORT_MAX_COLUMNS", "250")
# A backup being restored may unpack to this many megabytes at most (10,000 cases with their
# history unpack to about 80 MB): a small file that unpacks to more is refused unread.
BACKUP_MAX_UNPACKED_MB = envint("BACKUP_MAX_UNPACKED_MB", "4096")

# --- Transport and cookies: production behind a TLS-terminating proxy --------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "0" if DEBUG else "1")
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000")
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Security (two-factor login, lockout, CSP, sessions) ---------------------------------------
# The records name people held in China and relatives who can face retaliation: a leaked
# password alone must not open them. See accounts/security.py and accounts/twofactor.py.
if not DEBUG and (len(SECRET_KEY) < 32 or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured(
        "SECRET_KEY is too short or a known example: use 50 or more random characters."
    )

# Staff reach the admin only with a code from an authenticator app (or a backup code). Off in
# the DEBUG demo so `make run` works without a phone.
REQUIRE_2FA = envbool("REQUIRE_2FA", "0" if DEBUG else "1")
# The name the authenticator app shows beside the code; neutral, as phones get searched.
OTP_TOTP_ISSUER = os.getenv("TWO_FACTOR_ISSUER", "casetracker")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
LOGIN_URL = "account_login"

# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one username
# from one address, that pair is refused for LOGIN_COOLOFF_MINUTES.
LOGIN_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", "5")
LOGIN_COOLOFF_MINUTES = envint("LOGIN_COOLOFF_MINUTES", "30")
# How many reverse proxies in front of gunicorn append to X-Forwarded-For (nginx alone: 1).
# With 0 the address is REMOTE_ADDR, which behind a proxy is the proxy's for everyone.
PROXY_COUNT = envint("PROXY_COUNT", "0")
AUTHENTICATION_BACKENDS = [
    "accounts.security.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = LOGIN_COOLOFF_MINUTES / 60  # hours, as axes reads a float
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "accounts.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.security.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Never store what was typed into these fields with a failed attempt (the password always is).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token", "csrfmiddlewaretoken"]

# Content-Security-Policy (django-csp): every script, style, image and font comes from this
# site; no inline script or style, no frames, no plugins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Sessions end after SESSION_IDLE_MINUTES without a request, and SESSION_MAX_HOURS after
# sign-in whatever the activity (accounts.security.SessionMaxAgeMiddleware).
SESSION_IDLE_MINUTES = envint("SESSION_IDLE_MINUTES", "30")
SESSION_MAX_HOURS = envint("SESSION_MAX_HOURS", "12")
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# --- end of security block ---------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "WARNING")},
}

# --- Cache and connection pool (several app servers) ---------------------------------------------
# Each process keeps its cache in its own memory. That is enough for fresh numbers: the state of
# the data is a database row (cases/public/cache.py), so every worker of every server serves a
# change at its next request. The processes of one machine learn of a change from a small file
# (cases/public/state_file.py) and read the row only then: PUBLIC_STATE_FILE names it (default: one
# per database in the temporary folder; give every process that writes data, the workers and the
# management commands, the same one, e.g. /run/casetracker/public-state under systemd's
# PrivateTmp); "" reads the row on every request, which several app machines need for a change
# to show on all of them at once. What the file can't hear of (a change made on another machine)
# is read at most PUBLIC_STATE_RECHECK_SECONDS later. REDIS_URL (e.g.
# redis://127.0.0.1:6379/0) moves the cache to Redis, shared by every server, so that a new state
# is computed once for all of them. CACHE_KEY_PREFIX keeps two sites (or a test run) apart in one
# Redis database.
PUBLIC_STATE_FILE = os.getenv("PUBLIC_STATE_FILE")
PUBLIC_STATE_RECHECK_SECONDS = envint("PUBLIC_STATE_RECHECK_SECONDS", "1")
REDIS_URL = os.getenv("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "casetracker.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.getenv("CACHE_KEY_PREFIX", "casetracker"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# DB_POOL=1 gives each app server process a pool of PostgreSQL connections (psycopg_pool), shared
# by its threads, instead of one connection per thread. Django requires CONN_MAX_AGE 0 with it.
if envbool("DB_POOL", "0") and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": envint("DB_POOL_MIN_SIZE", "1"),
        "max_size": envint("DB_POOL_MAX_SIZE", "10"),
        "timeout": envint("DB_POOL_TIMEOUT", "10"),
    }
# --- end of cache and connection pool block ------------------------------------------------------

# Public statistics ----------------------------------------------------------------------------
# The numbers of each filter combination are cached this long at most; any change to the case
# data gives it a new state at once (cases/public/cache.py), on every app server.
STATS_CACHE_SECONDS = envint("STATS_CACHE_SECONDS", "600")
