"""Settings for the Social Prescribing Service, read from the environment (django-environ).

One module for every environment. `DATABASE_URL` chooses the database: the SQLite file `db.sqlite3` in
the project folder when unset (the embedded default for trying it out), PostgreSQL in production.
A `.env` file beside `manage.py` is read if present (see `.env.example`); real environment variables win.
With DEBUG off (production), every setting that has no safe default must be set, and a missing one stops
start-up with a message naming it: SECRET_KEY, DATABASE_URL, EMAIL_URL and SITE_URL.
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# ENV_FILE names another file (an empty one in the tests of these settings, so a developer's .env is not read).
environ.Env.read_env(os.environ.get("ENV_FILE", BASE_DIR / ".env"))

DEBUG = env.bool("DEBUG", default=False)


def required(name: str, development_default: str) -> str:
    """The setting `name` from the environment. With DEBUG off there is no default: a production server that
    silently wrote to a local SQLite file, printed its emails or linked to 127.0.0.1 would lose data."""
    value = env.str(name, default="")
    if value:
        return value
    if not DEBUG:
        raise ImproperlyConfigured(f"Set {name} in the environment (or DEBUG=on for local development).")
    return development_default


SECRET_KEY = required("SECRET_KEY", "insecure-development-key-do-not-use-in-production")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "sps.apps.SPSAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "sps",
    "referrals",
    "outcomes",
    "providers",
    "reports",
    "letters",
    "casework",
]

MIDDLEWARE = [
    "sps.middleware.CleanHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "sps.middleware.SessionLimitMiddleware",
    "sps.middleware.TwoFactorMiddleware",
    "sps.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out user or address before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lockout (django-axes): after AXES_FAILURE_LIMIT failed sign-ins for a username, or from an address, that
# username or address is locked out for AXES_COOLOFF_MINUTES. Failed and successful sign-ins are logged.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "sps.client_ip.client_ip"  # the client's address behind a proxy, not the proxy's
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"

ROOT_URLCONF = "sps.urls"
WSGI_APPLICATION = "sps.wsgi.application"

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
            ],
        },
    },
]

# With DEBUG on, unset or empty is the embedded SQLite default; with DEBUG off, SQLite only if named.
DATABASE_URL = required("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
# A connection is kept for CONN_MAX_AGE seconds between requests (0: one per request), and checked before a
# request reuses it, so that after a database restart only the requests made while it was down fail.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if DEBUG else 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Simultaneous saves wait their turn instead of failing with "database is locked": every transaction takes
    # the write lock when it begins (a read that later writes cannot be refused mid-way), and waits up to 20 s
    # for it. WAL lets pages be read while a save is written.
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }
# Reports read from a PostgreSQL streaming replica when REPORTS_DATABASE_URL names one; every write, and every other
# read, stays on DATABASE_URL (sps/db_router.py). In the tests the replica is the test database itself.
REPORTS_DATABASE_URL = env.str("REPORTS_DATABASE_URL", default="")
if REPORTS_DATABASE_URL:
    DATABASES["reports"] = {**env.db_url_config(REPORTS_DATABASE_URL), "TEST": {"MIRROR": "default"},
                            "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"], "CONN_HEALTH_CHECKS": True}
DATABASE_ROUTERS = ["sps.db_router.ReportsRouter"]
for database in DATABASES.values():
    if database["ENGINE"] == "django.db.backends.postgresql":
        # PostgreSQL's JIT compiler spent 0.5-0.8 s compiling queries that run in less (the directory, the reports at
        # national size), and saved nothing measurable on any query here. 16 MB for each sort or hash, not 4: the
        # reports' joins at national size then fit in memory instead of spilling to disk (3.7 -> 3.1 s; issue 13).
        database["OPTIONS"] = {**database.get("OPTIONS", {}), "options": "-c jit=off -c work_mem=16MB"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "sps.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["sps.formats"]

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files in production (run collectstatic); plain files while developing.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploaded import files wait here between the check and the confirmation.
IMPORT_DIR = env.path("IMPORT_DIR", default=BASE_DIR / "var" / "imports")
# The largest file the upload page takes (larger ones: `manage.py import` on the server).
IMPORT_MAX_MB = env.int("IMPORT_MAX_MB", default=100)
# The manager's Overview is worked out by a task and kept (reports/overview.py); older than this many seconds, it is
# worked out again (0: on every visit).
OVERVIEW_MAX_AGE = env.int("OVERVIEW_MAX_AGE", default=600)
# Seconds the commissioner's disclosed views of a financial year are kept before they are worked out again.
DISCLOSED_MAX_AGE = env.int("DISCLOSED_MAX_AGE", default=600)
# Where an upload's check and import run (reports/tasks.py, docs/imports.md), by TASKS_BACKEND:
# "immediate" (the default): in the web request itself, so `make run` needs nothing more;
# "database": queued in the database and run by `python manage.py db_worker`, a process of its own, so that a big
# file never holds a web worker (production; IMPORT_DIR must then be a folder the worker reads too).
TASKS_BACKENDS = {"immediate": "django_tasks.backends.immediate.ImmediateBackend",
                  "database": "django_tasks_db.DatabaseBackend"}
TASKS_BACKEND = env.str("TASKS_BACKEND", default="immediate")
if TASKS_BACKEND not in TASKS_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be {' or '.join(TASKS_BACKENDS)}, not {TASKS_BACKEND!r}.")
TASKS = {"default": {"BACKEND": TASKS_BACKENDS[TASKS_BACKEND]}}
# Provider staff see a person's name, phone and address while an onward referral is open and for this many
# days after it ends (providers.selectors.contact_details_shown); after that only the referral itself.
PROVIDER_CONTACT_DAYS = env.int("PROVIDER_CONTACT_DAYS", default=90)
# How people reach the service: printed on the summary left with them.
SERVICE_PHONE = env.str("SERVICE_PHONE", default="")
# Who the service is, as its letters to GP practices name it (issue 14): the custodian of the letter in the GP
# record is the organisation with this ODS code.
SERVICE_NAME = env.str("SERVICE_NAME", default="Social Prescribing Service")
SERVICE_ODS_CODE = env.str("SERVICE_ODS_CODE", default="")
# Closed referrals are kept this many years after they end, then listed for the manager to anonymise (issue 14;
# the NHS records retention schedule's period for such records).
RETENTION_YEARS = env.int("RETENTION_YEARS", default=8)
# Sending letters to GP practices over MESH (issue 14, docs/deployment.md): off unless MESH_URL is set.
MESH_URL = env.str("MESH_URL", default="")
MESH_MAILBOX = env.str("MESH_MAILBOX", default="")
MESH_PASSWORD = env.str("MESH_PASSWORD", default="")
MESH_SHARED_KEY = env.str("MESH_SHARED_KEY", default="")
MESH_CLIENT_CERT = env.str("MESH_CLIENT_CERT", default="")  # the mailbox's certificate file (PEM)
MESH_CLIENT_KEY = env.str("MESH_CLIENT_KEY", default="")  # its private key file (PEM)
MESH_CA_CERT = env.str("MESH_CA_CERT", default="")  # the CA bundle to check MESH's certificate with
MESH_WORKFLOW_ID = env.str("MESH_WORKFLOW_ID", default="GPFED_CONSULT_REPORT")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_CONFIG = environ.Env.email_url_config(required("EMAIL_URL", "consolemail://"))
vars().update(EMAIL_CONFIG)
# The address people use to reach the site, for links in emails.
SITE_URL = required("SITE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Social Prescribing Service <sps@localhost>")

SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# A session ends after 30 minutes without a request, 12 hours after signing in whatever happens
# (sps.middleware.SessionLimitMiddleware), and when the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_SAVE_EVERY_REQUEST = True  # each request starts the idle time again
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_MAX_HOURS = env.int("SESSION_MAX_HOURS", default=12)
# HTTPS: on by default in production (docs/security.md); off for local development and the tests' live server.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
# Two-factor authentication (django-otp, TOTP): required for the manager and the admin site, optional for
# everyone else (sps.middleware.TwoFactorMiddleware). The issuer names the service in the authenticator app.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Social Prescribing Service")
# Content-Security-Policy (django-csp): nothing from another host, no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
BEHIND_HTTPS_PROXY = env.bool("BEHIND_HTTPS_PROXY", default=False)
if BEHIND_HTTPS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Demo data: the password every demo login shares (seed_demo).
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="social-prescribing")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
