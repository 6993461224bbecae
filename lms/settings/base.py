"""Settings shared by every environment. Everything that differs comes from the environment."""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy

BASE_DIR = Path(__file__).resolve().parent.parent.parent
LMS_DIR = BASE_DIR / "lms"

# The process's environment only: `.env` is read by the entry points when asked (lms.dotenv).
env = environ.Env()

# Writable state of the embedded default (SQLite file, media, broker folders, exports).
DATA_DIR = Path(env.str("DJANGO_DATA_DIR", default=str(BASE_DIR / "data")))

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The product: installable beside a bureau's own Wagtail apps.
    "people",
    "courses",
    "certification",
    "hr",
    "cms",
    # Running it: backups, readiness checks, metrics (docs/deploy.md).
    "ops",
    "django_prometheus",
    # The HTTP API (docs/api.md): Django REST framework, its OpenAPI schema and reference.
    "api",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # LTI 1.3: other learning platforms launch our courses (docs/lti.md); django-lti's models.
    "lti",
    "lti_tool",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "wagtailmedia",
    "modelcluster",
    "taggit",
    "django_filters",
    # Accounts
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    # Django
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]
# Social providers are switched on by listing them, e.g. DJANGO_SOCIAL_PROVIDERS=weixin.
SOCIAL_PROVIDERS = env.list("DJANGO_SOCIAL_PROVIDERS", default=[])
INSTALLED_APPS += [f"allauth.socialaccount.providers.{name}" for name in SOCIAL_PROVIDERS]

MIDDLEWARE = [
    # Metrics (ops): django-prometheus wraps everything; each request's id and database time.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "ops.logs.RequestIdMiddleware",
    "ops.metrics.DatabaseTimeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "lms.middleware.ContentSecurityPolicyMiddleware",
    "lms.middleware.PermissionsPolicyMiddleware",
    # Uploads served here get their own CSP, nosniff and (but for video, audio, images) a download.
    "cms.middleware.UploadHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "people.replica.ReplicaPinMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "people.middleware.StaffTwoStepMiddleware",
    # A signed-in teacher opening /admin/ goes home with a reason, not round the log-in page.
    "lms.middleware.AdminAccessMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # A dropped or restarting database: 503 with Retry-After, the broken connection closed.
    "ops.middleware.DatabaseUnavailableMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

# Content-Security-Policy (django-csp): scripts, styles, media and requests only from this site.
# Style attributes stay allowed (progress bars set their width inline); lesson players embedded
# from a live platform load in frames over https. The Wagtail admin widens script-src only.
from csp.constants import NONE, SELF, UNSAFE_INLINE

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "media-src": [SELF, "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-src": [SELF, "https:"],
        "frame-ancestors": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
RELAXED_SCRIPT_PREFIXES = ("/admin/",)
# ... but the admin's log-in is the site's own page, under the strict policy.
STRICT_SCRIPT_PATHS = ("/admin/login/",)
# Browser features no page uses (the QR codes are scanned by the phone's own camera app).
PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), "
                      "magnetometer=(), microphone=(), payment=(), usb=()")
# Wagtail's page previews load the page in a same-origin frame.
X_FRAME_OPTIONS = "SAMEORIGIN"

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [LMS_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "people.context_processors.staff",
                "certification.context_processors.reviews",
            ],
        },
    },
]

