import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.production")

application = get_wsgi_application()


def _warm() -> None:
    """What Django reads on a process's first request, read as the web worker starts instead,
    so the first user of each worker does not wait for it: the URLconf with every view module
    (about half a second), the template engines with every tag library (0.15 s), and the
    translation catalogues of each language."""
    from django.conf import settings
    from django.template import engines
    from django.urls import get_resolver
    from django.utils import translation

    get_resolver().url_patterns
    engines.all()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Log in")


_warm()
