from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HrConfig(AppConfig):
    name = "hr"
    verbose_name = _("HR desk")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from people.models import AUDIT_SHEET_LABELS

        from .exports import EXPORTS
        from .forms import IMPORT_CHOICES

        # The audit log names an import's or export's sheet as the desk does.
        AUDIT_SHEET_LABELS.update(dict(IMPORT_CHOICES) | {key: kind.label for key, kind in EXPORTS.items()}
                                  | {"activation": _("Activation codes")})
