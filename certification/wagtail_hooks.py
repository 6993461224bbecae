from wagtail import hooks

from .viewsets import CertificationViewSetGroup


@hooks.register("register_admin_viewset")
def register_certification_viewsets():
    return CertificationViewSetGroup()
