from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from people import purposes
from people.selectors import user_has_staff_role

from .models import LEARNING_SECTION_MODELS
from .viewsets import LearningViewSetGroup


@hooks.register("register_admin_viewset")
def register_learning_viewsets():
    return LearningViewSetGroup()


class AssignedTrainingMenuItem(MenuItem):
    def is_shown(self, request):
        return user_has_staff_role(request.user, roles=purposes.ASSIGNMENTS)


@hooks.register("register_admin_menu_item")
def register_assigned_training_menu_item():
    return AssignedTrainingMenuItem(_("Assigned training"), reverse("courses:assignment_list"),
                                    icon_name="date", order=220)


class OrganisedEventsMenuItem(MenuItem):
    def is_shown(self, request):

        return user_has_staff_role(request.user, roles=purposes.EVENT_ORGANISING)


@hooks.register("register_admin_menu_item")
def register_organised_events_menu_item():
    return OrganisedEventsMenuItem(_("Events I organise"), reverse("courses:event_manage_list"),
                                   icon_name="group", order=221)


@hooks.register("after_create_page")
def put_new_learning_section_under_review(request, page):
    # A new learning section is reviewed and open to trainers from its first day.
    if isinstance(page.specific, LEARNING_SECTION_MODELS):
        from .services import learning_publishing_setup

        learning_publishing_setup()
