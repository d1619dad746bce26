"""A truly bare Django application, the yardstick of the public pages' speed (bench/README.md):
the security and common middleware only, no database, no session, no template.

It serves, at the public pages' paths, the bytes the app served for them (written by the bench
into BARE_PAGES, one file per path): the same response sizes, without any of the app's work.
"""

import os

SECRET_KEY = os.getenv("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = os.getenv("ALLOWED_HOSTS", "127.0.0.1").split(",")
ROOT_URLCONF = "bench.bare.urls"
WSGI_APPLICATION = "bench.bare.wsgi.application"
INSTALLED_APPS: list[str] = []
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
DATABASES: dict = {}
USE_I18N = False
USE_TZ = True
# The app's security headers, so that both answers carry as many.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
LOGGING_CONFIG = None
BARE_PAGES = os.getenv("BARE_PAGES", "")
