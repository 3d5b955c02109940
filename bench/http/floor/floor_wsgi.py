"""WSGI entry of the bench-only floor project (gunicorn --chdir bench/http/floor floor_wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "floor_settings")
application = get_wsgi_application()
