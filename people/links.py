"""Links an upper app adds to the pages of the apps below it, through a Wagtail hook.

A page of people, courses or certification that would link to another app's pages (the HR desk,
its sheets, its privacy requests) names a slot instead: `{% page_links "teacher_record" teacher=teacher
as links %}`. Each function registered under PAGE_LINKS (`hr/wagtail_hooks.py`) is asked for the
slot's links; an app that is not installed adds none, and the page renders without them.
"""

from dataclasses import dataclass

from wagtail import hooks

PAGE_LINKS = "xinyu_page_links"


@dataclass(frozen=True)
class Link:
    url: str
    label: str


def page_links(slot: str, *, request=None, **context) -> list[Link]:
    """The links the installed apps add to `slot`, in their hooks' order."""
    links: list[Link] = []
    for fn in hooks.get_hooks(PAGE_LINKS):
        links.extend(fn(slot, request=request, **context) or ())
    return links
