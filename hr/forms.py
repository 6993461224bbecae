"""Forms of the HR desk: upload a sheet, ask for an export."""

import tempfile

from django import forms
from django.utils.translation import gettext_lazy as _

from people.models import Organisation
from people.selectors import organisation_scope

from .exports import EXPORTS, export_available
from .imports import import_available
from .selectors import DESK_ROLES
from .sheets.errors import SheetRefused
from .sheets.reading import check_file

IMPORT_CHOICES = [
    ("teachers", _("Teachers roster")),
    ("certificates", _("Certificates held")),
    ("training", _("Offline training hours")),
]
EXPORT_LABELS = {
    "teachers": _("Teachers roster"),
    "roster": _("Certificate roster"),
    "holding": _("Holding rate"),
    "hours": _("Training hours"),
    "workload": _("Counsellor workload"),
    "assignments": _("Assignment completion"),
}


class ImportForm(forms.Form):
    sheet = forms.ChoiceField(label=_("What the sheet holds"), choices=())
    file = forms.FileField(label=_("Excel file (.xlsx)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sheet"].choices = [(k, v) for k, v in IMPORT_CHOICES if import_available(k)]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # The cheap checks run here too, so a wrong file is refused at once, before any job.
        try:
            if hasattr(upload, "temporary_file_path"):
                check_file(upload.temporary_file_path())
            else:
                with tempfile.NamedTemporaryFile(suffix=".xlsx") as temp:
                    for chunk in upload.chunks():
                        temp.write(chunk)
                    temp.flush()
                    check_file(temp.name)
        except SheetRefused as exc:
            raise forms.ValidationError(exc.message) from None
        upload.seek(0)
        return upload


class ExportForm(forms.Form):
    sheet = forms.ChoiceField(label=_("Export"), choices=())
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none(),
                                          required=False, empty_label=_("My whole scope"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sheet"].choices = [(k, EXPORT_LABELS[k]) for k in EXPORTS
                                        if export_available(k) and k in EXPORT_LABELS]
        self.fields["organisation"].queryset = (organisation_scope(user, roles=DESK_ROLES)
                                                .order_by("path"))
