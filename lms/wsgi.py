import os
from contextlib import suppress

from django.core.wsgi import get_wsgi_application

from lms.dotenv import dot_env_load

dot_env_load()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.production")

application = get_wsgi_application()


def _warm() -> None:
    """What Django reads on a process's first request, read as the web worker starts instead,
    so the first user of each worker does not wait for it: the URLconf with every view module
    (about half a second), the template engines with every tag library (0.15 s), the
    translation catalogues of each language, and the project's own templates compiled into
    the cached loader (a staff page's first render in a worker took 0.2-0.5 s more than the
    next under load)."""
    from pathlib import Path

    from django.apps import apps
    from django.conf import settings
    from django.template import TemplateSyntaxError, engines
    from django.template.loader import get_template
    from django.urls import get_resolver
    from django.utils import translation

    get_resolver().url_patterns  # noqa: B018 (the property imports every URLconf: the warm-up)
    engines.all()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Log in")
    base = Path(settings.BASE_DIR).resolve()
    roots = [Path(d) for d in settings.TEMPLATES[0].get("DIRS", [])]
    roots += [Path(app.path) / "templates" for app in apps.get_app_configs()
              if Path(app.path).resolve().is_relative_to(base)
              and ".venv" not in Path(app.path).parts]
    for root in roots:
        for path in root.rglob("*.html") if root.is_dir() else ():
            # A broken template: the request that uses it will say so, as before.
            with suppress(TemplateSyntaxError):
                get_template(path.relative_to(root).as_posix())


_warm()
