"""Wagtail admin screens for organisations and teachers, each filtered to the user's scope."""

import copy

from django import forms
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.models import IndexView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from . import purposes
from .employment import change_refusal, open_periods
from .models import (
    TEACHING_STAGES,
    Organisation,
    SchoolType,
    StaffingRule,
    StaffRole,
    Stage,
    StudentCount,
    Teacher,
    flags_codes,
    flags_mask,
)
from .selectors import (
    grantable_roles,
    organisation_scope,
    organisations_covered,
    staff_role_grantable,
    staff_user_find,
    user_has_staff_role,
    user_is_subject,
)
from .services import (
    EMPLOYMENT_FIELDS,
    audit_record,
    organisation_create,
    organisation_update,
    staff_role_grant,
    staff_role_revoke,
    teacher_logins_sync,
    teacher_update,
)

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


def _not_here(request, *args, **kwargs):
    raise Http404


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


def _organisation_of(instance, scope_field: str):
    for name in filter(None, scope_field.split("__")):
        instance = getattr(instance, name, None)
    return instance


class ScopedPermissionPolicy(ModelPermissionPolicy):
    """A group's add, change and delete permissions count only where a role granting the
    write's purpose covers the object: a permission from one role's group never reaches the
    scope of another role."""

    def __init__(self, model, *, write_roles: purposes.Purpose, scope_field: str | None):
        # scope_field None: rows of the whole city (no organisation), written by a role
        # granting the purpose anywhere.
        super().__init__(model)
        self.write_roles, self.scope_field = write_roles, scope_field

    def user_has_permission(self, user, action):
        return super().user_has_permission(user, action) and (
            action not in WRITE_ACTIONS or user_has_staff_role(user, roles=self.write_roles))

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        if action not in WRITE_ACTIONS or self.scope_field is None:
            return True
        organisation = _organisation_of(instance, self.scope_field)
        return organisation is not None and organisations_covered(user, organisation,
                                                                  roles=self.write_roles)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return any(self.user_has_permission_for_instance(user, a, instance) for a in actions)


class ScopedViewSetMixin:
    """Makes every view of a ModelViewSet (list, edit, delete, inspect, history) see only
    objects inside the requester's scope; others are 404.

    Subclasses name the lookup from their model to an Organisation in `scope_field`
    ("" for Organisation itself, "school" for Teacher, "teacher__school" for a certificate)
    and the purpose the screens serve in `scope_roles` (people.purposes): only the bindings
    of those roles count, so a second role of the user never widens the listing.

    Writes (add, edit, delete) have their own purpose, `write_roles`: the edit and delete
    views find their object in its scope, and the group permissions behind the buttons count
    only under it (ScopedPermissionPolicy), so reading rights of one role and the write
    permission of another's group never combine.
    """

    scope_field = ""
    scope_roles: purposes.Purpose
    write_roles: purposes.Purpose | None = None
    # The records' seals are for verify_records, not for reading.
    inspect_view_fields_exclude = ["seal"]

    def on_register(self):
        if self.write_roles is not None:
            register_permission_policy(self.model, ScopedPermissionPolicy(
                self.model, write_roles=self.write_roles, scope_field=self.scope_field),
                exact_class=True)
        super().on_register()

    def scope_queryset(self, request, queryset, *, write: bool = False):
        roles = self.write_roles if write and self.write_roles is not None else self.scope_roles
        orgs = organisation_scope(request.user, roles=roles)
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
                queryset = super().get_base_queryset()
                if not issubclass(queryset.model, viewset.model):
                    # The history view lists log entries of one object, which get_object
                    # has already found inside the scope.
                    return queryset
                return viewset.scope_queryset(self.request, queryset)

            def get_object(self, queryset=None):
                # Every single-object view resolves its object through the scoped queryset.
                pk = unquote(str(self.kwargs.get(self.pk_url_kwarg, "")))
                # An edit or delete screen finds its object in the scope of the write's purpose.
                write = getattr(self, "permission_required", None) in WRITE_ACTIONS
                scoped = viewset.scope_queryset(self.request, self.model._default_manager.all(),
                                                write=write)
                return get_object_or_404(scoped, pk=pk)

        Scoped.__name__ = f"Scoped{view_class.__name__}"
        Scoped.__qualname__ = Scoped.__name__
        return Scoped


