from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from certification import signals

        from . import webhooks

        signals.certificate_events_recorded.connect(webhooks.certificate_events_recorded,
                                                    dispatch_uid="api-webhooks-certificates")
        signals.declaration_decided.connect(webhooks.declaration_decided,
                                            dispatch_uid="api-webhooks-declarations")
