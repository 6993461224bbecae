from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The nightly tasks whose last success the readiness checks read (ops.health).
NIGHTLY_TASKS = ("certification.figures_rebuild", "certification.records_verify",
                 "certification.records_checkpoint",
                 "ops.backup_nightly")


def nightly_run_note(sender=None, **kwargs):
    """Celery's task_success: remember when a nightly task last finished well."""
    name = getattr(sender, "name", "")
    if name not in NIGHTLY_TASKS:
        return
    from django.utils import timezone

    from .models import NightlyRun

    NightlyRun.objects.update_or_create(task=name, defaults={"finished_at": timezone.now()})


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = _("Operations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from celery.signals import task_success

        from . import metrics

        task_success.connect(nightly_run_note, weak=False, dispatch_uid="ops.nightly_run_note")
        metrics.connect_task_signals()
