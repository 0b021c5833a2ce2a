"""Tests: real PostgreSQL and Redis (see tests/README in the Makefile's test target)."""
from .base import *  # noqa: F401,F403
from .base import env

SECRET_KEY = "test-secret"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HELPDESK_API_TOKEN = "test-helpdesk-token"
RASA_TOKEN = "test-rasa-token"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"tracking": "20/10m"}}  # noqa: F405

# The suite runs on real PostgreSQL and Redis, whatever the developer's .env says.
DATABASES = {
    "default": {
        **env.db_url_config(env("TEST_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/parceldesk")),
        "ATOMIC_REQUESTS": False,
        "CONN_MAX_AGE": 0,
    }
}
REDIS_URL = env("TEST_REDIS_URL", default="redis://127.0.0.1:6379/15")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "parceldesk-test"}}
CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL], "prefix": "parceldesk-test"}}}
CELERY_BROKER_URL = REDIS_URL
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405

# Dispatch is configured in tests so its endpoints answer; tests that need it
# disabled override this with the `settings` fixture. A Celery worker a test starts
# gets its push target from TEST_DISPATCH_WEBHOOK_URL / TEST_DISPATCH_SECRET (never
# from a developer's DISPATCH_WEBHOOK_URL).
DISPATCH = {
    **DISPATCH,  # noqa: F405 - push timeout and backoff
    "webhook_url": env("TEST_DISPATCH_WEBHOOK_URL", default=""),
    "secret": env("TEST_DISPATCH_SECRET", default="test-dispatch-secret"),
}
