"""Wagtail admin screens for organisations and teachers, each filtered to the user's scope."""

from django.contrib.admin.utils import unquote
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext, gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.models import IndexView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from .models import AuditEntry, Organisation, Teacher
from .selectors import organisation_scope
from .services import audit_record


class ScopedViewSetMixin:
    """Makes every view of a ModelViewSet (list, edit, delete, inspect, history) see only
    objects inside the requester's scope; others are 404.

    Subclasses name the lookup from their model to an Organisation in `scope_field`
    ("" for Organisation itself, "school" for Teacher, "teacher__school" for a certificate).
    """

    scope_field = ""
    scope_roles = None

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
            def get_field_display_value(self, field_name, field):
                # Inspect pages: "—" for an empty field and 是/否 for a yes-or-no one, never
                # None, True or False.
                value = super().get_field_display_value(field_name, field)
                if value is None or value == "":
                    return "—"
                if isinstance(value, bool):
                    return gettext("Yes") if value else gettext("No")
                return value

            def get_base_queryset(self):
                return viewset.scope_queryset(self.request, super().get_base_queryset())

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
    icon = "site"
    menu_label = _("Organisations")
    add_to_admin_menu = False
    list_display = ["name", "code", "kind", "student_count"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    ordering = ["path"]
    inspect_view_enabled = True
    # The tree's own columns (path, depth, numchild) are machinery, not what HR reads.
    inspect_view_fields = ["name", "code", "kind", "student_count", "is_boarding"]
    form_fields = ["name", "code", "kind", "student_count", "is_boarding"]
    copy_view_enabled = False


class TeacherForm(WagtailAdminModelForm):
    """Teacher form whose school choices are the schools in the editor's scope."""

    class Meta:
        model = Teacher
        fields = ["name", "gender", "school", "role", "hire_date", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = organisation_scope(self.for_user).filter(
            kind=Organisation.Kind.SCHOOL
        )

    def save(self, commit=True):
        teacher = super().save(commit=commit)
        if commit and self.changed_data:
            # Which fields changed, not their values: the log holds no more personal data.
            audit_record(actor=self.for_user, action=AuditEntry.Action.TEACHER_CHANGE,
                         organisation=teacher.school, target=teacher.employee_no,
                         detail=", ".join(self.changed_data))
        return teacher


ACTIVE_LABEL = pgettext_lazy("teacher status", "Status")
NAME_LABEL = pgettext_lazy("person", "Name")
IN_POST, LEFT = pgettext_lazy("teacher status", "In post"), pgettext_lazy("teacher status", "Left")


def teacher_status(teacher: Teacher) -> str:
    """在职 / 离职, as the list, its export and the sheets say it."""
    return str(IN_POST if teacher.is_active else LEFT)


class ActiveColumn(Column):
    def get_value(self, instance):
        return teacher_status(instance)


def _status_value(value) -> str:
    return str(IN_POST if value else LEFT)


class TeacherIndexView(IndexView):
    # The export writes labels, never True/False or an object's repr.
    custom_field_preprocess = {
        "is_active": {"csv": _status_value, "xlsx": _status_value},
        "school": {"csv": str, "xlsx": str},
    }


class TeacherViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Teacher
    scope_field = "school"
    icon = "user"
    menu_label = _("Teachers")
    add_to_admin_menu = False
    list_display = ["name", "employee_no", "school",
                    "role", "hire_date", ActiveColumn("is_active", label=ACTIVE_LABEL)]
    # The export carries the listed columns, as labels (its queryset is the scoped one).
    list_export = ["name", "employee_no", "school", "get_role_display", "hire_date", "is_active"]
    export_headings = {"name": NAME_LABEL, "get_role_display": _("role"),
                       "is_active": ACTIVE_LABEL}
    index_view_class = TeacherIndexView
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
