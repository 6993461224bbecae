import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.production")

application = get_wsgi_application()

# Django reads the URLconf, and with it every view module, on a process's first request: about
# half a second that the first user of each web worker would wait. Read it as the worker starts.
get_resolver().url_patterns
