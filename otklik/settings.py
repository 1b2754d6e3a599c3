"""Otklik settings: one file, driven by environment variables.

Defaults are safe for production (DEBUG off, strict hosts, secure headers) and run the embedded
mode as it is: SQLite in WAL mode under ./var, media on the local disk, tasks in the database.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    return os.environ.get(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: str) -> int:
    return int(os.environ.get(name, default))


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("DATA_DIR", BASE_DIR / "var"))
DEBUG = envbool("DEBUG", "0")


def _secret_key() -> str:
    # An installation without SECRET_KEY gets its own random key, kept next to its data, so
    # the embedded mode never runs on a key that is published in the repository.
    if key := os.environ.get("SECRET_KEY"):
        return key
    # Processes starting together on a fresh installation (gunicorn's workers, the task worker)
    # must agree on one key: it is written whole to a file of its own, then linked into place,
    # which fails for every process but the first; the others read the first one's key.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        draft = DATA_DIR / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        draft.write_text(secrets.token_urlsafe(50))
        draft.chmod(0o600)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "otklik.accounts",
    "otklik.directory",
    "otklik.appeals",
    "otklik.control",
    "otklik.analytics",
    "otklik.notifications",
    "otklik.intelligence",
    "otklik.incidents",
    "otklik.inspections",
    "otklik.demo",
    "otklik.portal",
    "otklik.office",
    "otklik.api",
    "otklik.ops",
    "ninja",  # after our apps; serves the API docs' static files locally (no CDN)
]

MIDDLEWARE = [
    # Outermost: the request id, /metrics counters and the access line see the final answer.
    "otklik.ops.middleware.RequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "otklik.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "otklik.api.ratelimit.RateLimitMiddleware",
    "otklik.api.idempotency.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "otklik.accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "otklik.urls"
WSGI_APPLICATION = "otklik.wsgi.application"

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
                "django.template.context_processors.i18n",
                "otklik.office.context_processors.menu",
                "otklik.accounts.context_processors.roles",
            ],
        },
    },
]

# Database: PostgreSQL when DATABASE_URL is set, otherwise SQLite in WAL mode under DATA_DIR.
if os.environ.get("DATABASE_URL"):
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"],
            conn_max_age=envint("DB_CONN_MAX_AGE", "60"),
            conn_health_checks=True,
        )
    }
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(DATA_DIR / "otklik.sqlite3")),
            "OPTIONS": {
                # WAL lets the web server read while the worker writes; IMMEDIATE takes the
                # write lock at BEGIN so two writers queue instead of failing mid-transaction.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
# A PostgreSQL read replica for the analytics reads (KPI rollups, ranking, weekly review); every
# write and everything else stays on default. The router does nothing without it.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=envint("DB_CONN_MAX_AGE", "60"),
        conn_health_checks=True,
    )
    # Tests read the replica through the default test database.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["otklik.lib.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Language and time: Russian first, Moscow time unless the deployment says otherwise;
# each Region carries its own time zone for deadlines.
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Moscow")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Trained text models (weights files); private, never served.
MODELS_DIR = Path(os.environ.get("MODELS_DIR", DATA_DIR / "models"))
# Files the product keeps but never serves (bulk import files).
PRIVATE_ROOT = Path(os.environ.get("PRIVATE_ROOT", DATA_DIR / "private"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
# Uploads on the local disk (MEDIA_ROOT) by default. STORAGE_BACKEND=s3, or S3_BUCKET alone, puts
# them in an S3-compatible bucket (django-storages): objects private, shown through signed links
# that expire, never overwritten; the private import files go to the same bucket under "private/"
# (lib/storage.py), so any machine's task worker reads what any web node received.
S3_STORAGE = "storages.backends.s3.S3Storage"
_storage_backend = os.environ.get("STORAGE_BACKEND", "").strip()
if _storage_backend.lower() == "s3" or (not _storage_backend and os.environ.get("S3_BUCKET")):
    _storage_backend = S3_STORAGE
S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL", "")
S3_OPTIONS = {
    "bucket_name": os.environ.get("S3_BUCKET") or os.environ.get("AWS_STORAGE_BUCKET_NAME", ""),
    "endpoint_url": S3_ENDPOINT_URL or None,
    "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
    # Unset: boto3's own chain (environment, instance role).
    "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
    "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
    "location": os.environ.get("AWS_LOCATION", ""),
    "default_acl": "private",
    "querystring_auth": True,
    "querystring_expire": envint("AWS_QUERYSTRING_EXPIRE", "3600"),
    "file_overwrite": False,
    # MinIO and most S3-compatible services want bucket names in the path.
    "addressing_style": os.environ.get("AWS_S3_ADDRESSING_STYLE")
    or ("path" if S3_ENDPOINT_URL else None),
}


def _media_origin() -> str:
    """Where signed media links point, for the Content-Security-Policy's img-src."""
    if origin := os.environ.get("MEDIA_ORIGIN"):
        return origin
    if _storage_backend != S3_STORAGE:
        return ""
    bucket = S3_OPTIONS["bucket_name"]
    if S3_ENDPOINT_URL:
        scheme, _sep, rest = S3_ENDPOINT_URL.partition("://")
        host = rest.split("/", 1)[0]
        virtual = S3_OPTIONS["addressing_style"] == "virtual"
        return f"{scheme}://{bucket}.{host}" if virtual else f"{scheme}://{host}"
    region = S3_OPTIONS["region_name"]
    regional = f" https://{bucket}.s3.{region}.amazonaws.com" if region else ""
    return f"https://{bucket}.s3.amazonaws.com{regional}"