class PhoneColumnsMixin:
    """A listing too wide for a phone: there it shows only the columns named in
    `phone_columns` (the row's link first); the others carry the class `phone-secondary`,
    hidden under 600 px by the admin's stylesheet (people/static/people/admin.css)."""

    phone_columns: tuple[str, ...] = ()

    def construct_view(self, view_class, **kwargs):
        if self.phone_columns and issubclass(view_class, IndexView):
            view_class = self._phone_columns(view_class)
        return super().construct_view(view_class, **kwargs)

    def _phone_columns(self, view_class):
        keep = set(self.phone_columns)

        class PhoneColumns(view_class):
            @cached_property
            def columns(self):
                columns = []
                for column in super().columns:
                    # A choice field's column is named get_<field>_display.
                    if column.name.removeprefix("get_").removesuffix("_display") not in keep:
                        # A copy: list_display's Column objects are shared by every request.
                        column = copy.copy(column)
                        column.classname = " ".join(filter(None, [column.classname,
                                                                  "phone-secondary"]))
                        column.header = Column.Header(column)  # the copy's own header cell
                    columns.append(column)
                return columns

        PhoneColumns.__name__ = PhoneColumns.__qualname__ = view_class.__name__
        return PhoneColumns


class OrganisationOrAllTitleColumn(TitleColumn):
    """A rule's organisation as the row's link; "—" (everywhere) for the default row."""

    def get_value(self, instance):
        return instance.organisation or "—"


class RuleIndexView(IndexView):
    """A rule's row is a link with its actions (edit, delete) where the user may write that
    rule (its organisation covered under the screen's write purpose); others read plain text."""

    def _get_title_column(self, field_name, column_class=TitleColumn, **kwargs):
        if field_name == "organisation":
            column_class = OrganisationOrAllTitleColumn
        return super()._get_title_column(field_name, column_class, **kwargs)

    def _may(self, action, instance) -> bool:
        return self.permission_policy.user_has_permission_for_instance(
            self.request.user, action, instance)

    def get_edit_url(self, instance):
        return super().get_edit_url(instance) if self._may("change", instance) else None

    def get_delete_url(self, instance):
        return super().get_delete_url(instance) if self._may("delete", instance) else None

    def get_inspect_url(self, instance):
        return None  # rules have no inspect page: a row the user may not write is plain text


class RuleWriteScopeMixin:
    """Rules kept per subtree (organisation empty: everywhere), listed to all who may open the
    screen but written only where a role granting `write_roles` covers the rule's organisation;
    a rule for everywhere is a superuser's. The group permission counts only under that
    purpose (ScopedPermissionPolicy). The list's first column is `organisation`: each row a link
    with its actions where the user may write it."""

    write_roles: purposes.Purpose
    index_view_class = RuleIndexView

    def on_register(self):
        register_permission_policy(self.model, ScopedPermissionPolicy(
            self.model, write_roles=self.write_roles, scope_field="organisation"),
            exact_class=True)
        super().on_register()

    def construct_view(self, view_class, **kwargs):
        if getattr(view_class, "permission_required", None) in WRITE_ACTIONS:
            view_class = self._write_scoped(view_class)
        return super().construct_view(view_class, **kwargs)

    def _write_scoped(self, view_class):
        viewset = self

        class WriteScoped(view_class):
            def get_object(self, *args, **kwargs):
                rule = super().get_object(*args, **kwargs)
                if not (self.request.user.is_superuser or (
                        rule.organisation is not None and organisations_covered(
                            self.request.user, rule.organisation, roles=viewset.write_roles))):
                    raise PermissionDenied
                return rule

            def get_form(self, *args, **kwargs):
                form = super().get_form(*args, **kwargs)
                field = form.fields.get("organisation")
                if field is not None and not self.request.user.is_superuser:
                    field.queryset = organisation_scope(
                        self.request.user, roles=viewset.write_roles).order_by("path")
                    field.required = True
                return form

        WriteScoped.__name__ = WriteScoped.__qualname__ = f"WriteScoped{view_class.__name__}"
        return WriteScoped


