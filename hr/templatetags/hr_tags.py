from django import template

register = template.Library()


@register.simple_tag
def sheet_label(labels: dict, key: str):
    """The display name of a sheet kind."""
    return labels.get(key, key)
