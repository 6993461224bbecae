from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks

from .viewsets import PeopleViewSetGroup


@hooks.register("register_admin_viewset")
def register_people_viewsets():
    return PeopleViewSetGroup()


@hooks.register("insert_global_admin_css")
def admin_phone_css():
    # Every admin screen, at a phone's width (people/static/people/admin.css).
    return format_html('<link rel="stylesheet" href="{}">', static("people/admin.css"))
