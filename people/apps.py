from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = _("People and organisations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_migrate

        from .context_processors import store_nav_flags
        from .exports import admin_exports_neutralise

        admin_exports_neutralise()

        user_logged_in.connect(store_nav_flags, dispatch_uid="people.store_nav_flags")
        # Every migrate (and a test's flush) ends with the staff groups' permissions as
        # people/roles.py declares them.
        post_migrate.connect(_role_groups_sync, sender=self, dispatch_uid="people.role_groups_sync")
        from . import receivers  # noqa: F401


def _role_groups_sync(sender, using="default", **kwargs):
    from .roles import role_groups_sync

    role_groups_sync(using=using)