class AuditedRuleViewSetMixin:
    """A rule edited in the admin (added, changed, deleted) writes an audit line on its
    organisation's chain (a rule for everywhere: on each top's): rules are not dated, so a
    report snapshot's comparison names this line as why a past figure moved."""

    audit_action = "rule.change"  # AuditEntry.Action

    def construct_view(self, view_class, **kwargs):
        if issubclass(view_class, (generic.CreateView, generic.EditView)):
            view_class = self._audited_save(view_class, self.audit_action)
        elif issubclass(view_class, generic.DeleteView):
            view_class = self._audited_delete(view_class, self.audit_action)
        return super().construct_view(view_class, **kwargs)

    @staticmethod
    def _audited_save(view_class, action):
        class AuditedSave(view_class):
            def save_instance(self):
                adding = self.form.instance.pk is None
                with transaction.atomic():
                    instance = super().save_instance()
                    form = self.form
                    rule_change_audit(user=self.request.user, rule=instance, action=action,
                                      verb="add" if adding else "edit", fields=[
                                          f"{name}: {form.initial.get(name, '—')} -> "
                                          f"{form.cleaned_data.get(name)}"
                                          for name in form.changed_data] if not adding else ())
                return instance

        AuditedSave.__name__ = AuditedSave.__qualname__ = f"Audited{view_class.__name__}"
        return AuditedSave

    @staticmethod
    def _audited_delete(view_class, action):
        class AuditedDelete(view_class):
            def delete_action(self):
                with transaction.atomic():
                    rule_change_audit(user=self.request.user, rule=self.object, action=action,
                                      verb="delete")
                    super().delete_action()

        AuditedDelete.__name__ = AuditedDelete.__qualname__ = f"Audited{view_class.__name__}"
        return AuditedDelete


def rule_change_audit(*, user, rule, verb: str, fields=(), action: str = "rule.change") -> None:
    """Audit lines for a rule (or a school's student count) added, edited or deleted in the
    admin: on its organisation, or on every top organisation for a rule that applies
    everywhere."""
    organisation = getattr(rule, "organisation", None)
    targets = [organisation] if organisation is not None else list(Organisation.get_root_nodes())
    detail = f"{verb} {rule}" + (f" ({'; '.join(fields)})" if fields else "")
    # A school's own record names the school by code, as roster lines name a teacher by 工号.
    target = (organisation.code if isinstance(rule, StudentCount)
              else str(rule._meta.verbose_name))
    for org in targets:
        audit_record(actor=user, action=action, organisation=org, target=target, detail=detail)


class FlagSetFormField(forms.MultipleChoiceField):
    """Ticks for a FlagSetField: the form shows codes, the model keeps the integer."""

    def __init__(self, *, choices_class, **kwargs):
        self.choices_class = choices_class
        super().__init__(choices=choices_class.choices, widget=forms.CheckboxSelectMultiple,
                         required=False, **kwargs)

    def prepare_value(self, value):
        return flags_codes(self.choices_class, value) if isinstance(value, int) else value

    def clean(self, value):
        return flags_mask(self.choices_class, super().clean(value))

    def has_changed(self, initial, data):
        return super().has_changed(self.prepare_value(initial or 0), data)


