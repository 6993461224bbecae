from wagtail import hooks

from .viewsets import CertificationViewSetGroup
from .workload import viewsets as workload_viewsets  # noqa: F401  (registers its own hook)


@hooks.register("register_admin_viewset")
def register_certification_viewsets():
    return CertificationViewSetGroup()
