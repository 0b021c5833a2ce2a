"""Settings shared by every environment. The environment is read here, and only here."""
from pathlib import Path

import environ
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parents[3]
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-dev-key-change-me")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
DATA_DIR = Path(env("PARCELDESK_DATA_DIR", default=str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "helpdesk.core",
    "helpdesk.accounts",
    "helpdesk.customers",
    "helpdesk.network",
    "helpdesk.shipments",
    "helpdesk.conversations",
    "helpdesk.tickets",
    "helpdesk.surveys",
    "helpdesk.dispatch",
    "helpdesk.inbox",
    "helpdesk.reports",
    "helpdesk.privacy",
    "helpdesk.calls",
    "helpdesk.selfservice",
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
]

ROOT_URLCONF = "helpdesk.config.urls"
ASGI_APPLICATION = "helpdesk.config.asgi.application"
WSGI_APPLICATION = "helpdesk.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "helpdesk" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

# --- Database ---------------------------------------------------------------
# Embedded default: SQLite in WAL mode with a busy timeout; production: DATABASE_URL.
DATABASE_URL = env("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'helpdesk.sqlite3'}")
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# The web server runs each request's Django code on one of this many reused threads per process (helpdesk.core.asgi),
# each keeping its database connection for CONN_MAX_AGE: requests beyond it wait their turn on the event loop.
WEB_THREADS = env.int("WEB_THREADS", default=8)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, Celery broker, channel layer ------------------------------
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "parceldesk",
    }
}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": "parceldesk"},
    }
}
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
# One (disabled) result backend for the whole process: per thread, Celery would rebuild it on every task sent from
# a new thread -- and daphne runs each request in a new one -- scanning every installed package's entry points
# each time (~10 ms of the SMS webhook's answer; bench-hub).
CELERY_RESULT_BACKEND_THREAD_SAFE = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = "parceldesk"
# Three queues, so a burst of proactive notices never holds up a customer's chat or the push to dispatch:
#   parceldesk  customers' own turns, agents' replies, one-time codes (the default)
#   dispatch    the outbox push to dispatch and its sweeper
#   notices     proactive delivery notices and NPS surveys (thousands per scan burst)
# A worker started without -Q consumes all three (tests, development); production (Procfile, docker-compose) runs
# `worker` on parceldesk + dispatch and a separate, niced `notices` worker, so the notices take the CPU that is left.
# Each queue on its own exchange and routing key (Celery's defaults would bind all three to the default exchange
# with one key; tests/deploy/test_queues.py checks a task lands in its own queue only).
CELERY_TASK_QUEUES = tuple(Queue(name, Exchange(name), routing_key=name) for name in ("parceldesk", "dispatch", "notices"))
CELERY_TASK_ROUTES = {
    "helpdesk.dispatch.tasks.*": {"queue": "dispatch"},
    "helpdesk.shipments.tasks.delivery_notices_*": {"queue": "notices"},
    "helpdesk.surveys.tasks.*": {"queue": "notices"},
}
# A task a killed worker had taken is handed to another worker after this many seconds (acks_late);
# keep it above the longest retry countdown (CONVERSATION_RETRY_BACKOFF_MAX_SECONDS).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=600)}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {
    "conversations-unstick": {"task": "helpdesk.conversations.tasks.conversations_unstick", "schedule": 60.0},
    # The dispatch loop's sweepers: each also runs on commit, these catch what a missed or failed run left.
    "dispatch-outbox-push": {"task": "helpdesk.dispatch.tasks.outbox_push_due", "schedule": 15.0},
    "delivery-notices-pending": {"task": "helpdesk.shipments.tasks.delivery_notices_send_pending", "schedule": 60.0},
    "nps-surveys-due": {"task": "helpdesk.surveys.tasks.nps_surveys_send_due", "schedule": 60.0},
    # Erase recipients' personal data from shipments closed longer than PRIVACY_ANONYMIZE_AFTER_DAYS (daily).
    "shipments-anonymize": {"task": "helpdesk.privacy.tasks.shipments_anonymize", "schedule": 24 * 3600.0},
}

# --- Auth, i18n ---------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/inbox/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
# The staff UI's languages; each name is written in its own language, as the switcher shows it.
# An agent's choice lives in the language cookie (set_language); otherwise the browser's Accept-Language.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文"), ("zh-hant", "繁體中文"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]  # compiled .mo files are committed, so a clone needs no gettext
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")  # the contact centre's business-hours zone
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- REST API -----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "helpdesk.core.authentication.ServiceTokenAuthentication",
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],  # the API speaks JSON only
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "helpdesk.core.api.Pagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "helpdesk.core.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"tracking": env("TRACKING_RATE_LIMIT", default="20/10m")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ParcelDesk helpdesk API",
    "DESCRIPTION": "Conversations, shipments, tickets and the dispatch feed of a parcel carrier's helpdesk.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TicketCategoryEnum": "helpdesk.tickets.models.Category",
        "TicketStatusEnum": "helpdesk.tickets.models.TicketStatus",
        "TicketPriorityEnum": "helpdesk.tickets.models.Priority",
        "ShipmentStatusEnum": "helpdesk.shipments.models.ShipmentStatus",
        "ConversationStateEnum": "helpdesk.conversations.models.ConversationState",
        "HandoffReasonEnum": "helpdesk.conversations.models.HandoffReason",
        "AttemptReasonEnum": "helpdesk.shipments.models.DeliveryAttempt.Reason",
        "AttemptOutcomeEnum": "helpdesk.shipments.models.DeliveryAttempt.Outcome",
        "ComplaintCategoryEnum": ["late", "damaged", "lost", "courier_conduct", "fake_attempt", "other"],
        "PhoneCallDirectionEnum": "helpdesk.calls.models.PhoneCall.Direction",
        "PhoneCallOutcomeEnum": "helpdesk.calls.models.PhoneCall.Outcome",
        "LanguageEnum": "helpdesk.customers.models.Language",
    },
}

