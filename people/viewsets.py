"""Wagtail admin screens for organisations and teachers, each filtered to the user's scope."""

from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from . import purposes
from .models import Organisation, Teacher
from .selectors import organisation_scope
from .services import teacher_update

# Actions a history screen never offers, whoever asks (superusers included).
WRITE_ACTIONS = frozenset({"add", "change", "delete"})


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Model permissions without add, change or delete: history is written by services only."""

    def user_has_permission(self, user, action):
        return action not in WRITE_ACTIONS and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        actions = [a for a in actions if a not in WRITE_ACTIONS]
        if not actions:
            return get_user_model().objects.none()
        return super().users_with_any_permission(actions)


def _refused(request, *args, **kwargs):
    raise PermissionDenied


class HistoryViewSetMixin:
    """A read-only admin screen of a history model: list and inspect; no add, edit, copy or
    delete, for anyone. The model's permission policy refuses those actions too, so no button
    or bulk action offers them, whichever viewset shows the model.
    """

    inspect_view_enabled = True
    copy_view_enabled = False

    def on_register(self):
        register_permission_policy(self.model, ReadOnlyPermissionPolicy(self.model),
                                   exact_class=True)
        super().on_register()

    def get_urlpatterns(self):
        # The write URLs keep their names (templates reverse them) and refuse every request.
        conv = self.pk_path_converter
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("new/", _refused, name="add"),
            path(f"edit/<{conv}:pk>/", _refused, name="edit"),
            path(f"delete/<{conv}:pk>/", _refused, name="delete"),
            path(f"history/<{conv}:pk>/", self.history_view, name="history"),
            path(f"history-results/<{conv}:pk>/", self.history_results_view,
                 name="history_results"),
            path(f"usage/<{conv}:pk>/", self.usage_view, name="usage"),
            path(f"inspect/<{conv}:pk>/", self.inspect_view, name="inspect"),
        ]


class ScopedViewSetMixin:
    """Makes every view of a ModelViewSet (list, edit, delete, inspect, history) see only
    objects inside the requester's scope; others are 404.

    Subclasses name the lookup from their model to an Organisation in `scope_field`
    ("" for Organisation itself, "school" for Teacher, "teacher__school" for a certificate)
    and the purpose the screens serve in `scope_roles` (people.purposes): only the bindings
    of those roles count, so a second role of the user never widens the listing.
    """

    scope_field = ""
    scope_roles: purposes.Purpose

    def scope_queryset(self, request, queryset):
        orgs = organisation_scope(request.user, roles=self.scope_roles)
        if not self.scope_field:
            return queryset.filter(pk__in=orgs.values("pk"))
        return queryset.filter(**{f"{self.scope_field}__in": orgs})

    def construct_view(self, view_class, **kwargs):
        return super().construct_view(self._scoped(view_class), **kwargs)

    def _scoped(self, view_class):
        viewset = self

        class Scoped(view_class):
            def get_base_queryset(self):
                queryset = super().get_base_queryset()
                if not issubclass(queryset.model, viewset.model):
                    # The history view lists log entries of one object, which get_object
                    # has already found inside the scope.
                    return queryset
                return viewset.scope_queryset(self.request, queryset)

            def get_object(self, queryset=None):
                # Every single-object view resolves its object through the scoped queryset.
                pk = unquote(str(self.kwargs.get(self.pk_url_kwarg, "")))
                scoped = viewset.scope_queryset(self.request, self.model._default_manager.all())
                return get_object_or_404(scoped, pk=pk)

        Scoped.__name__ = f"Scoped{view_class.__name__}"
        Scoped.__qualname__ = Scoped.__name__
        return Scoped


class OrganisationViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Organisation
    scope_roles = purposes.TEACHER_ADMIN
    icon = "site"
    menu_label = _("Organisations")
    add_to_admin_menu = False
    list_display = ["name", "code", "kind", "student_count"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    ordering = ["path"]
    inspect_view_enabled = True
    form_fields = ["name", "code", "kind", "student_count", "is_boarding"]
    copy_view_enabled = False


class TeacherForm(WagtailAdminModelForm):
    """Teacher form whose school choices are the schools in the editor's scope."""

    class Meta:
        model = Teacher
        fields = ["name", "gender", "school", "role", "hire_date", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = organisation_scope(
            self.for_user, roles=purposes.TEACHER_ADMIN).filter(
            kind=Organisation.Kind.SCHOOL
        )

    def save(self, commit=True):
        teacher = super().save(commit=False)
        if commit:
            # The people service saves and writes the audit row in one transaction.
            teacher = teacher_update(teacher=teacher, by=self.for_user,
                                     changed=list(self.changed_data))
            self.save_m2m()
        return teacher


class TeacherViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Teacher
    scope_field = "school"
    scope_roles = purposes.TEACHER_ADMIN
    icon = "user"
    menu_label = _("Teachers")
    add_to_admin_menu = False
    list_display = ["name", "employee_no", "school", "role", "hire_date", "is_active"]
    list_filter = ["role", "is_active", "gender"]
    search_fields = ["name", "employee_no"]
    inspect_view_enabled = True
    form_fields = TeacherForm.Meta.fields

    def get_form_class(self, for_update=False):
        return TeacherForm
    copy_view_enabled = False


class PeopleViewSetGroup(ModelViewSetGroup):
    menu_label = _("People")
    menu_icon = "group"
    menu_order = 200
    items = (OrganisationViewSet("organisations"), TeacherViewSet("teachers"))
