"""Views of the host project itself."""

from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request):
    """Liveness for load balancers and deploy checks: the process answers; nothing else is read."""
    return HttpResponse("ok", content_type="text/plain")


def choose_external_link(request):
    """Wagtail's external-link chooser, but a post without its URL field is a 400 (Wagtail's
    form reads the missing field as None and fails with a 500)."""
    from django.http import HttpResponseBadRequest
    from django.utils.translation import gettext as _
    from wagtail.admin.views.chooser import ExternalLinkView

    field = f"{ExternalLinkView.form_prefix}-{ExternalLinkView.link_url_field_name}"
    if request.method == "POST" and field not in request.POST:
        return HttpResponseBadRequest(_("Enter the link's URL."), content_type="text/plain")
    return ExternalLinkView.as_view()(request)
