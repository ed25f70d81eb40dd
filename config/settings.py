"""Settings for Rätt insats, read from the environment (see README, "Konfiguration").

One module for every environment: development, tests and production differ
only in the variables they set. With DJANGO_DEBUG off (the default) every
security setting is on, so a forgotten variable fails safe.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (see README)."
        )
    SECRET_KEY = "development-only-key-not-for-production"  # noqa: S105

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The admin, answering 404 to signed-in users who are not administrators.
    "rattinsats.admin_app.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "guardian",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Background jobs: Django's tasks API (backport) and its database
    # backend, run by `manage.py run_worker` (README, "Background jobs").
    "django_tasks",
    "django_tasks_db",
    # The core, then the domain apps from the bottom layer up (README,
    # "Layout"); import-linter checks that none imports a layer above it.
    "rattinsats",
    "participants",
    "signing",
    "mapping",
    "casework",
    "closure",
    "employers",
    "referrals",
    "reports",
    "operations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so that static files carry the header too.
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Swedish unless the language switch chose English (never Accept-Language).
    "rattinsats.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Django's LoginRequiredMiddleware, keeping a form posted after the
    # session ended as a draft for after the login (rattinsats.drafts).
    "rattinsats.middleware.LoginRequiredMiddleware",
    # Renews the session (the idle timeout) at most once a minute.
    "rattinsats.middleware.SessionRenewalMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "rattinsats.twofactor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "rattinsats.middleware.RequestContextMiddleware",
    "rattinsats.middleware.NoStoreMiddleware",
    # Last, so that a lockout answers before any view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rattinsats.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            # Write-ahead log: readers do not block the writer, and a commit
            # does not wait for the disk (only checkpoints do); every page
            # view writes an audit event and the session.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    # No JIT: the app runs short queries, and PostgreSQL's JIT compiles the
    # results' aggregate (costed high for its subqueries) for about a second.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "rattinsats.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: Swedish first, English through Django i18n.
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", "Svenska"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language switch's choice is remembered for a year.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Uploads (signed consent forms) live outside the web root and are
        # only ever served through a permission-checked view.
        "OPTIONS": {
            "location": env.path("DJANGO_PRIVATE_MEDIA_ROOT", default=BASE_DIR / "var" / "uploads"),
            "base_url": None,
        },
    },
    "staticfiles": {
        "BACKEND": env.str(
            "DJANGO_STATICFILES_STORAGE",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        ),
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Several app servers (README, "Several app servers"): nothing that another
# server needs stays in one process's memory or on one machine's disk.
# Sessions, form drafts, login lockouts (django-axes) and two-factor
# throttling are database rows; uploads go through the storage above (a
# folder that every server mounts); the cache is Django's database cache,
# whose table a migration makes (rattinsats 0005), never the per-process
# memory cache.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "rattinsats_cache",
    }
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Sessions end after this many idle minutes: every request renews the cookie.
SESSION_IDLE_MINUTES = env.int("RATTINSATS_SESSION_IDLE_MINUTES", default=30)
# In the database, so that any app server serves any request of a session.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
# Renewed by rattinsats.middleware.SessionRenewalMiddleware at most once
# a minute, not written on every request.
SESSION_SAVE_EVERY_REQUEST = False
RATTINSATS_SESSION_RENEW_SECONDS = env.int("RATTINSATS_SESSION_RENEW_SECONDS", default=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Signed-in pages warn this many seconds before the idle timeout, with a
# button that keeps the session (static/js/session_timeout.js).
RATTINSATS_SESSION_WARNING_SECONDS = env.int("RATTINSATS_SESSION_WARNING_SECONDS", default=120)

# Security headers. Each can be switched by its own variable (for a local
# run over plain HTTP); with DEBUG off they are all on.
SECURE = not DEBUG
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=SECURE)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=SECURE)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("DJANGO_BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A load balancer asks the app servers for their health over plain HTTP
# (README, "Health checks"); these two answer it without the HTTPS redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Bootstrap draws form controls' icons as data: SVG images.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# Permissions-Policy on every response (django-permissions-policy): the app
# uses none of these browser features, so none is allowed, not even to
# itself; interest-cohort and browsing-topics keep it out of ad profiling.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "ambient-light-sensor",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "clipboard-read",
        "clipboard-write",
        "compute-pressure",
        "display-capture",
        "document-domain",
        "encrypted-media",
        "fullscreen",
        "gamepad",
        "geolocation",
        "gyroscope",
        "hid",
        "identity-credentials-get",
        "idle-detection",
        "interest-cohort",
        "keyboard-map",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "otp-credentials",
        "payment",
        "picture-in-picture",
        "private-state-token-issuance",
        "private-state-token-redemption",
        "publickey-credentials-create",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "shared-storage",
        "shared-storage-select-url",
        "speaker-selection",
        "storage-access",
        "sync-xhr",
        "usb",
        "web-share",
        "window-management",
        "xr-spatial-tracking",
    )
}

# Brute-force protection: a username from one address is locked out after
# a few failed attempts, for a while.
AXES_FAILURE_LIMIT = env.int("RATTINSATS_LOGIN_FAILURE_LIMIT", default=5)
# Failed attempts are counted in the database, across every app server.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_COOLOFF_TIME = timedelta(minutes=env.int("RATTINSATS_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_IPWARE_PROXY_COUNT = env.int("RATTINSATS_PROXY_COUNT", default=0) or None

ANONYMOUS_USER_NAME = None  # django-guardian: no anonymous user object
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

# E-mail: console in development, SMTP from the environment in production.
EMAIL_CONFIG = env.email_url(
    "DJANGO_EMAIL_URL",
    default="consolemail://" if DEBUG else "smtp://localhost:25",
)
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="ratt-insats@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The address people use to reach the app; e-mails link here.
SITE_URL = env.str("RATTINSATS_SITE_URL", default="http://127.0.0.1:8000")

# Feature switches and programme settings (README, "Konfiguration").
RATTINSATS_DELMAL_3_SHARE_TARGET = env.float("RATTINSATS_DELMAL_3_SHARE_TARGET", default=0.2)
RATTINSATS_SMALL_CELL_THRESHOLD = env.int("RATTINSATS_SMALL_CELL_THRESHOLD", default=0)
# The smallest cohort the steering group sees figures for (reports.protection);
# unset: 10 while the small-cell threshold is on, else off. Never below the
# threshold.
RATTINSATS_MIN_COHORT: int | None = env.int("RATTINSATS_MIN_COHORT", default=None)
# Two-factor login for the project team and administrators (off in debug,
# so that the demo runs without an authenticator app).
RATTINSATS_REQUIRE_2FA = env.bool("RATTINSATS_REQUIRE_2FA", default=not DEBUG)
OTP_TOTP_ISSUER = "Rätt insats"
# Each wrong code doubles the wait before the next attempt (1, 2, 4 … s);
# the same for wrong enrolment codes.
OTP_TOTP_THROTTLE_FACTOR = env.int("RATTINSATS_2FA_THROTTLE_FACTOR", default=1)
# The first app needs a one-time enrolment code from an administrator,
# valid this many hours (rattinsats.twofactor).
RATTINSATS_2FA_ENROLMENT_HOURS = env.int("RATTINSATS_2FA_ENROLMENT_HOURS", default=24)
# The admin never shows a device's secret or QR code to an administrator.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
RATTINSATS_CONSENT_RENEWAL_DAYS = env.int("RATTINSATS_CONSENT_RENEWAL_DAYS", default=30)
# Retention (gallring): participations that ended more than this many years
# ago are anonymised by `manage.py retention_anonymise`.
RATTINSATS_RETENTION_YEARS = env.int("RATTINSATS_RETENTION_YEARS", default=5)
# ... and nightly by the workers' schedule, at this local hour, when turned on.
RATTINSATS_RETENTION_NIGHTLY = env.bool("RATTINSATS_RETENTION_NIGHTLY", default=False)
RATTINSATS_RETENTION_HOUR = env.int("RATTINSATS_RETENTION_HOUR", default=2)

# Background jobs (README, "Background jobs"): Django's tasks API on the
# database backend, run by `manage.py run_worker` (one or more, on one or
# more machines). The tests set the immediate backend (tests/pytest_env.py).
TASKS = {
    "default": {
        "BACKEND": env.str("RATTINSATS_TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}
# A worker writes its heartbeat this often; one not heard from for the
# stale time counts as dead, and its running job is retried or failed.
RATTINSATS_WORKER_HEARTBEAT_SECONDS = env.float("RATTINSATS_WORKER_HEARTBEAT_SECONDS", default=5)
RATTINSATS_WORKER_STALE_SECONDS = env.int("RATTINSATS_WORKER_STALE_SECONDS", default=60)
# How often a job is tried in all: after its worker died, or a mail that failed.
RATTINSATS_JOB_MAX_ATTEMPTS = env.int("RATTINSATS_JOB_MAX_ATTEMPTS", default=3)
# A failed mail's next attempt waits this many minutes times the attempts so far.
RATTINSATS_MAIL_RETRY_MINUTES = env.int("RATTINSATS_MAIL_RETRY_MINUTES", default=5)
# Finished jobs' rows (and the schedule's records) are deleted after this many days.
RATTINSATS_JOB_RESULT_DAYS = env.int("RATTINSATS_JOB_RESULT_DAYS", default=14)
# A background export's file (rattinsats.file_jobs) may be downloaded for
# this many hours; the nightly pruning then removes it from the storage.
RATTINSATS_JOB_FILE_HOURS = env.int("RATTINSATS_JOB_FILE_HOURS", default=24)
# A running job writes its progress to the database at most this often.
RATTINSATS_JOB_PROGRESS_SECONDS = env.float("RATTINSATS_JOB_PROGRESS_SECONDS", default=1.0)
# The daily digest to each staff member: at this local hour; flags count as
# left unsent after this many days.
RATTINSATS_DIGEST_ENABLED = env.bool("RATTINSATS_DIGEST_ENABLED", default=True)
RATTINSATS_DIGEST_HOUR = env.int("RATTINSATS_DIGEST_HOUR", default=6)
RATTINSATS_DIGEST_UNSENT_FLAG_DAYS = env.int("RATTINSATS_DIGEST_UNSENT_FLAG_DAYS", default=7)
# /readyz (README, "Health checks"): a worker must have been seen within
# this many minutes (0: not checked), and the uploads' disk must have this
# much free space.
RATTINSATS_READY_WORKER_MINUTES = env.int("RATTINSATS_READY_WORKER_MINUTES", default=5)
RATTINSATS_READY_MIN_FREE_MB = env.int("RATTINSATS_READY_MIN_FREE_MB", default=500)
if not (0 <= RATTINSATS_DIGEST_HOUR <= 23 and 0 <= RATTINSATS_RETENTION_HOUR <= 23):
    raise ImproperlyConfigured(
        "RATTINSATS_DIGEST_HOUR and RATTINSATS_RETENTION_HOUR are hours, 0 to 23."
    )
# The goal-document workbook import (operations/workbook.py, page and
# command): the largest file, the most it may hold unpacked (as its zip
# declares, checked before it is opened), the most rows below the header,
# and how many of its problems are listed (the others are counted).
RATTINSATS_GOAL_IMPORT_MAX_BYTES = env.int(
    "RATTINSATS_GOAL_IMPORT_MAX_BYTES", default=5 * 1024 * 1024
)
RATTINSATS_GOAL_IMPORT_MAX_UNZIPPED_BYTES = env.int(
    "RATTINSATS_GOAL_IMPORT_MAX_UNZIPPED_BYTES", default=25 * 1024 * 1024
)
RATTINSATS_GOAL_IMPORT_MAX_ROWS = env.int("RATTINSATS_GOAL_IMPORT_MAX_ROWS", default=5000)
RATTINSATS_GOAL_IMPORT_MAX_PROBLEMS = env.int("RATTINSATS_GOAL_IMPORT_MAX_PROBLEMS", default=100)
# The employer workbook import (employers/workbook.py): largest file and
# most rows accepted.
RATTINSATS_EMPLOYER_IMPORT_MAX_BYTES = env.int(
    "RATTINSATS_EMPLOYER_IMPORT_MAX_BYTES", default=2 * 1024 * 1024
)
RATTINSATS_EMPLOYER_IMPORT_MAX_ROWS = env.int("RATTINSATS_EMPLOYER_IMPORT_MAX_ROWS", default=2000)
RATTINSATS_EMPLOYER_IMPORT_MAX_UNZIPPED_BYTES = env.int(
    "RATTINSATS_EMPLOYER_IMPORT_MAX_UNZIPPED_BYTES", default=20 * 1024 * 1024
)

# Digital consent (README, "Digital consent"): the participant's one-time
# signing link works this many hours after it is sent; the public signing
# page takes at most so many requests per IP address and per link in each
# window (counted in the database, shared by all app servers). SMS go
# through an e-mail-to-SMS gateway: an address with "{number}" for the
# number (e.g. "{number}@sms.example.se"); empty: no SMS.
RATTINSATS_SIGNING_LINK_HOURS = env.int("RATTINSATS_SIGNING_LINK_HOURS", default=72)
RATTINSATS_SIGNING_RATE_WINDOW_SECONDS = env.int(
    "RATTINSATS_SIGNING_RATE_WINDOW_SECONDS", default=600
)
RATTINSATS_SIGNING_RATE_PER_IP = env.int("RATTINSATS_SIGNING_RATE_PER_IP", default=30)
RATTINSATS_SIGNING_RATE_PER_LINK = env.int("RATTINSATS_SIGNING_RATE_PER_LINK", default=15)
RATTINSATS_SMS_GATEWAY = env.str("RATTINSATS_SMS_GATEWAY", default="")
if RATTINSATS_SMS_GATEWAY and "{number}" not in RATTINSATS_SMS_GATEWAY:
    raise ImproperlyConfigured('RATTINSATS_SMS_GATEWAY must contain "{number}".')

# BankID (README, "BankID"): signing consents through BankID's relying-party
# API v6 (signing.bankid). Off while the endpoint is empty. The endpoint is
# "test" (BankID's public test environment; without a certificate of our
# own, BankID's public test RP certificate bundled with pybankid),
# "production", or an https URL ending in /rp/v6.0/ (the tests' stand-in).
# The RP certificate and its key are PEM files (a PEM holding both may leave
# the key empty); the CA certificate is the root BankID's server certificate
# must chain to (for "test" and "production", BankID's roots bundled with
# pybankid unless given). The timeout is in seconds, for each request.
RATTINSATS_BANKID_ENDPOINT = env.str("RATTINSATS_BANKID_ENDPOINT", default="")
RATTINSATS_BANKID_CERT = env.str("RATTINSATS_BANKID_CERT", default="")
RATTINSATS_BANKID_KEY = env.str("RATTINSATS_BANKID_KEY", default="")
RATTINSATS_BANKID_CA_CERT = env.str("RATTINSATS_BANKID_CA_CERT", default="")
RATTINSATS_BANKID_TIMEOUT = env.float("RATTINSATS_BANKID_TIMEOUT", default=10.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_personnummer": {"()": "rattinsats.logging.MaskPersonnummerFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["mask_personnummer"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # Never e-mail tracebacks: they would carry request data.
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # WeasyPrint reports every layout step of a PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # pikepdf announces its logging bridge at INFO on import.
        "pikepdf": {"level": "WARNING"},
        # The tasks framework logs every job's start and end at INFO; the
        # worker (run_worker -v 1 or more) turns that back on for itself.
        "django_tasks": {"level": "WARNING"},
        # The BankID client's HTTP library logs each request's URL and status
        # at INFO (never a body); signing.bankid logs its errors by code.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
