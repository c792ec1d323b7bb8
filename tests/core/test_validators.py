"""The corporate number (法人番号): format, check digit, normalisation, uniqueness."""

import pytest
from django.core.exceptions import ValidationError

from hack.accounts.forms import OrganizationForm
from hack.accounts.models import Organization, OrganizationType
from hack.core.validators import corporate_number_check_digit, validate_corporate_number
from tests import factories

# Real corporate numbers, published by the National Tax Agency.
NATIONAL_TAX_AGENCY = "7000012050002"
VALID_NUMBERS = [NATIONAL_TAX_AGENCY, "4010401022860", "1000011000005", "5010001008846"]


def _with_wrong_check_digit(number: str) -> str:
    return str((int(number[0]) % 9) + 1) + number[1:]


@pytest.mark.parametrize("number", VALID_NUMBERS)
def test_real_corporate_numbers_are_valid(number):
    validate_corporate_number(number)
    assert corporate_number_check_digit(number[1:]) == int(number[0])


def test_empty_corporate_number_is_allowed():
    validate_corporate_number("")


@pytest.mark.parametrize("number", VALID_NUMBERS)
def test_wrong_check_digit_is_refused(number):
    with pytest.raises(ValidationError) as caught:
        validate_corporate_number(_with_wrong_check_digit(number))
    assert caught.value.code == "corporate_number_check_digit"


@pytest.mark.parametrize(
    "value",
    [
        NATIONAL_TAX_AGENCY[:12],  # 12 digits
        NATIONAL_TAX_AGENCY + "0",  # 14 digits
        "700001205000A",  # a letter
        "abcdefghijklm",
        # full-width digits: only the form normalises them
        "７００００１２０５０００２",
        "7000-01205000",
        " 700001205000",
        "٧٠٠٠٠١٢٠٥٠٠٠٢",  # Arabic-Indic digits: isdigit() but not ASCII
    ],
)
def test_malformed_corporate_number_is_refused(value):
    with pytest.raises(ValidationError) as caught:
        validate_corporate_number(value)
    assert caught.value.code == "corporate_number_format"


def _form_data(**overrides) -> dict:
    data = {
        "name": "株式会社テスト",
        "org_type": OrganizationType.COMPANY,
        "corporate_number": "",
        "is_startup": "",
        "website": "",
        "description": "",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed",
    [
        "７００００１２０５０００２",  # full-width digits
        " 7000012050002 ",  # surrounding spaces
        "7000012050002　",  # trailing full-width space
    ],
)
def test_organization_form_normalises_what_people_type(typed):
    form = OrganizationForm(data=_form_data(corporate_number=typed))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["corporate_number"] == NATIONAL_TAX_AGENCY


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed",
    ["7-0000-1205-0002", "７－００００－１２０５－０００２", "7 0000 1205 0002"],
)
def test_organization_form_accepts_hyphenated_numbers(typed):
    form = OrganizationForm(data=_form_data(corporate_number=typed))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["corporate_number"] == NATIONAL_TAX_AGENCY


@pytest.mark.django_db
def test_organization_form_refuses_wrong_check_digit_on_the_field():
    form = OrganizationForm(
        data=_form_data(corporate_number=_with_wrong_check_digit(NATIONAL_TAX_AGENCY))
    )
    assert not form.is_valid()
    assert form.has_error("corporate_number", code="corporate_number_check_digit")


@pytest.mark.django_db
def test_organization_form_refuses_letters_on_the_field():
    form = OrganizationForm(data=_form_data(corporate_number="70000120500O2"))
    assert not form.is_valid()
    assert form.has_error("corporate_number", code="corporate_number_format")


@pytest.mark.django_db
def test_organization_model_validates_corporate_number():
    organization = Organization(
        name="株式会社テスト",
        org_type=OrganizationType.COMPANY,
        corporate_number=_with_wrong_check_digit(NATIONAL_TAX_AGENCY),
    )
    with pytest.raises(ValidationError) as caught:
        organization.full_clean()
    assert "corporate_number" in caught.value.error_dict


@pytest.mark.django_db
def test_non_empty_corporate_numbers_are_unique(site):
    factories.make_organization(corporate_number=NATIONAL_TAX_AGENCY)
    with pytest.raises(ValidationError):
        factories.make_organization(corporate_number=NATIONAL_TAX_AGENCY)
    assert (
        Organization.objects.filter(corporate_number=NATIONAL_TAX_AGENCY).count() == 1
    )


@pytest.mark.django_db
def test_many_organisations_may_leave_the_corporate_number_empty(site):
    factories.make_organization(corporate_number="")
    factories.make_organization(corporate_number="")
    factories.make_organization()
    assert Organization.objects.filter(corporate_number="").count() == 3


@pytest.mark.django_db
def test_organization_form_refuses_a_taken_corporate_number(site):
    factories.make_organization(corporate_number=NATIONAL_TAX_AGENCY)
    form = OrganizationForm(
        data=_form_data(corporate_number="７００００１２０５０００２")
    )
    assert not form.is_valid()


@pytest.mark.django_db
def test_taken_corporate_number_error_is_readable(site):
    factories.make_organization(corporate_number=NATIONAL_TAX_AGENCY)
    form = OrganizationForm(data=_form_data(corporate_number=NATIONAL_TAX_AGENCY))
    assert not form.is_valid()
    shown = " ".join(str(e) for errors in form.errors.values() for e in errors)
    assert shown
    # Not Django's generic "Constraint “unique_corporate_number” is violated."
    assert "unique_corporate_number" not in shown
