"""Validators shared by several apps."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def corporate_number_check_digit(base12: str) -> int:
    """The check digit of a Japanese corporate number (法人番号) for its 12 base digits.

    National Tax Agency rule: weights 1, 2, 1, 2 … from the rightmost base digit,
    check digit = 9 - (weighted sum mod 9).
    """
    total = sum(
        int(digit) * (1 if position % 2 == 0 else 2)
        for position, digit in enumerate(reversed(base12))
    )
    return 9 - total % 9


def validate_corporate_number(value: str) -> None:
    if not value:
        return
    if len(value) != 13 or not value.isascii() or not value.isdigit():
        raise ValidationError(
            _("A corporate number has exactly 13 digits (half-width numbers)."),
            code="corporate_number_format",
        )
    if int(value[0]) != corporate_number_check_digit(value[1:]):
        raise ValidationError(
            _(
                "This corporate number is not valid: its check digit does not match. "
                "Please check the number on the National Tax Agency site."
            ),
            code="corporate_number_check_digit",
        )
