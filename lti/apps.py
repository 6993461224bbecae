from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LtiConfig(AppConfig):
    name = "lti"
    verbose_name = _("LTI")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from courses import signals

        from . import receivers

        signals.course_completed.connect(receivers.course_completed,
                                         dispatch_uid="lti.course_completed")
