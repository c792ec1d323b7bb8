from django import template

register = template.Library()


@register.filter
def thousands(value) -> str:
    """1250 → “1,250”, the way the city writes counts in both languages."""
    if value is None or value == "":
        return ""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


@register.filter
def smaller(value, limit):
    """The smaller of two numbers: a progress bar's value never passes its max."""
    try:
        return min(int(value), int(limit))
    except (TypeError, ValueError):
        return value