MEDIA_ORIGIN = _media_origin()
STORAGES = {
    "default": {
        # The local disk through lib/file_writes.py: no partial file when the disk is full.
        "BACKEND": _storage_backend or "otklik.lib.file_writes.FileSystemStorage",
        **({"OPTIONS": S3_OPTIONS} if _storage_backend == S3_STORAGE else {}),
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}
# Uploads: photos only, re-encoded (otklik/lib/images.py); the limits are per file and per appeal.
UPLOAD_MAX_BYTES = envint("UPLOAD_MAX_BYTES", str(10 * 1024 * 1024))
UPLOAD_MAX_FILES = envint("UPLOAD_MAX_FILES", "5")
UPLOAD_MAX_PIXELS = envint("UPLOAD_MAX_PIXELS", str(40_000_000))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# A cache every process and machine shares (the figures of the public pages, list totals, rate
# limits, login throttling): in the database, like the task queue; REDIS_URL alone switches it to
# Redis, through a backend that serves it from local memory while Redis is down (lib/cache.py).
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "otklik.lib.cache.ResilientRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "otklik"),
            "TIMEOUT": 600,
            "OPTIONS": {
                "socket_connect_timeout": float(os.environ.get("REDIS_CONNECT_TIMEOUT", "0.25")),
                "socket_timeout": float(os.environ.get("REDIS_TIMEOUT", "0.5")),
                "retry_after": float(os.environ.get("REDIS_RETRY_AFTER", "5")),
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": os.environ.get(
                "CACHE_BACKEND", "django.core.cache.backends.db.DatabaseCache"
            ),
            "LOCATION": os.environ.get("CACHE_LOCATION", "otklik_cache"),
            "TIMEOUT": 600,
        }
    }

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# A task left RUNNING by a worker that died goes back to the queue (lib/task_recovery.py): on
# PostgreSQL when no worker holds its lease and it started this long ago, on SQLite after the
# longer time.
TASK_RECOVERY_GRACE_SECONDS = envint("TASK_RECOVERY_GRACE_SECONDS", "60")
TASK_STALE_SECONDS = envint("TASK_STALE_SECONDS", "3600")
# A process checks the version of its reference data (directory/reference.py) at most this often;
# a change made elsewhere is seen within it (0: on every request).
REFERENCE_CHECK_SECONDS = float(os.environ.get("REFERENCE_CHECK_SECONDS", "1"))
# KPIs and rankings of the REST API are kept until the rollups change; while they change every
# second (a storm), a kept figure is still served this many seconds (analytics/figures_cache.py).
ANALYTICS_FIGURES_MAX_STALE = envint("ANALYTICS_FIGURES_MAX_STALE", "30")

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
# With EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend (the embedded mode's
# default) letters are files here, one per sending process run.
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", "25")
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "0")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Otklik <noreply@localhost>")

