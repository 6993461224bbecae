"""Pages of declared hours: the teacher declares and follows status; staff work their queue."""


from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from courses.models import HourCategory
from people import purposes
from people.access import DecisionRefused, staff_required
from people.selectors import teacher_for_user
from people.storage import upload_headers

from .. import declarations as services
from ..models import DeclarationEvidence, HourDeclaration


class DeclarationForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("training title"), max_length=200)
    organiser = forms.CharField(label=gettext_lazy("organised by"), max_length=200)
    started_on = forms.DateField(label=gettext_lazy("start date"), widget=forms.DateInput(attrs={"type": "date"}))
    ended_on = forms.DateField(label=gettext_lazy("end date"), widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(label=gettext_lazy("hours"), max_digits=6, decimal_places=1)
    category = forms.ChoiceField(label=gettext_lazy("category"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The categories as they are now (city HR edit them), active ones only.
        self.fields["category"].choices = [(c.code, c.label)
                                           for c in HourCategory.objects.active()]


def _files(request) -> list:
    return request.FILES.getlist("evidence")


@login_required
def my_declarations(request):
    teacher = teacher_for_user(request.user)
    if teacher is None:
        raise PermissionDenied
    form = DeclarationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.declaration_submit(teacher=teacher, files=_files(request), **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, " ".join(error.messages))
        else:
            messages.success(request, _("Declared. Your school checks it first, then district HR."))
            return redirect("certification:my_declarations")
    return render(request, "certification/my_declarations.html", {
        "form": form, "declarations": teacher.hour_declarations.select_related("category")
        .prefetch_related("evidence")},
        status=400 if form.errors else 200)


@login_required
def declaration_resubmit(request, pk: int):
    teacher = teacher_for_user(request.user)
    declaration = get_object_or_404(HourDeclaration, pk=pk, teacher=teacher,
                                    status=HourDeclaration.Status.RETURNED)
    initial = {f: getattr(declaration, f) for f in
               ("title", "organiser", "started_on", "ended_on", "hours")}
    initial["category"] = declaration.category_id
    form = DeclarationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.declaration_resubmit(declaration=declaration, teacher=teacher,
                                          files=_files(request), **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, " ".join(error.messages))
        else:
            messages.success(request, _("Submitted again."))
            return redirect("certification:my_declarations")
    return render(request, "certification/declaration_resubmit.html",
                  {"form": form, "declaration": declaration})


@login_required
def evidence_download(request, pk: int):
    """A piece of evidence, to its teacher or to staff who review the teacher's school."""
    evidence = get_object_or_404(DeclarationEvidence.objects.select_related(
        "declaration__teacher__school"), pk=pk)
    declaration = evidence.declaration
    own = declaration.teacher.user_id == request.user.pk
    if not own and not services.declaration_visible_to_staff(user=request.user, declaration=declaration):
        raise Http404
    response = FileResponse(evidence.file.open("rb"), content_type=evidence.content_type,
                            as_attachment=False, filename=evidence.original_name)
    response["Cache-Control"] = "private, no-store"
    upload_headers(response)  # as every upload: a download unless an image, and sandboxed
    return response


@staff_required(purposes.DECLARATION_REVIEW)
def declaration_queue(request):
    return render(request, "certification/declaration_queue.html",
                  {"declarations": services.declaration_queue(user=request.user)})


@staff_required(purposes.DECLARATION_REVIEW)
@require_POST
def declaration_decide(request, pk: int):
    declaration = get_object_or_404(HourDeclaration, pk=pk)
    action = request.POST.get("action")
    try:
        if action == "check":
            services.declaration_school_check(declaration=declaration, checked_by=request.user)
        elif action == "approve":
            services.declaration_approve(declaration=declaration, decided_by=request.user)
        elif action == "return":
            services.declaration_return(declaration=declaration, returned_by=request.user,
                                        reason=request.POST.get("reason", ""))
        else:
            raise Http404
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except DecisionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Saved."))
    return redirect("certification:declaration_queue")