# --- The parts this hub talks to ---------------------------------------------
HELPDESK_API_TOKEN = env("HELPDESK_API_TOKEN", default="")
RASA_URL = env("RASA_URL", default="http://127.0.0.1:5005")
RASA_TOKEN = env("RASA_TOKEN", default="")
RASA_TIMEOUT = env.float("RASA_TIMEOUT", default=15.0)
# The conversation pipeline. A worker holds a conversation while it runs its turns (renewed every turn, so a
# killed worker's hold lapses after this; never shorter than two Rasa calls); while Rasa or a provider is down,
# retries back off from BASE doubling up to MAX; beat re-schedules messages still waiting after STUCK_AFTER.
CONVERSATION_LOCK_SECONDS = env.float("CONVERSATION_LOCK_SECONDS", default=60.0)
CONVERSATION_RETRY_BACKOFF_SECONDS = env.float("CONVERSATION_RETRY_BACKOFF_SECONDS", default=1.0)
CONVERSATION_RETRY_BACKOFF_MAX_SECONDS = env.float("CONVERSATION_RETRY_BACKOFF_MAX_SECONDS", default=300.0)
CONVERSATION_STUCK_AFTER_SECONDS = env.float("CONVERSATION_STUCK_AFTER_SECONDS", default=60.0)

TWILIO = {
    "account_sid": env("TWILIO_ACCOUNT_SID", default=""),
    "auth_token": env("TWILIO_AUTH_TOKEN", default=""),
    "api_base": env("TWILIO_API_BASE", default=""),
    "from_sms": env("TWILIO_SMS_FROM", default=""),
    "from_whatsapp": env("TWILIO_WHATSAPP_FROM", default=""),
    # Public URL of /webhooks/twilio/status/: every outbound message asks Twilio to report its delivery there.
    "status_callback": env("TWILIO_STATUS_CALLBACK_URL", default=""),
}
WECHAT = {
    "token": env("WECHAT_TOKEN", default=""),
    "app_id": env("WECHAT_APP_ID", default=""),
    "app_secret": env("WECHAT_APP_SECRET", default=""),
    "aes_key": env("WECHAT_AES_KEY", default=""),
    "api_base": env("WECHAT_API_BASE", default=""),
}
DISPATCH = {
    "webhook_url": env("DISPATCH_WEBHOOK_URL", default=""),  # unset: no push (the pull feed still works)
    "secret": env("DISPATCH_SECRET", default=""),
    "push_timeout": env.float("DISPATCH_PUSH_TIMEOUT", default=10.0),
    "push_backoff_seconds": env.float("DISPATCH_PUSH_BACKOFF_SECONDS", default=5.0),
    "push_backoff_max_seconds": env.float("DISPATCH_PUSH_BACKOFF_MAX_SECONDS", default=900.0),
    # POSTs in flight at once per worker process (one per shipment: a shipment's events still go one by one).
    "push_concurrency": env.int("DISPATCH_PUSH_CONCURRENCY", default=8),
}

# The dispatch loop: the NPS survey some hours after delivery, disputed attempts, notices outside the window.
NPS_SURVEY_DELAY_HOURS = env.float("NPS_SURVEY_DELAY_HOURS", default=2)
DISPUTE_MAX_DISTANCE_M = env.int("DISPUTE_MAX_DISTANCE_M", default=200)
WHATSAPP_NOTICE_TEMPLATE = env("WHATSAPP_NOTICE_TEMPLATE", default="HX0000000000000000000000000000follow")
# Delivery notices outside the WhatsApp 24 h / WeChat 48 h window use the approved template with this key (admin →
# Message templates), in the recipient's language; WhatsApp without one falls back to WHATSAPP_NOTICE_TEMPLATE,
# WeChat to SMS.
NOTICE_TEMPLATE_KEY = env("NOTICE_TEMPLATE_KEY", default="delivery_update")

# One-time codes that prove a sender is the recipient.
OTP_TTL_SECONDS = env.int("OTP_TTL_SECONDS", default=600)
OTP_MAX_ATTEMPTS = env.int("OTP_MAX_ATTEMPTS", default=3)
OTP_MAX_SENDS_PER_HOUR = env.int("OTP_MAX_SENDS_PER_HOUR", default=5)
RETURN_WINDOW_DAYS = env.int("RETURN_WINDOW_DAYS", default=14)  # returns may start up to this many days after delivery
RESCHEDULE_HORIZON_DAYS = env.int("RESCHEDULE_HORIZON_DAYS", default=7)
# Privacy: staff roles that may ask to see a recipient's phone and address (with a logged reason), and how long after
# delivery or return a shipment's personal data is kept before the daily job erases it.
PRIVACY_UNMASK_ROLES = env.list("PRIVACY_UNMASK_ROLES", default=["supervisor", "admin"])
PRIVACY_ANONYMIZE_AFTER_DAYS = env.int("PRIVACY_ANONYMIZE_AFTER_DAYS", default=180)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # twilio-python logs every API request at INFO: method, URL, each header (the idempotency token too), status
        # and response headers, ~10 records per message sent, 20 per bot turn: ~0.2 ms of the worker's CPU per send
        # formatted to /dev/null, more written to a real log, for lines nobody reads. Its warnings and errors still
        # show.
        "twilio.http_client": {"level": "WARNING"},
    },
}
