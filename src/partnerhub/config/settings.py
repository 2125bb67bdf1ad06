"""Partner Hub settings: one module, everything configurable comes from the environment."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
import dj_email_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent
REPO_ROOT = PACKAGE_DIR.parent.parent
DATA_DIR = Path(os.environ.get("PARTNERHUB_DATA_DIR", REPO_ROOT / "var")).resolve()


def _flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


DEBUG = _flag("DEBUG")
TESTING = _flag("PARTNERHUB_TESTING")
# Kill -9 tests only, and only under PARTNERHUB_TESTING: the step after which a calling refresh
# announces itself and waits to be killed (tests/test_calling_refresh.py), and the point where a
# load does (tests/reliability/test_load_faults.py). Empty: no pause, whatever the environment.
TEST_REFRESH_PAUSE_AT = os.environ.get("PARTNERHUB_REFRESH_PAUSE", "") if TESTING else ""
TEST_LOAD_PAUSE_AT = os.environ.get("PARTNERHUB_TEST_PAUSE_AT", "") if TESTING else ""
# A development key is generated into the data directory so no secret lives in the repository.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    key_file = DATA_DIR / "secret_key"
    try:
        SECRET_KEY = key_file.read_text().strip()
    except FileNotFoundError:
        import secrets

        DATA_DIR.mkdir(parents=True, exist_ok=True)
        SECRET_KEY = secrets.token_urlsafe(50)
        key_file.write_text(SECRET_KEY)
        key_file.chmod(0o600)

ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# Business settings (docs/reference/rules.md#settings); the as-of date is read only by core.clock.
PARTNERHUB_TODAY = os.environ.get("PARTNERHUB_TODAY") or None
EXPIRING_SOON_DAYS = int(os.environ.get("EXPIRING_SOON_DAYS", "30"))
NO_RECENT_ACTIVITY_DAYS = int(os.environ.get("NO_RECENT_ACTIVITY_DAYS", "30"))
TRIAL_DEFAULT_DAYS = int(os.environ.get("TRIAL_DEFAULT_DAYS", "90"))
LOW_ASSIGNMENT_FACTOR = float(os.environ.get("LOW_ASSIGNMENT_FACTOR", "0.5"))
POOR_LOSS_PCT = float(os.environ.get("POOR_LOSS_PCT", "5"))
POOR_JITTER_MS = float(os.environ.get("POOR_JITTER_MS", "150"))
POOR_LATENCY_MS = float(os.environ.get("POOR_LATENCY_MS", "400"))
POOR_MOS = float(os.environ.get("POOR_MOS", "3.0"))
HELPDESK_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


# Bounds on the work and storage one person's requests can cause (README, configuration).
def _whole_number(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ImproperlyConfigured(f"{name}: expected a whole number (0 or more), got {raw!r}")
    return int(raw)


# key:value terms of one customer query (each tag is a subquery: ~1,000 overflowed SQLite).
QUERY_MAX_TERMS = _whole_number("QUERY_MAX_TERMS", 50)
# New as-of dates per partner per hour whose analytics snapshot a page may build (today and
# dates already stored are free).
SNAPSHOT_NEW_DATES_PER_HOUR = _whole_number("SNAPSHOT_NEW_DATES_PER_HOUR", 10)
# Seconds between calling refreshes started by people (the weekly scheduler is exempt).
CALLING_REFRESH_MIN_INTERVAL_S = _whole_number("CALLING_REFRESH_MIN_INTERVAL_S", 600)
# The whole body of one helpdesk form (5 files of 10 MB and the text), refused before reading.
HELPDESK_MAX_UPLOAD_BYTES = _whole_number("HELPDESK_MAX_UPLOAD_BYTES", 51 * 1024**2)
# Helpdesk attachments stored per partner, all its cases together.
HELPDESK_PARTNER_QUOTA_BYTES = _whole_number("HELPDESK_PARTNER_QUOTA_BYTES", 1024**3)

# Signing in (accounts/backends.py, accounts/throttle.py). Failed sign-ins are counted in the
# database, so every worker and node shares the counters (no Redis needed), per window of
# LOGIN_LOCKOUT_SECONDS: an e-mail from one client address is refused after LOGIN_MAX_FAILURES;
# an e-mail from any address after LOGIN_IDENTITY_MAX_FAILURES (lifted by an e-mailed link or a
# password reset); a client address, whatever the e-mail, after LOGIN_IP_MAX_FAILURES.
AUTHENTICATION_BACKENDS = ["partnerhub.accounts.backends.EmailBackend"]
LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
LOGIN_IDENTITY_MAX_FAILURES = int(os.environ.get("LOGIN_IDENTITY_MAX_FAILURES", "20"))
LOGIN_IP_MAX_FAILURES = int(os.environ.get("LOGIN_IP_MAX_FAILURES", "50"))
LOGIN_LOCKOUT_SECONDS = int(os.environ.get("LOGIN_LOCKOUT_SECONDS", "900"))
# The client address is REMOTE_ADDR unless the operator names the header its proxies set (e.g.
# X-Forwarded-For) and how many proxies append to it: the address that many hops from the
# right is the client's. An unconfigured header is never trusted (anyone can send one).
PARTNERHUB_TRUSTED_PROXY_HEADER = os.environ.get("PARTNERHUB_TRUSTED_PROXY_HEADER", "").strip()
_proxy_count = os.environ.get("PARTNERHUB_TRUSTED_PROXY_COUNT", "1").strip()
if not (_proxy_count.isdigit() and int(_proxy_count) >= 1):
    raise ImproperlyConfigured(
        f"PARTNERHUB_TRUSTED_PROXY_COUNT: expected a whole number of proxies (1 or more), "
        f"got {_proxy_count!r}"
    )
PARTNERHUB_TRUSTED_PROXY_COUNT = int(_proxy_count)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "partnerhub.core.apps.Config",
    "partnerhub.accounts.apps.Config",
    "partnerhub.customers.apps.Config",
    "partnerhub.subscriptions.apps.Config",
    "partnerhub.tags.apps.Config",
    "partnerhub.activity.apps.Config",
    "partnerhub.trials.apps.Config",
    "partnerhub.orgs.apps.Config",
    "partnerhub.ingest.apps.Config",
    "partnerhub.demo.apps.Config",
    "partnerhub.analytics.apps.Config",
    "partnerhub.calling.apps.Config",
    "partnerhub.resources.apps.Config",
    "partnerhub.helpdesk.apps.Config",
    "partnerhub.alerts.apps.Config",
    "partnerhub.webhooks.apps.Config",
    "partnerhub.signins.apps.Config",
    "partnerhub.twostep.apps.Config",
    "partnerhub.sso.apps.Config",
    "partnerhub.jobs.apps.Config",
    "partnerhub.api.apps.Config",
    # django-allauth: its `mfa` app (authenticator apps, security keys, recovery codes) with
    # `account` underneath. Partner Hub keeps its own throttled password page and hands the
    # signed-in person to allauth's login stages. Last, so the twostep app's templates dress
    # allauth's pages in Partner Hub's frame.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Single sign-on per partner (the sso app): allauth's OpenID Connect client, one SocialApp
    # per partner's identity provider.
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "partnerhub.core.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "partnerhub.core.nulguard.RejectNulFormMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # allauth's login stages and re-authentication prompts.
    "allauth.account.middleware.AccountMiddleware",
    # After LocaleMiddleware (cookie, Accept-Language): a signed-in person's own choice wins.
    "partnerhub.core.middleware.PersonLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Sessions' last seen, idle timeout and lifetime (signins/middleware.py): after the sign-in
    # and the messages, before the pages.
    "partnerhub.signins.middleware.SessionActivityMiddleware",
    # A person who must use two-step sign-in and has not set it up reaches only its set-up.
    "partnerhub.twostep.middleware.TwoStepRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "partnerhub.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "partnerhub.config.urls"
WSGI_APPLICATION = "partnerhub.config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "partnerhub.core.context_processors.shell",
            ],
        },
    }
]

DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'partnerhub.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA busy_timeout=20000; PRAGMA cache_size=-65536;",
        "transaction_mode": "IMMEDIATE",
    }
    # SQLite has no covering indexes: the user-week rollup's (user, week) index simply goes
    # without its included columns there (activity.UserCallWeek); nothing to warn about.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("TEST", {})
    if os.environ.get("PARTNERHUB_TEST_DB"):
        DATABASES["default"]["TEST"]["NAME"] = os.environ["PARTNERHUB_TEST_DB"]

# Parallel workers per query of the calling refresh (PostgreSQL). The leader process works too,
# so on a database host of N cores N - 1 workers keep every core busy without oversubscribing
# (measured on 2 cores, the refresh's calls pass: 1 worker 1.87 s, the server default of 2:
# 2.25 s). The default applies when the database runs on this machine (its cores are known);
# otherwise, or with CALLING_REFRESH_WORKERS="", the server's own setting stays.
CALLING_REFRESH_WORKERS: int | None = None
if "CALLING_REFRESH_WORKERS" in os.environ:
    _workers = os.environ["CALLING_REFRESH_WORKERS"].strip()
    if _workers and not (_workers.isdigit() and int(_workers) >= 0):
        raise ImproperlyConfigured(
            f"CALLING_REFRESH_WORKERS: expected a whole number of workers (0 or more) or "
            f"nothing, got {_workers!r}"
        )
    CALLING_REFRESH_WORKERS = int(_workers) if _workers else None
elif (DATABASES["default"].get("HOST") or "") in ("", "127.0.0.1", "localhost"):
    CALLING_REFRESH_WORKERS = max((os.cpu_count() or 2) - 1, 1)

REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Background and scheduled work through Django's tasks API: the embedded default runs tasks in
# the process that enqueues them; `TASKS_BACKEND=database` queues them for `partnerhub db_worker`.
_tasks_backend = os.environ.get("TASKS_BACKEND", "immediate")
TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
        }[_tasks_backend]
    }
}

# Events, webhooks and alerts (docs/reference/events.md): how long the outbox keeps events, and
# whether webhooks may go to private, loopback or link-local addresses and plain http (tests,
# intranet receivers; never on a shared installation).
EVENT_RETENTION_DAYS = int(os.environ.get("EVENT_RETENTION_DAYS", "90"))
WEBHOOKS_ALLOW_PRIVATE = _flag("WEBHOOKS_ALLOW_PRIVATE", False)

# POST /api/v1/ingest (ingest/body.py): bodies over a limit answer 413 before anything is written.
# The body as sent (gzip or not) is checked from Content-Length before it is read and again while
# it is read; the unpacked size while it is unpacked. A body of at most INGEST_INLINE_MAX_BYTES
# unpacked is loaded within the request if its lines are read and checked within
# INGEST_INLINE_MAX_SECONDS; anything larger or slower becomes a background job (202).
INGEST_MAX_BODY_BYTES = int(os.environ.get("INGEST_MAX_BODY_BYTES", str(64 * 1024**2)))
INGEST_MAX_UNPACKED_BYTES = int(os.environ.get("INGEST_MAX_UNPACKED_BYTES", str(512 * 1024**2)))
INGEST_INLINE_MAX_BYTES = int(os.environ.get("INGEST_INLINE_MAX_BYTES", str(4 * 1024**2)))
INGEST_INLINE_MAX_SECONDS = float(os.environ.get("INGEST_INLINE_MAX_SECONDS", "10"))

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    # A password like the person's own e-mail or name is refused (our user has no first/last name).
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ["email", "name"]},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Off unless PASSWORD_BREACHED_FILE names a local sorted "SHA1:count" file (no network).
    {"NAME": "partnerhub.core.validation.BreachedPasswordValidator"},
]
PASSWORD_BREACHED_FILE = os.environ.get("PASSWORD_BREACHED_FILE", "")

# Languages (README, "Languages"): a person's choice is `User.language`; before signing in the
# sign-in page's switcher sets the cookie below, else Accept-Language decides (core/language.py).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("pl", _("Polish"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Dates and numbers per language (partnerhub/formats/<lang>/formats.py over Django's own).
FORMAT_MODULE_PATH = ["partnerhub.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [
    ("vendor/tabler", REPO_ROOT / "node_modules/@tabler/core/dist"),
    ("vendor/tabler-icons", REPO_ROOT / "node_modules/@tabler/icons-webfont/dist"),
    ("vendor/htmx", REPO_ROOT / "node_modules/htmx.org/dist"),
    ("vendor/apexcharts", REPO_ROOT / "node_modules/apexcharts/dist"),
    # Swagger UI of /api/v1/docs (partnerhub/api/docs.py).
    ("vendor/swagger-ui", REPO_ROOT / "node_modules/swagger-ui-dist"),
    # Partner Hub's own app.js/app.css/<app>.js (src/partnerhub/static/partnerhub/).
    ("partnerhub", PACKAGE_DIR / "static" / "partnerhub"),
]
STATICFILES_DIRS = [d for d in STATICFILES_DIRS if Path(d[1]).exists()]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "uploads"  # outside the web root; served only through views

# E-mail (invitations, alerts, digests, disabled webhooks): `EMAIL_URL` such as
# smtp://user:password@mail.example.com:587/?tls=True (dj-email-url), else EMAIL_BACKEND, else the
# console (the demo prints e-mails).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
if os.environ.get("EMAIL_URL"):
    _email = dj_email_url.parse(os.environ["EMAIL_URL"])
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email["EMAIL_HOST"]
    EMAIL_PORT = _email["EMAIL_PORT"]
    EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
    EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
    EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
    EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
    EMAIL_TIMEOUT = _email["EMAIL_TIMEOUT"] or 30
    if _email["EMAIL_FILE_PATH"]:
        EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"]
# The address people reach Partner Hub at, for links in e-mails (digests, helpdesk, webhooks).
PARTNERHUB_BASE_URL = os.environ.get("PARTNERHUB_BASE_URL", "")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Partner Hub <no-reply@partnerhub.local>")

# Sessions and the sign-in audit (docs/guide/security.md). A session ends SESSION_COOKIE_AGE
# seconds after signing in however active it is (default 14 days), and after
# SESSION_IDLE_TIMEOUT_SECONDS without a request (default 12 hours; 0: never for idleness). Sign-ins
# are kept SIGN_IN_RETENTION_DAYS (default 365, a year).
SESSION_COOKIE_AGE = _whole_number("SESSION_COOKIE_AGE", 14 * 24 * 3600)
SESSION_IDLE_TIMEOUT_SECONDS = _whole_number("SESSION_IDLE_TIMEOUT_SECONDS", 12 * 3600)
SIGN_IN_RETENTION_DAYS = _whole_number("SIGN_IN_RETENTION_DAYS", 365)
SESSION_COOKIE_HTTPONLY = True

# Two-step sign-in (docs/guide/security.md): django-allauth's mfa app. PARTNERHUB_REQUIRE_MFA=true
# requires it of everyone; otherwise each partner's full administrator decides for their people.
PARTNERHUB_REQUIRE_MFA = _flag("PARTNERHUB_REQUIRE_MFA")
ACCOUNT_ADAPTER = "partnerhub.twostep.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
# Security notices (an authenticator added or removed, new recovery codes) are e-mailed.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Partner Hub: "
MFA_ADAPTER = "partnerhub.twostep.adapter.MFAAdapter"
# Single sign-on (the sso app): a partner's identity provider signs in people of its e-mail
# domain who already exist; it never creates anyone (sso/adapter.py). Providers come from the
# database (one per partner), none from settings.
SOCIALACCOUNT_ADAPTER = "partnerhub.sso.adapter.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS: dict[str, dict[str, object]] = {
    "openid_connect": {"OAUTH_PKCE_ENABLED": True}
}
# The second step of signing in goes through Partner Hub's sign-in throttle too.
MFA_FORMS = {"authenticate": "partnerhub.twostep.forms.ThrottledAuthenticateForm"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "Partner Hub"
MFA_RECOVERY_CODE_COUNT = 10
# Security keys need HTTPS, except on http://localhost (the demo and the browser tests).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG or TESTING or not _flag("PARTNERHUB_HTTPS")
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and _flag("PARTNERHUB_HTTPS"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

NINJA_PAGINATION_PER_PAGE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
