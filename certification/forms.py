from django import forms
from django.utils.translation import gettext_lazy as _


class ApplyForm(forms.Form):
    level = forms.CharField(max_length=8)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    reason = forms.CharField(label=_("Reason (required to reject)"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("A rejection needs a reason."))
        return data


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class VerifySearchForm(forms.Form):
    number = forms.CharField(label=_("Certificate number"), max_length=64)


class VerifyUploadForm(forms.Form):
    pdf = forms.FileField(label=_("Certificate PDF"),
                          widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}))

    def __init__(self, *args, max_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes

    def clean_pdf(self):
        upload = self.cleaned_data["pdf"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(_("The file is larger than %(mb)s MB.")
                                        % {"mb": self.max_bytes // (1024 * 1024)})
        head = upload.read(5)
        upload.seek(0)
        if head != b"%PDF-":
            raise forms.ValidationError(_("This is not a PDF file."))
        return upload


class RatesForm(forms.Form):
    org = forms.IntegerField(required=False, widget=forms.HiddenInput)
    on = forms.DateField(label=_("On"), required=False,
                         widget=forms.DateInput(attrs={"type": "date"}))


class CorrectionForm(forms.Form):
    hours = forms.DecimalField(label=_("Hours (negative to deduct)"), max_digits=7,
                               decimal_places=2)
    # A date input takes ISO dates only, whatever the language's date format.
    date = forms.DateField(label=_("Date"),
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    category = forms.ChoiceField(label=_("Category"), required=False)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        from courses.models import DEFAULT_CATEGORY, HourCategory

        super().__init__(*args, **kwargs)
        # The category whose hours are corrected: every category, inactive ones too (an old
        # line may need correcting).
        self.fields["category"].choices = [(c.code, c.label) for c in HourCategory.objects.all()]
        self.fields["category"].initial = DEFAULT_CATEGORY