class OrganisationForm(WagtailAdminModelForm):
    """An organisation and where it sits: its parent is chosen among the editor's HR scope."""

    parent = forms.ModelChoiceField(Organisation.objects.none(), required=False,
                                    label=_("Parent organisation"),
                                    help_text=_("Empty only for a city at the top of the tree."))
    stages = FlagSetFormField(choices_class=Stage, label=_("Stages"))

    class Meta:
        model = Organisation
        fields = ["parent", "name", "code", "kind", "stages", "is_boarding"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope = organisation_scope(self.for_user, roles=purposes.ORGANISATION_TREE).exclude(
            kind=Organisation.Kind.SCHOOL).order_by("path")
        if self.instance.pk:
            # A node cannot move under itself or its own subtree.
            scope = scope.exclude(path__startswith=self.instance.path)
            self.initial["parent"] = self.instance.get_parent()
        self.fields["parent"].queryset = scope
        self.fields["parent"].required = not self.for_user.is_superuser

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if self.instance.pk and parent is None and not self.instance.is_root():
            raise forms.ValidationError(_("Choose the parent organisation."))
        return parent

    def save(self, commit=True):
        """Placed in the tree by people.services: treebeard sets path and depth, never the form."""
        data = {key: self.cleaned_data[key] for key in ("name", "code", "kind", "stages", "is_boarding")}
        if self.instance.pk:
            self.instance = organisation_update(organisation=self.instance, parent=self.cleaned_data["parent"],
                                                actor=self.for_user, **data)
        else:
            self.instance = organisation_create(parent=self.cleaned_data["parent"], actor=self.for_user,
                                                **data)
        return self.instance


class ServiceCreateView(generic.CreateView):
    """Create through the form's save, which calls the owning service (audited)."""

    def save_instance(self):
        return self.form.save()


class ServiceEditView(generic.EditView):
    """Edit through the form's save, which calls the owning service (audited)."""

    def save_instance(self):
        return self.form.save()


class OrganisationViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Organisation
    # School admins see their own school; adding, changing and moving needs an HR scope.
    scope_roles = purposes.TEACHER_ADMIN
    write_roles = purposes.ORGANISATION_TREE
    icon = "site"
    menu_label = _("Organisations")
    add_to_admin_menu = False
    list_display = ["name", "code", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    ordering = ["path"]
    inspect_view_enabled = True
    # The tree's own columns (path, depth, numchild) are machinery, not what HR reads.
    inspect_view_fields = ["name", "code", "kind", "stages", "is_boarding"]
    form_fields = OrganisationForm.Meta.fields
    copy_view_enabled = False
    add_view_class = ServiceCreateView
    edit_view_class = ServiceEditView

    def get_form_class(self, for_update=False):
        return OrganisationForm


class TeacherForm(WagtailAdminModelForm):
    """Teacher form whose school choices are the schools in the editor's scope."""

    posts = FlagSetFormField(choices_class=Teacher.Role, label=_("Posts"))
    effective_on = forms.DateField(
        label=_("Changes take effect on"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("For a change of school, posts or status: the transfer or leaving date "
                    "(empty: today). Earlier days' figures keep the teacher as she was."))

    class Meta:
        model = Teacher
        fields = ["name", "gender", "school", "role", "posts", "hire_date", "first_work_date",
                  "status"]

    def clean_effective_on(self):
        on = self.cleaned_data.get("effective_on") or timezone.localdate()
        if self.instance.pk:
            period = open_periods([self.instance.pk]).get(self.instance.pk)
            reason = change_refusal(on=on, open_start=period.start if period else None,
                                    today=timezone.localdate())
            if reason and EMPLOYMENT_FIELDS & set(self.changed_data):
                raise forms.ValidationError(reason)
        return on

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = organisation_scope(
            self.for_user, roles=purposes.TEACHER_EDIT).filter(
            kind=Organisation.Kind.SCHOOL
        )

    def clean(self):
        data = super().clean()
        if user_is_subject(self.for_user, self.instance):
            raise forms.ValidationError(gettext(
                "Nobody decides about their own record: another member of staff must do this."))
        return data

    def save(self, commit=True):
        # In post or not is what every rate reads; the account follows it (people.services).
        self.instance.is_active = self.instance.status == Teacher.Status.ACTIVE
        teacher = super().save(commit=False)
        if commit:
            # The people service saves and writes the audit row in one transaction.
            teacher = teacher_update(teacher=teacher, by=self.for_user,
                                     changed=[f for f in self.changed_data if f != "effective_on"],
                                     effective_on=self.cleaned_data.get("effective_on"))
            self.save_m2m()
            if "status" in self.changed_data:
                teacher_logins_sync(teacher_ids=[teacher.pk])
        return teacher


ACTIVE_LABEL = pgettext_lazy("teacher status", "Status")
NAME_LABEL = pgettext_lazy("person", "Name")


class TeacherIndexView(IndexView):
    # The export writes labels, never an object's repr.
    custom_field_preprocess = {
        "school": {"csv": str, "xlsx": str},
    }

    def get_add_url(self):
        # Teachers come from the roster on the HR desk, which makes their accounts with them.
        return None


class TeacherViewSet(PhoneColumnsMixin, ScopedViewSetMixin, ModelViewSet):
    model = Teacher
    scope_field = "school"
    scope_roles = purposes.TEACHER_ADMIN
    write_roles = purposes.TEACHER_EDIT
    icon = "user"
    menu_label = _("Teachers")
    add_to_admin_menu = False
    list_display = ["name", "employee_no", "school", "get_posts_display", "hire_date", "status"]
    phone_columns = ("name", "employee_no", "status")
    # The export carries the listed columns, as labels (its queryset is the scoped one).
    list_export = ["name", "employee_no", "school", "get_posts_display", "hire_date",
                   "get_status_display"]
    export_headings = {"name": NAME_LABEL, "get_posts_display": _("posts"),
                       "get_status_display": ACTIVE_LABEL}
    index_view_class = TeacherIndexView
    list_filter = ["role", "status", "gender"]
    search_fields = ["name", "employee_no"]
    inspect_view_enabled = True
    form_fields = TeacherForm.Meta.fields

    def get_form_class(self, for_update=False):
        return TeacherForm
    copy_view_enabled = False

    @property
    def add_view(self):
        # No add form: a teacher needs an account and dated posts, which the roster import
        # (hr) writes; the URL keeps its name (templates reverse it) and is not there.
        return _not_here


class StaffRoleForm(WagtailAdminModelForm):
    """Grant a staff role: the person by username or employee number, the role among those the
    granting user may give, the organisation among their HR scope."""

    person = forms.CharField(label=_("User (username or employee number)"), max_length=150)

    class Meta:
        model = StaffRole
        fields = ["person", "role", "organisation"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["person"] = self.instance.user.get_username()
        self.fields["role"].choices = [(code, label) for code, label in StaffRole.Role.choices
                                       if code in grantable_roles(self.for_user)]
        self.fields["organisation"].queryset = organisation_scope(
            self.for_user, roles=purposes.STAFF_ROLES).order_by("path")

    def clean_person(self):
        user = staff_user_find(self.for_user, self.cleaned_data["person"])
        if user is None:
            raise forms.ValidationError(_("No user with this name or employee number in your scope."))
        if user.pk == self.for_user.pk:
            raise forms.ValidationError(_("Nobody grants a role to themselves."))
        return user

    def clean(self):
        data = super().clean()
        role, organisation = data.get("role"), data.get("organisation")
        if role and organisation and not staff_role_grantable(self.for_user, role=role,
                                                              organisation=organisation):
            raise forms.ValidationError(_("You may not grant this role over this organisation."))
        return data

    def _post_clean(self):
        # The binding is made by the service in save(), not by the model form.
        pass

    def save(self, commit=True):
        old = self.instance
        if old.pk and (old.user_id, old.role, old.organisation_id) != (
                self.cleaned_data["person"].pk, self.cleaned_data["role"], self.cleaned_data["organisation"].pk):
            staff_role_revoke(user=old.user, role=old.role, organisation=old.organisation,
                              revoked_by=self.for_user)
        self.instance = staff_role_grant(user=self.cleaned_data["person"], role=self.cleaned_data["role"],
                                         organisation=self.cleaned_data["organisation"],
                                         granted_by=self.for_user)
        return self.instance


class StaffRoleDeleteView(generic.DeleteView):
    def delete_action(self):
        staff_role_revoke(user=self.object.user, role=self.object.role,
                          organisation=self.object.organisation, revoked_by=self.request.user)


class StaffRoleViewSet(ScopedViewSetMixin, ModelViewSet):
    """Who holds which staff role where; HR grant and revoke within their scope."""

    model = StaffRole
    scope_field = "organisation"
    scope_roles = purposes.STAFF_ROLES
    write_roles = purposes.STAFF_ROLES
    icon = "key"
    menu_label = _("Staff roles")
    add_to_admin_menu = False
    list_display = ["user", "role", "organisation"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__teacher__employee_no"]
    form_fields = StaffRoleForm.Meta.fields
    copy_view_enabled = False
    add_view_class = ServiceCreateView
    edit_view_class = ServiceEditView
    delete_view_class = StaffRoleDeleteView

    def get_form_class(self, for_update=False):
        return StaffRoleForm


class StaffingRuleForm(WagtailAdminModelForm):
    class Meta:
        model = StaffingRule
        fields = ["organisation", "stage", "min_students", "counts", "full_time_required", "per_stage"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A rule names a stage (学段), never a school type: 九年一贯制 is 小学 and 初中.
        labels = dict(Stage.choices)
        self.fields["stage"].choices = [("", self.fields["stage"].help_text)] + [
            (code, labels[code]) for code in TEACHING_STAGES]
        self.fields["organisation"].queryset = organisation_scope(
            self.for_user, roles=purposes.STAFFING_RULES_EDIT).exclude(
            kind=Organisation.Kind.SCHOOL).order_by("path")


class StaffingRuleViewSet(PhoneColumnsMixin, AuditedRuleViewSetMixin, ScopedViewSetMixin, ModelViewSet):
    """Counsellor staffing rules per subtree; city HR edit them (the nearest rules apply)."""

    model = StaffingRule
    scope_field = "organisation"
    scope_roles = purposes.STAFFING_RULES
    write_roles = purposes.STAFFING_RULES_EDIT
    icon = "list-ul"
    menu_label = _("Staffing rules")
    add_to_admin_menu = False
    list_display = ["organisation", "stage", "min_students", "counts", "full_time_required",
                    # Read as 是/否: a bare boolean column shows "True".
                    Column("per_stage", label=_("per stage"),
                           accessor=lambda rule: gettext("Yes") if rule.per_stage else gettext("No"))]
    phone_columns = ("organisation", "stage", "full_time_required")
    form_fields = StaffingRuleForm.Meta.fields
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return StaffingRuleForm


class SchoolTypeForm(WagtailAdminModelForm):
    stages = FlagSetFormField(choices_class=Stage, label=_("Stages"))

    class Meta:
        model = SchoolType
        fields = ["code", "name", "stages"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A type is made of stages (学段), never of other types.
        self.fields["stages"].choices = [(c, label) for c, label in Stage.choices
                                         if c in TEACHING_STAGES]

    def clean_stages(self):
        if not self.cleaned_data.get("stages"):
            raise forms.ValidationError(_("Tick at least one stage."))
        return self.cleaned_data["stages"]


class SchoolTypeViewSet(AuditedRuleViewSetMixin, ModelViewSet):
    """School types and the stages each is made of (city HR keep them as data): written under
    the staffing rules' editing purpose, as the rules that count by them."""

    def on_register(self):
        register_permission_policy(self.model, ScopedPermissionPolicy(
            self.model, write_roles=purposes.STAFFING_RULES_EDIT, scope_field=None),
            exact_class=True)
        super().on_register()

    model = SchoolType
    icon = "home"
    menu_label = _("School types")
    list_display = ["name", "code"]
    form_fields = SchoolTypeForm.Meta.fields
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return SchoolTypeForm


class StudentCountForm(WagtailAdminModelForm):
    class Meta:
        model = StudentCount
        fields = ["organisation", "on", "count"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisation_scope(
            self.for_user, roles=purposes.STAFFING_RULES_EDIT).filter(
            kind=Organisation.Kind.SCHOOL).order_by("path")


class StudentCountViewSet(AuditedRuleViewSetMixin, ScopedViewSetMixin, ModelViewSet):
    """Schools' dated student counts (the staffing rules count by them), written by city HR
    as the rules are; every edit is audited, so a snapshot comparison names it."""

    model = StudentCount
    scope_field = "organisation"
    scope_roles = purposes.STAFFING_RULES
    write_roles = purposes.STAFFING_RULES_EDIT
    audit_action = "student_count.change"
    icon = "group"
    menu_label = _("Student counts")
    list_display = ["organisation", "on", "count"]
    form_fields = StudentCountForm.Meta.fields
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return StudentCountForm


class PeopleViewSetGroup(ModelViewSetGroup):
    menu_label = _("People")
    menu_icon = "group"
    menu_order = 200
    items = (OrganisationViewSet("organisations"), TeacherViewSet("teachers"),
             StaffRoleViewSet("staff_roles"), StaffingRuleViewSet("staffing_rules"),
             SchoolTypeViewSet("school_types"), StudentCountViewSet("student_counts"))
