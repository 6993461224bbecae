from django import template

register = template.Library()


@register.simple_tag
def sheet_label(labels: dict, key: str):
    """The display name of a sheet kind."""
    return labels.get(key, key)


@register.simple_tag
def column_label(headers, index: int, fallback: str):
    """The sheet header of a preview column (phones show it beside each value)."""
    try:
        return headers[index]
    except (IndexError, TypeError):
        return fallback