# Security. HTTPS=1 behind a TLS-terminating proxy turns on redirects, HSTS and secure cookies;
# the embedded mode serves plain HTTP on loopback and leaves it off.
HTTPS = envbool("HTTPS", "0")
SECURE_SSL_REDIRECT = HTTPS
# Probes and Prometheus talk plain HTTP to the app server, behind the TLS proxy.
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^ready/$", r"^metrics$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "31536000") if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", str(12 * 3600))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")

# Field inspections (docs/inspections.md): road distances from an OSRM server's table API when
# OSRM_URL is set, else the straight line × the detour factor at a town speed; the day's points.
OSRM_URL = os.environ.get("OSRM_URL", "")
OSRM_TIMEOUT = float(os.environ.get("OSRM_TIMEOUT", "10"))
INSPECTION_DETOUR_FACTOR = float(os.environ.get("INSPECTION_DETOUR_FACTOR", "1.3"))
INSPECTION_SPEED_KMH = float(os.environ.get("INSPECTION_SPEED_KMH", "25"))
INSPECTION_SOLVER_SECONDS = float(os.environ.get("INSPECTION_SOLVER_SECONDS", "5"))
INSPECTION_POINTS_PER_MUNICIPALITY = envint("INSPECTION_POINTS_PER_MUNICIPALITY", "40")
INSPECTION_CLUSTER_METRES = envint("INSPECTION_CLUSTER_METRES", "100")
INSPECTION_SERVICE_MINUTES = envint("INSPECTION_SERVICE_MINUTES", "15")
INSPECTION_LOOKBACK_DAYS = envint("INSPECTION_LOOKBACK_DAYS", "90")
INSPECTION_INSTRUCTION_DAYS = envint("INSPECTION_INSTRUCTION_DAYS", "3")
CONTENT_SECURITY_POLICY = os.environ.get(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; img-src 'self' data: blob: https://*.tile.openstreetmap.org "
    f"https://tile.openstreetmap.org{' ' + MEDIA_ORIGIN if MEDIA_ORIGIN else ''}; "
    "style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'",
)

