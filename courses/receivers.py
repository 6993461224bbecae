"""What courses does when people's records change."""

from django.dispatch import receiver

from people.employment import teachers_left

from .services import assignment_leavers_release


@receiver(teachers_left, dispatch_uid="courses.leavers_release")
def _leavers_release(sender, *, user_ids, **kw):
    # A leaving dated ahead took effect today: as for one entered on its day.
    assignment_leavers_release(user_ids=list(user_ids))