DATABASES = {
    "default": env.db(
        "DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}"
    ),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and the Celery worker share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A PostgreSQL read replica (streaming replication, docs/deploy.md): the staff figure selectors
# read from it; writes, and reads after a write, stay on the primary (people.replica).
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
DATABASE_REPLICA_READS = bool(DATABASE_REPLICA_URL)
# After a request that wrote, the same browser reads the primary this long (replication lag).
DATABASE_REPLICA_PIN_SECONDS = env.int("DJANGO_DATABASE_REPLICA_PIN_SECONDS", default=10)
DATABASE_ROUTERS = ["people.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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

# --- Internationalisation: Chinese first, English complete beside it.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
# The account page offers the site's one time zone, not 500 English zone names.
WAGTAIL_USER_TIME_ZONES = ["Asia/Shanghai"]
# No autosave: in Wagtail 8 it made a draft page of every "add" a trainer opened and left
# (abandoned lessons stayed behind). Trainers save a draft or submit it themselves.
WAGTAIL_AUTOSAVE_INTERVAL = 0
LOCALE_PATHS = [LMS_DIR / "locale"]
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "static")))
STATICFILES_DIRS = [LMS_DIR / "static"]
MEDIA_URL = "/media/"
# Django serves uploaded media itself (with byte ranges, lms.media) only where no web server
# does: `make run`. In production nginx serves /media/.
SERVE_MEDIA = env.bool("DJANGO_SERVE_MEDIA", default=False)
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(DATA_DIR / "media")))
# Files that must never be served by the web server directly (exports, imports, PDFs):
# they are streamed by views that check the requester's scope.
PRIVATE_ROOT = Path(env.str("DJANGO_PRIVATE_ROOT", default=str(DATA_DIR / "private")))
STORAGES = {
    # Media on object storage at scale: e.g. DJANGO_MEDIA_STORAGE=storages.backends.s3.S3Storage
    # with its options as JSON (bucket_name, endpoint_url, ...), after installing django-storages.
    "default": {
        "BACKEND": env.str(
            "DJANGO_MEDIA_STORAGE", default="django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": env.json("DJANGO_MEDIA_STORAGE_OPTIONS", default={}),
    },
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_ROOT), "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- E-mail
EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
# With the file-based backend (django.core.mail.backends.filebased.EmailBackend).
EMAIL_FILE_PATH = env.str("DJANGO_EMAIL_FILE_PATH", default=str(DATA_DIR / "mail"))
EMAIL_HOST = env.str("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("DJANGO_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("DJANGO_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="心育研修 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Cache (allauth's rate limits count in it)
CACHES = {"default": env.cache("DJANGO_CACHE_URL", default=f"filecache://{DATA_DIR}/cache")}
# Sessions live in the database; with a shared in-memory cache (Redis) they are read through it,
# with no query per page. A file cache is not used for them: it culls a third of its entries
# whenever it is full, which costs more than the query it saves.
SESSION_ENGINE = ("django.contrib.sessions.backends.cached_db"
                  if "redis" in CACHES["default"]["BACKEND"].lower()
                  else "django.contrib.sessions.backends.db")

# --- Accounts (django-allauth). Accounts come from HR; self-signup is off unless switched on.
SITE_ID = 1
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_ADAPTER = "people.adapter.AccountAdapter"
ACCOUNT_SIGNUP_OPEN = env.bool("DJANGO_SIGNUP_OPEN", default=False)
# Teachers' usernames are their employee numbers (工号), so "username" means 工号 here.
# Text messages (people.sms): a backend's dotted path, none by default. Where one is set,
# allauth's phone support is on: log in by phone (password, or a one-time code by text).
SMS_BACKEND = env.str("DJANGO_SMS_BACKEND", default="")


def phone_login(sms_backend: str) -> tuple[set[str], bool]:
    """ACCOUNT_LOGIN_METHODS and ACCOUNT_LOGIN_BY_CODE_ENABLED for a text-message backend."""
    if not sms_backend:
        return {"email", "username"}, False
    return {"email", "username", "phone"}, True


ACCOUNT_LOGIN_METHODS, ACCOUNT_LOGIN_BY_CODE_ENABLED = phone_login(SMS_BACKEND)
# Aliyun SMS (SMS_BACKEND=people.sms.AliyunBackend): approved sign name and templates.
SMS_ALIYUN_ACCESS_KEY_ID = env.str("DJANGO_SMS_ALIYUN_ACCESS_KEY_ID", default="")
SMS_ALIYUN_ACCESS_KEY_SECRET = env.str("DJANGO_SMS_ALIYUN_ACCESS_KEY_SECRET", default="")
SMS_ALIYUN_SIGN_NAME = env.str("DJANGO_SMS_ALIYUN_SIGN_NAME", default="")
SMS_ALIYUN_CODE_TEMPLATE = env.str("DJANGO_SMS_ALIYUN_CODE_TEMPLATE", default="")
SMS_ALIYUN_NOTICE_TEMPLATE = env.str("DJANGO_SMS_ALIYUN_NOTICE_TEMPLATE", default="")
# Activation slips: how long a printed code stays valid.
ACTIVATION_CODE_DAYS = env.int("DJANGO_ACTIVATION_CODE_DAYS", default=30)
# Notices always appear in the site (the bell); these channels carry a kind of notice as well.
# Channels: "email" (to users with an address), "sms" (to log-in phones, with a backend).
NOTICE_CHANNELS = env.json("DJANGO_NOTICE_CHANNELS", default={
    "assignment.new": [],
    "assignment.overdue": ["email"],
    "application.decided": ["email"],
    "workload.returned": ["email"],
    "certificate.expiring": ["email"],
    "pace.behind": ["email"],
    "declaration.waiting": [],
})
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    # Activation slips (people.forms.ActivationForm): like failed log-ins, per address and 工号.
    "activate": "10/m/ip,5/5m/key",
}
ACCOUNT_FORMS = {"login": "people.forms.LoginForm",
                 "request_login_code": "people.forms.RequestLoginCodeForm",
                 "confirm_login_code": "people.forms.ConfirmLoginCodeForm"}
# A code by text message is six digits, as people expect one (allauth's default is eight
# letters); a log-in code sent by text takes the phone-verification format. allauth's limits
# stay: 3 attempts, 3 minutes, ACCOUNT_RATE_LIMITS.
SIX_DIGITS = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_LOGIN_BY_CODE_FORMAT = ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = SIX_DIGITS
# The client's address behind proxies we run (docs/deploy.md: nginx appends the address it saw
# to X-Forwarded-For): allauth takes the entry this many hops from the right, so a client's own
# X-Forwarded-For entries count for nothing. 0 (the default) trusts no header: REMOTE_ADDR.
# Log-in limits and /verify/'s quota both count by this address (people.access.client_ip).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
# Only a request from these addresses (or networks) may name its client in X-Forwarded-For:
# one that reaches gunicorn directly is counted under its own address (people.adapter).
TRUSTED_PROXIES = env.list("DJANGO_TRUSTED_PROXIES", default=["127.0.0.1", "::1"])
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env.str("DJANGO_TRUSTED_CLIENT_IP_HEADER", default="") or None
# Two-step verification (allauth.mfa): an authenticator app's codes, with recovery codes.
# HR and school admins see other people's records, so where STAFF_MFA_REQUIRED is on (the
# production default) they must set it up before any other page; teachers may opt in.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "心育研修"
# Accounts come from HR, never from self-signup, so an e-mail HR typed need not be verified.
MFA_ALLOW_UNVERIFIED_EMAIL = True
STAFF_MFA_REQUIRED = env.bool("DJANGO_STAFF_MFA_REQUIRED", default=False)

# The dashboard's and rates page's figures for an organisation and a date are computed once and
# shared for this many seconds (the rates page's by its viewers, the dashboard's by each
# viewer's reloads), then refreshed by a task; the page says when they were computed.
STAFF_FIGURES_MAX_AGE = env.int("DJANGO_STAFF_FIGURES_MAX_AGE", default=60)
# A subtree of more schools than this never computes a day's figures in a request: the page
# says 计算中 with the progress while a task computes them (0: always in the request).
STAFF_FIGURES_BACKGROUND_SCHOOLS = env.int("DJANGO_STAFF_FIGURES_BACKGROUND_SCHOOLS", default=300)
SOCIALACCOUNT_ENABLED = bool(SOCIAL_PROVIDERS)
SOCIALACCOUNT_PROVIDERS = {
    "weixin": {
        "APP": {
            "client_id": env.str("DJANGO_WEIXIN_APP_ID", default=""),
            "secret": env.str("DJANGO_WEIXIN_APP_SECRET", default=""),
        },
        # Inside WeChat's own browser use the in-app authorize endpoint instead of the QR page.
        "AUTHORIZE_URL": env.str(
            "DJANGO_WEIXIN_AUTHORIZE_URL", default="https://open.weixin.qq.com/connect/qrconnect"
        ),
    },
}

# --- Wagtail
WAGTAIL_SITE_NAME = "心育研修"
# The site's public address (https://xinyu.example.edu.cn), for links and QR codes printed on
# paper or sent by mail. Empty: a page or file asked for in a request uses the address that
# request came to (people.access.public_base_url); mail sent by a worker uses Wagtail's below.
BASE_URL = env.str("DJANGO_BASE_URL", default="")
WAGTAILADMIN_BASE_URL = BASE_URL or "http://127.0.0.1:8000"
# The admin login goes through allauth so that its rate limits apply there too.
WAGTAILADMIN_LOGIN_URL = "account_login"
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# The admin dashboard would ask releases.wagtail.org for a newer version: the site reaches no
# outside service (CSP blocks it and the superuser's console fills with errors).
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_I18N_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILEMBEDS_FINDERS = [{"class": "wagtail.embeds.finders.oembed"}]
WAGTAIL_ALLOW_UNICODE_SLUGS = True
# Uploads are allow-listed by extension and by their first bytes (cms/uploads.py): none can
# become a page of the site. Documents are always downloads, never shown inline.
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "pptx", "xlsx", "txt"]
WAGTAILDOCS_DOCUMENT_FORM_BASE = "cms.uploads.SafeDocumentForm"
WAGTAILDOCS_INLINE_CONTENT_TYPES = []
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAIL_USER_EDIT_FORM = None
WAGTAILMEDIA = {
    "MEDIA_MODEL": "wagtailmedia.Media",
    "MEDIA_FORM_BASE": "cms.uploads.SafeMediaForm",
    "AUDIO_EXTENSIONS": ["mp3", "m4a", "aac", "ogg", "oga", "wav", "flac"],
    "VIDEO_EXTENSIONS": ["mp4", "m4v", "mov", "webm", "ogv"],
}

# --- Celery. Unset broker: kombu's filesystem transport under DATA_DIR, so a real worker
# runs with no server to install. Set CELERY_BROKER_URL (e.g. redis://) at scale.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_FOLDER = DATA_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER / "queue"),
        "data_folder_out": str(CELERY_BROKER_FOLDER / "queue"),
        "processed_folder": str(CELERY_BROKER_FOLDER / "processed"),
        "store_processed": False,
        # Exchange bindings shared by every process (else kombu writes ./control).
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
    }
else:
    # Tasks run well under the visibility timeout, so an unacknowledged task is redelivered
    # only when its worker really died.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_ALWAYS_EAGER = env.bool("DJANGO_CELERY_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# Two queues, so a province export never delays a teacher's notice: heavy jobs (imports,
# exports, figure rebuilds, chain checks, backups) on "heavy", the rest (notices, reminders,
# mails, webhooks) on "default". `make run`'s worker consumes both; deploy.md runs one of each.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_HEAVY_TASKS = (
    "hr.tasks.job_preview", "hr.tasks.job_commit", "hr.tasks.job_export",
    "certification.figures_rebuild", "certification.figures_fill_part",
    "certification.page_figures_refresh",
    "certification.certificates_daily", "certification.records_verify",
    "certification.records_checkpoint", "courses.enrol_assignment_audiences",
    "ops.backup_nightly",
)
CELERY_TASK_ROUTES = {name: {"queue": "heavy"} for name in CELERY_HEAVY_TASKS}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# Periodic tasks (task name -> schedule), listed here, the one place that knows every app.
CELERY_BEAT_SCHEDULE: dict = {
    "people-employment-due": {
        "task": "people.employment_due",
        # Leavings and transfers dated ahead take effect on their day, before the night's figures.
        "schedule": crontab(hour=0, minute=20),
    },
    "certification-daily": {
        "task": "certification.certificates_daily",
        "schedule": crontab(hour=1, minute=10),
    },
    "certification-figures-rebuild": {
        "task": "certification.figures_rebuild",
        "schedule": crontab(hour=1, minute=40),  # after the daily renewals and expiries
    },
    "certification-expiry-reminders": {
        "task": "certification.expiry_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    "certification-pace-reminders": {
        "task": "certification.pace_reminders",
        "schedule": crontab(hour=8, minute=30, day_of_month=1),
    },
    "courses-assignment-audiences": {
        "task": "courses.enrol_assignment_audiences",
        "schedule": crontab(hour=1, minute=40),
    },
    # Hours for time present of live sessions that ended below the full share.
    "courses-live-sessions-credit": {"task": "courses.credit_live_sessions", "schedule": 900.0},
    "courses-overdue-reminders": {
        "task": "courses.send_overdue_reminders",
        "schedule": 60 * 60 * 6,  # the task itself sends at most one round a day per assignment
    },
    "hr-purge-job-files": {"task": "hr.tasks.jobs_purge", "schedule": 3600.0},
    "hr-report-round-reminders": {
        "task": "hr.tasks.report_round_reminders",
        "schedule": crontab(hour=8, minute=15),
    },
    "ops-backup-nightly": {
        "task": "ops.backup_nightly",
        "schedule": crontab(hour=3, minute=10),  # after the night's figures and checks
    },
    "certification-records-verify": {
        "task": "certification.records_verify",
        "schedule": crontab(hour=2, minute=40),
    },
    "certification-records-checkpoint": {
        "task": "certification.records_checkpoint",
        "schedule": crontab(hour=2, minute=55),  # after the check, before the backup
    },
}