# Logs: plain text for the embedded mode; LOG_FORMAT=json writes one JSON object a line (time in
# UTC, level, logger, message, request id, user id, exception) for a log collector
# (otklik/lib/logging.py). ACCESS_LOG adds a line per request (on by default with json; gunicorn
# writes its own access log in the embedded mode).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
ACCESS_LOG = envbool("ACCESS_LOG", "1" if LOG_FORMAT == "json" else "0")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "otklik.lib.logging.RequestContextFilter"}},
    "formatters": {"json": {"()": "otklik.lib.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request"],
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Operations (docs/operations.md). /metrics: with METRICS_TOKEN a bearer token is required,
# without it only loopback clients (no proxy headers) are answered.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# The database figures of /metrics are read at most this often (shared cache).
METRICS_CACHE_SECONDS = envint("METRICS_CACHE_SECONDS", "15")
# Set for gunicorn with several workers: their request counters are summed from files here
# (emptied before the server starts).
PROMETHEUS_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
# `manage.py backup` writes here unless --output says otherwise; pg_dump/pg_restore are looked
# up in PG_BIN_DIR, then on PATH, then in /usr/lib/postgresql/*/bin.
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", DATA_DIR / "backups"))
PG_BIN_DIR = os.environ.get("PG_BIN_DIR", "")
# 152-ФЗ: citizens' accounts unused this long (and without open appeals) are anonymised by
# `manage.py apply_retention`, daily from run_periodic; 0 turns it off. Finished background
# task results are deleted after TASK_RESULTS_KEEP_DAYS.
RETENTION_INACTIVE_DAYS = envint("RETENTION_INACTIVE_DAYS", str(3 * 365))
TASK_RESULTS_KEEP_DAYS = envint("TASK_RESULTS_KEEP_DAYS", "14")

# Domain defaults; a Region may override them (directory.Region).
# The follow-up questionnaire goes out this many days after closing; its link works this long.
FOLLOW_UP_AFTER_DAYS = envint("FOLLOW_UP_AFTER_DAYS", "28")
# The call centre's weekly list of verification calls (control.calls.draw_weekly).
CONTROL_CALLS_WEEKLY_SIZE = envint("CONTROL_CALLS_WEEKLY_SIZE", "200")
FOLLOW_UP_LINK_DAYS = envint("FOLLOW_UP_LINK_DAYS", "60")
# API: requests a minute from one address without a token (tokens carry their own rate).
API_ANON_RATE_PER_MINUTE = envint("API_ANON_RATE_PER_MINUTE", "120")
# Appeals filed in an hour from the portal (and by a citizen's API key): per person, per address.
FILING_RATE_PER_HOUR = envint("FILING_RATE_PER_HOUR", "10")
# Address suggestions of the report form: lookups a minute per person (0: no limit).
ADDRESS_SEARCH_RATE_PER_MINUTE = envint("ADDRESS_SEARCH_RATE_PER_MINUTE", "120")
FILING_RATE_PER_HOUR_PER_IP = envint("FILING_RATE_PER_HOUR_PER_IP", "30")
# Reverse proxies in front of the app whose X-Forwarded-For is trusted (0: the header is ignored
# and REMOTE_ADDR is the client): rate limits and the personal data log read the client from it.
TRUSTED_PROXIES = envint("TRUSTED_PROXIES", "0")
# Open311 discovery: the contact of the service (DEFAULT_FROM_EMAIL when unset).
OPEN311_CONTACT = os.environ.get("OPEN311_CONTACT", "")
# Staff (anyone with a role, or admin access) confirm each login with a code from an
# authenticator app (TOTP); citizens are not asked (otklik/accounts/two_factor.py).
STAFF_TWO_FACTOR = envbool("STAFF_TWO_FACTOR", "1")
# Login throttling (otklik/accounts/lockout.py): this many failed attempts (password or code)
# within the window lock the account — or the client address — for LOGIN_LOCKOUT_MINUTES.
LOGIN_FAILURES_PER_ACCOUNT = envint("LOGIN_FAILURES_PER_ACCOUNT", "5")
LOGIN_FAILURES_PER_ADDRESS = envint("LOGIN_FAILURES_PER_ADDRESS", "50")
LOGIN_FAILURE_WINDOW_MINUTES = envint("LOGIN_FAILURE_WINDOW_MINUTES", "15")
LOGIN_LOCKOUT_MINUTES = envint("LOGIN_LOCKOUT_MINUTES", "15")
# Webhooks to private/loopback addresses: only for tests or a closed embedded installation.
WEBHOOK_ALLOW_PRIVATE = envbool("WEBHOOK_ALLOW_PRIVATE", "0")
OTKLIK_DEFAULT_REGION_CODE = os.environ.get("OTKLIK_DEFAULT_REGION_CODE", "48")
OTKLIK_CALENDAR_YEARS = (
    envint("CALENDAR_FIRST_YEAR", "2020"),
    envint("CALENDAR_LAST_YEAR", "2030"),
)
