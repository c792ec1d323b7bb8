"""Numbers on pilot pages: as many decimals as the value has, and signed
percentages."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def number(value: Decimal | None) -> str:
    """3300.00 → "3,300", 97.20 → "97.2"."""
    if value is None:
        return ""
    return f"{Decimal(value).normalize():,f}"


@register.filter
def signed_percent(value: Decimal | None) -> str:
    """-25.333 → "-25.3%", 12 → "+12%"."""
    if value is None:
        return ""
    rounded = Decimal(value).quantize(Decimal("0.1")).normalize()
    if rounded == 0:
        return "0%"
    sign = "+" if rounded > 0 else "−"
    return f"{sign}{abs(rounded):f}%"
