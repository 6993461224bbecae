"""Views of the host project itself."""

from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request):
    """Liveness for load balancers and deploy checks: the process answers; nothing else is read."""
    return HttpResponse("ok", content_type="text/plain")
