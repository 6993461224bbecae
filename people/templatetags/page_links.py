"""`{% page_links slot key=value as links %}`: the links other apps add to a page (people.links)."""

from django import template

from people import links

register = template.Library()


@register.simple_tag(takes_context=True)
def page_links(context, slot: str, **values) -> list[links.Link]:
    return links.page_links(slot, request=context.get("request"), **values)
