from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HrConfig(AppConfig):
    name = "hr"
    verbose_name = _("HR desk")
    default_auto_field = "django.db.models.BigAutoField"
