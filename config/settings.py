"""Talentdesk settings, read from the environment (see README.md, "Configuration").

With nothing configured the app runs on SQLite with Celery tasks executed eagerly, so
`make run` works on a bare machine. Production and CI set DATABASE_URL and CELERY_BROKER_URL.
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

from config.media import media_storage
from ops.log_settings import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
TESTING = env.bool("TESTING", default=False)

# A development key is only acceptable while DEBUG (or the test suite) is on.
if DEBUG or TESTING:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
else:
    SECRET_KEY = env.str("SECRET_KEY")

# The Django admin (staff with two-factor only) is off in production unless asked for.
ADMIN_ENABLED = env.bool("ADMIN_ENABLED", default=DEBUG)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Where people reach the site: the links printed by commands (create_agency) start with it.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # django.contrib.admin, signing in through allauth (two-factor, throttling): see
    # agencies/admin_site.py. Mounted at /admin/ only when ADMIN_ENABLED.
    "agencies.admin_apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_countries",
    "core",
    "agencies",
    "creators",
    "payouts",
    "campaigns",
    "moderation",
    "cockpit",
    "ops",
    "platforms",
    "leads",
    "rewards",
    "crisis",
    "reports",
    "demo",
]

MIDDLEWARE = [
    # /healthz and /readyz, answered before host checks, HTTPS redirects and sessions.
    "config.health.HealthCheckMiddleware",
    # The request id, one log line and the metrics of every other request (ops/).
    "ops.middleware.RequestObservabilityMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.DatabaseScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    # Last: a refused request still gets the user, language and scope of an ordinary page.
    "core.middleware.ControlCharacterMiddleware",
]

ROOT_URLCONF = "config.urls"
# The agency home (agencies:dashboard): the cockpit, an app above the tenant layer, which
# agencies/urls.py mounts by this name instead of importing it.
AGENCY_HOME_VIEW = "cockpit.views.home"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "agencies.context_processors.tenancy",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            # Write-ahead log, synced at checkpoints rather than at every commit: the embedded
            # default's commits (migrate makes ~80, one per migration and record) stop waiting
            # for the disk; a power cut can lose the last commits, never corrupt the file.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Row-level security (agencies/rls.py): the app connects as DATABASE_URL's role, which must
# neither own the tables nor bypass RLS; `migrate` connects as DATABASE_OWNER_URL's role (the
# tables' owner) when it is set. DATABASE_APP_ROLE names the app's role when the process logs in
# as another (the test suite logs in as the owner and switches for requests, tasks and scopes:
# core/db_scope.py).
DATABASE_OWNER_URL = env.str("DATABASE_OWNER_URL", default="")
DATABASE_APP_ROLE = env.str("DATABASE_APP_ROLE", default=DATABASES["default"].get("USER", ""))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# --- django-allauth: e-mail login, verification, throttling, TOTP ----------------------------
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
# Self-service sign-up is closed: people join an agency through an invitation.
ACCOUNT_ADAPTER = "agencies.adapters.AccountAdapter"
# Failed sign-ins are limited per client IP and per address *from that IP* (the "key" is
# address + IP, agencies/adapters.py), so a stranger cannot lock someone else out; the key's
# three windows are the back-off: 5 per 5 minutes, then 15 an hour, then 40 a day.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,100/h/ip,5/5m/key,15/h/key,40/d/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}
# Behind N proxies of our own, the client IP is the N-th address from the right of
# X-Forwarded-For; without this every visitor shares the proxy's IP and its rate limits.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Talentdesk"

# --- E-mail: console in development, SMTP from the environment in production ---------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Talentdesk <noreply@talentdesk.local>")

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("nl", _("Dutch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Uploaded and generated files: the filesystem, or an S3-compatible bucket when
# AWS_STORAGE_BUCKET_NAME is set (config/media.py).
STORAGES = {
    "default": media_storage(env),
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "config.staticfiles.CompressedStaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
CSV_IMPORT_MAX_BYTES = env.int("CSV_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
CSV_IMPORT_MAX_ROWS = env.int("CSV_IMPORT_MAX_ROWS", default=20_000)
# Payout statement and line CSVs: a month of a large roster (100,000 rows is about 12 MB).
STATEMENT_IMPORT_MAX_BYTES = env.int("STATEMENT_IMPORT_MAX_BYTES", default=32 * 1024 * 1024)
STATEMENT_IMPORT_MAX_ROWS = env.int("STATEMENT_IMPORT_MAX_ROWS", default=100_000)
# A 100,000-entry CAMT.053 is about 67 MB.
BANK_IMPORT_MAX_BYTES = env.int("BANK_IMPORT_MAX_BYTES", default=100 * 1024 * 1024)
# Files above this size are stored and imported by a Celery task, not in the web request.
BANK_IMPORT_ASYNC_BYTES = env.int("BANK_IMPORT_ASYNC_BYTES", default=5 * 1024 * 1024)
# CAMT.053/OFX: at most this many XML elements (about 33 per entry), and at most this many
# transactions in any file, so millions of tiny elements are refused, not built in memory.
BANK_IMPORT_MAX_XML_ELEMENTS = env.int("BANK_IMPORT_MAX_XML_ELEMENTS", default=6_000_000)
BANK_IMPORT_MAX_ENTRIES = env.int("BANK_IMPORT_MAX_ENTRIES", default=200_000)

# --- Security headers and cookies -----------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Database sessions, read by SQL written once per connection (core/sessions.py).
SESSION_ENGINE = "core.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env.bool("SECURE_COOKIES", default=not DEBUG and not TESTING)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
)

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "agencies.api_auth.PersonalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # One JSON reader with a depth limit for every body (core/request_json.py).
    "DEFAULT_PARSER_CLASSES": [
        "core.request_json.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api_pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"user": "600/min"},
    "DEFAULT_THROTTLE_CLASSES": ["core.throttling.UserRateThrottle"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Talentdesk API",
    "DESCRIPTION": "Agency back office for social-media creators. Every path is scoped to an "
    "agency; authenticate with a personal API token: `Authorization: Token <token>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI is served from our own static files (no CDN at run time).
    "ENUM_NAME_OVERRIDES": {
        "ContractStatusEnum": "campaigns.models.ContractStatus",
        "DeliverableStatusEnum": "campaigns.models.DeliverableStatus",
        "DeliverableKindEnum": "campaigns.models.DeliverableKind",
        "CurrencyEnum": "agencies.models.CURRENCY_CHOICES",
        "CreatorStatusEnum": "creators.models.CreatorStatus",
        "MessageKindEnum": "moderation.models.MessageKind",
    },
    # `<id:pk>` (core/converters.py): an integer of at most 18 digits.
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}},
    "SWAGGER_UI_DIST": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Loads the token scheme when a schema is generated, not at start-up (agencies/api_schema.py).
    "PREPROCESSING_HOOKS": ["agencies.api_schema.with_token_scheme"],
}

# --- Celery ---------------------------------------------------------------------------------
# The project's Celery app, created by agencies.tasking on first use (config/__init__.py).
TASKS_CELERY_APP = "config.celery.app"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
# Eager without a broker (the embedded default) and in the test suite, which calls tasks
# through their real entry point; tests that need a real worker start one themselves.
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=TESTING or not CELERY_BROKER_URL
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
# With acks_late a task is acknowledged when it ends; Redis hands one that was never
# acknowledged to another worker after the visibility timeout (seconds). It must exceed the
# longest task (the hard time limit), or a copy would start beside a task still running.
# A reconciliation run whose worker died is resumed much sooner, through its heartbeat.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=60 * 60)
if CELERY_VISIBILITY_TIMEOUT <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        "CELERY_VISIBILITY_TIMEOUT must be longer than CELERY_TASK_TIME_LIMIT "
        f"({CELERY_VISIBILITY_TIMEOUT} <= {CELERY_TASK_TIME_LIMIT})."
    )
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# Each app adds its periodic jobs here; the beat process (see README) runs them.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}
# Queues per workload (README, "Processes and queues"): more machines can run workers for
# the heavy ones against the same PostgreSQL and Redis. Routed by task name (a glob covers
# both spellings of an unnamed task); anything not named here goes to "default".
CELERY_TASK_DEFAULT_QUEUE = "default"
# Beat queues a heartbeat that a worker runs; /readyz shows when it last ran (config/health.py).
CELERY_BEAT_SCHEDULE["ops-heartbeat"] = {"task": "ops.heartbeat", "schedule": 30.0}
HEALTH_BACKGROUND_STALE_SECONDS = env.int("HEALTH_BACKGROUND_STALE_SECONDS", default=180)
CELERY_TASK_ROUTES = {
    "payouts.*bank_import_run": {"queue": "imports"},
    "payouts.*reconciliation_run": {"queue": "reconciliation"},
    "campaigns.sponsor_report_render": {"queue": "reports"},
    "payouts.tasks.evidence_pack_build": {"queue": "reports"},
    "creators.eligibility_scan": {"queue": "platform_sync"},
    "creators.agency_eligibility_scan": {"queue": "platform_sync"},
}
# Processes per worker (default: one per CPU).
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=None)
# On SIGTERM (REMAP_SIGTERM=SIGQUIT in the Procfile) a worker stops taking tasks, waits
# this long for those running, then stops the rest; being acks_late they go back to their
# queue for another worker. Keep it under the process manager's kill timeout.
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = env.float("CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT", default=20.0)
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(BASE_DIR / "celerybeat-schedule")
)

# --- Observability (ops/, README "Operations") -------------------------------------------------
# One JSON object per line in production, readable lines in development; every line carries
# the request id (and agency, task) it was written for.
LOG_FORMAT = env.str("LOG_FORMAT", default="console" if DEBUG else "json")
LOGGING = logging_config(LOG_FORMAT, env.str("LOG_LEVEL", default="INFO"))
# Celery keeps the logging configured above instead of installing its own on the root logger.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# /metrics answers 404 while unset; a scraper sends `Authorization: Bearer <token>`.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="development" if DEBUG else "production")
SENTRY_RELEASE = env.str("SENTRY_RELEASE", default="")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)

# whitenoise serves straight from the app folders in development and tests.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
# collectstatic compresses every file twice (gzip, brotli) on every release; source maps
# (14 MB of the API docs' bundles, fetched only by browser dev tools) are left as they are,
# which takes most of its time away.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
# Moderation: send scheduled automated replies/DMs and scan for SLA breaches every minute.
CELERY_BEAT_SCHEDULE.update(
    {
        "moderation-send-due-actions": {"task": "moderation.send_due_actions", "schedule": 60.0},
        "moderation-breach-scan": {"task": "moderation.breach_scan", "schedule": 60.0},
    }
)

# campaigns: contract renewal and expiry reminders (campaigns/tasks.py); idempotent per threshold.
CELERY_BEAT_SCHEDULE["campaigns-contract-reminders"] = {
    "task": "campaigns.contract_reminders",
    "schedule": 6 * 60 * 60,  # every 6 hours; each threshold is mailed once per contract
}

if TESTING:
    # Hashing cost is not what the suite tests, and it creates thousands of users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# creators: re-evaluate program eligibility daily and mail account managers about crossings.
CELERY_BEAT_SCHEDULE["creators-eligibility-scan"] = {
    "task": "creators.eligibility_scan",
    "schedule": 24 * 60 * 60,
}
# cockpit: the weekly digest, hourly so each agency's goes out from Monday 07:00 its own time
# (each member once a week: DigestSubscription.last_sent_week).
CELERY_BEAT_SCHEDULE["cockpit-weekly-digests"] = {
    "task": "cockpit.weekly_digests",
    "schedule": 60 * 60,
}
# creators: remind account managers when a rejected creator may apply to a program again.
CELERY_BEAT_SCHEDULE["creators-application-reminders"] = {
    "task": "creators.application_reminders",
    "schedule": 6 * 60 * 60,  # each rejection is reminded once (ProgramApplication.reminded_at)
}
# leads: the follow-up DM 24-48 h after an opt-in (leads/services.py; each lead once).
CELERY_BEAT_SCHEDULE["leads-follow-ups"] = {"task": "leads.follow_ups", "schedule": 15 * 60}
# crisis: remind the owners when the last crisis drill is more than a quarter old.
CELERY_BEAT_SCHEDULE["crisis-drill-reminders"] = {
    "task": "crisis.drill_reminders",
    "schedule": 24 * 60 * 60,  # once per agency and calendar quarter (DrillReminder)
}
# Rewards: bonus rules against the day's snapshots; an award per rule and asset at most once.
CELERY_BEAT_SCHEDULE["rewards-evaluate"] = {
    "task": "rewards.evaluate_agencies",
    "schedule": 24 * 60 * 60,
}
# Payouts: reconcile every agency that has new statements or bank transactions, hourly;
# every minute, resume the reconciliation runs whose worker died (no heartbeat for
# RECONCILIATION_HEARTBEAT_TIMEOUT seconds), giving one up after RECONCILIATION_MAX_ATTEMPTS
# starts.
CELERY_BEAT_SCHEDULE.update(
    {
        "payouts-reconcile-agencies": {"task": "payouts.reconcile_agencies", "schedule": 3600.0},
        "payouts-resume-stalled-runs": {"task": "payouts.resume_stalled_runs", "schedule": 60.0},
    }
)
RECONCILIATION_HEARTBEAT_TIMEOUT = env.int("RECONCILIATION_HEARTBEAT_TIMEOUT", default=180)
RECONCILIATION_MAX_ATTEMPTS = env.int("RECONCILIATION_MAX_ATTEMPTS", default=3)

# platforms: live connections (TikTok API for Business). Tokens are encrypted with
# PLATFORM_TOKEN_KEYS (comma-separated Fernet keys, the first encrypts; see README).
PLATFORM_TOKEN_KEYS = env.list("PLATFORM_TOKEN_KEYS", default=[])
TIKTOK_CLIENT_KEY = env.str("TIKTOK_CLIENT_KEY", default="")
TIKTOK_CLIENT_SECRET = env.str("TIKTOK_CLIENT_SECRET", default="")
TIKTOK_REDIRECT_URI = env.str(
    "TIKTOK_REDIRECT_URI", default=f"{SITE_URL}/platforms/tiktok/callback/"
)
TIKTOK_AUTH_URL = env.str("TIKTOK_AUTH_URL", default="https://www.tiktok.com/v2/auth/authorize/")
TIKTOK_API_BASE = env.str(
    "TIKTOK_API_BASE", default="https://business-api.tiktok.com/open_api/v1.3/"
)
TIKTOK_SCOPES = env.list(
    "TIKTOK_SCOPES",
    default=[
        "user.info.basic",
        "user.insights",
        "video.list",
        "video.insights",
        "comment.list",
        "comment.list.manage",
    ],
)
# A dotted path to a callable returning an httpx transport: only tests and the demo set it
# (the fake TikTok, platforms/fake_tiktok.py); production talks to TikTok itself.
# With DEBUG on and no TikTok app configured (`make run`), the demo's fake TikTok answers.
PLATFORMS_HTTP_TRANSPORT = env.str(
    "PLATFORMS_HTTP_TRANSPORT",
    default="platforms.fake_tiktok.transport" if DEBUG and not TIKTOK_CLIENT_KEY else "",
)
PLATFORMS_HTTP_TIMEOUT = env.float("PLATFORMS_HTTP_TIMEOUT", default=10.0)
# platforms: pull linked accounts (each account's videos daily, comments on an age-based
# cadence, platforms/sync.py) and deliver the outbox through live connections
# (platforms/delivery.py), on the platform_sync queue.
CELERY_BEAT_SCHEDULE.update(
    {
        "platforms-sync-due": {"task": "platforms.sync_due", "schedule": 300.0},
        "platforms-deliver-due": {"task": "platforms.deliver_due", "schedule": 60.0},
    }
)
CELERY_TASK_ROUTES["platforms.*"] = {"queue": "platform_sync"}