# --- Tamper-evident records and signed certificates
# The key sealing the hash chains (HMAC); defaults to one derived from DJANGO_SECRET_KEY. Set
# it on its own so that rotating the secret key does not break every chain.
RECORDS_CHAIN_KEY = env.str("DJANGO_RECORDS_CHAIN_KEY", default="")
# The issuing authority's signing key and certificate (PEM paths) for certificate PDFs; see
# docs/deploy.md. Without them a self-signed pair is made in PRIVATE_ROOT/signing/ where
# allowed (the demo; production refuses).
CERTIFICATE_SIGNING_KEY = env.str("DJANGO_CERTIFICATE_SIGNING_KEY", default="")
CERTIFICATE_SIGNING_CERT = env.str("DJANGO_CERTIFICATE_SIGNING_CERT", default="")
CERTIFICATE_SIGNING_KEY_PASSPHRASE = env.str("DJANGO_CERTIFICATE_SIGNING_KEY_PASSPHRASE",
                                             default="")
# Certificates of earlier keys: PDFs they signed still verify after a rotation.
CERTIFICATE_SIGNING_PREVIOUS_CERTS = env.list("DJANGO_CERTIFICATE_SIGNING_PREVIOUS_CERTS",
                                              default=[])
CERTIFICATE_SIGNING_SELF_SIGNED = env.bool("DJANGO_CERTIFICATE_SIGNING_SELF_SIGNED", default=True)
# The largest PDF the public verification page accepts for a signature check.
CERTIFICATE_UPLOAD_MAX_BYTES = env.int("DJANGO_CERTIFICATE_UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)

# --- Certificates: numbers, authority, the public verification page's limit (docs/certification.md)
# The number's scheme; `region` is CERTIFICATE_REGION, else the code of the teacher's city.
CERTIFICATE_NUMBER_FORMAT = env.str("DJANGO_CERTIFICATE_NUMBER_FORMAT",
                                    default="{region}-{level}-{year}-{seq:05d}")
CERTIFICATE_REGION = env.str("DJANGO_CERTIFICATE_REGION", default="")
# The issuing authority printed on certificates; empty: "<the city's name>教育局".
CERTIFICATE_AUTHORITY = env.str("DJANGO_CERTIFICATE_AUTHORITY", default="")
# Look-ups a minute per address on /verify/.
CERTIFICATE_VERIFY_RATE = env.int("DJANGO_CERTIFICATE_VERIFY_RATE", default=30)

# --- Workload (docs/workload.md)
# The example terms until city HR import a calendar: key, label, start (month, day), end (month,
# day); an end before the start falls in the next calendar year (autumn runs 1 Sep – 31 Jan).
WORKLOAD_TERMS = [
    {"key": "spring", "label": gettext_lazy("Spring term"), "start": (2, 1), "end": (7, 31)},
    {"key": "autumn", "label": gettext_lazy("Autumn term"), "start": (9, 1), "end": (1, 31)},
]
# Hours a school day the counselling room must be open, in day and in boarding schools.
WORKLOAD_ROOM_HOURS_PER_DAY = {"day": "2", "boarding": "4"}

# --- HR desk (Excel imports and exports)
HR_IMPORT_MAX_BYTES = env.int("DJANGO_HR_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
HR_IMPORT_MAX_ROWS = env.int("DJANGO_HR_IMPORT_MAX_ROWS", default=200_000)
HR_FILE_RETENTION_DAYS = env.int("DJANGO_HR_FILE_RETENTION_DAYS", default=7)

# DJANGO_LOG_FORMAT=json (production's default): one JSON object a line, with the request id.
LOG_FORMAT = env.str("DJANGO_LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ops.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "ops.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                             "formatter": "json" if LOG_FORMAT == "json" else "text"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Wagtail's reference-index tasks log every run at INFO.
        "django_tasks": {"level": "WARNING"},
    },
}

# --- Running it (ops): backups, readiness, metrics, error reports
# Nightly archives (`manage.py backup`) land here; keep this folder on another disk or copy it
# off the machine. DJANGO_BACKUP_STORAGE names a STORAGES alias (e.g. object storage) that also
# receives each archive.
BACKUP_DIR = Path(env.str("DJANGO_BACKUP_DIR", default=str(DATA_DIR / "backups")))
BACKUP_STORAGE = env.str("DJANGO_BACKUP_STORAGE", default="")
# Readiness (/readyz/) fails when the newest backup or the night's figures are older than this,
# or when the data folder's disk has less than this share free.
BACKUP_MAX_AGE_HOURS = env.int("DJANGO_BACKUP_MAX_AGE_HOURS", default=26)
FIGURES_MAX_AGE_HOURS = env.int("DJANGO_FIGURES_MAX_AGE_HOURS", default=26)
# The night's figures split into this many tasks for as many heavy-queue workers (1: one task).
FIGURES_REBUILD_PARTS = env.int("DJANGO_FIGURES_REBUILD_PARTS", default=1)
DISK_MIN_FREE_PERCENT = env.float("DJANGO_DISK_MIN_FREE_PERCENT", default=5.0)
# Prometheus scrapes /metrics from these addresses only (the client address as
# people.access.client_ip sees it).
METRICS_ALLOWED_IPS = env.list("DJANGO_METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
# A Celery worker serves its own task metrics on this port (127.0.0.1), when set.
METRICS_WORKER_PORT = env.int("DJANGO_METRICS_WORKER_PORT", default=0)
# Optional error reports to Sentry, personal data scrubbed (ops.sentry).
SENTRY_DSN = env.str("SENTRY_DSN", default="")

# --- HTTP API (api/, docs/api.md). Only the API's own views use bearer keys; Wagtail's admin
# keeps its own DRF settings per view.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "心育研修 API",
    "DESCRIPTION": "Teachers, training hours, certificates and figures, scoped per service account.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "PREPROCESSING_HOOKS": ["api.schema.only_v1"],
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
