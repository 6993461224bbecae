from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Site")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks, page_cache  # noqa: F401 (checks registers itself)

        page_cache.connect_signals()
        # Wagtail's group screen labels its page chooser by the field's name ("Page"), outside
        # any catalogue: the events section gives organisers' groups page permissions to show.
        from wagtail.users.forms import PagePermissionsForm

        PagePermissionsForm.base_fields["page"].label = _("Page")
