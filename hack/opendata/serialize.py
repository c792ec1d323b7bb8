"""Small pieces every dataset's rows are made of, and their OpenAPI schemas."""

from datetime import date, datetime

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation

from hack.accounts.models import Organization, OrganizationType


def license_info() -> dict:
    """Read at request time, so a deployment (or a test) can change it."""
    return {
        "name": settings.OPENDATA_LICENSE_NAME,
        "url": settings.OPENDATA_LICENSE_URL,
        "attribution": settings.OPENDATA_ATTRIBUTION,
    }


def labels(choices, value) -> dict[str, str]:
    """The label of a coded value in every language of the site."""
    try:
        label = choices(value).label
    except ValueError:  # a code no longer offered: its code stands for it
        label = str(value)
    result = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            result[code] = str(label)
    return result


def iso_datetime(moment: datetime | None) -> str | None:
    """In the city's time zone, to the second: 2024-06-01T12:00:00+09:00."""
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


def iso_date(day: date | None) -> str | None:
    return day.isoformat() if day else None


def absolute_url(request: HttpRequest, url: str | None) -> str | None:
    if not url:
        return None
    return request.build_absolute_uri(url)


def page_url(request: HttpRequest, page) -> str | None:
    """The page's public address in the site's default language: the same URL
    whatever language the API was asked in."""
    with translation.override(settings.LANGUAGE_CODE):
        return absolute_url(request, page.get_url(request=request))


def organization(request: HttpRequest, org: Organization) -> dict:
    """What the public profile page shows of an organisation; never its members,
    corporate number or anything typed by an account."""
    with translation.override(settings.LANGUAGE_CODE):
        url = reverse("seeds:organization-detail", kwargs={"pk": org.pk})
    return {
        "id": org.pk,
        "name": org.name,
        "type": org.org_type,
        "type_label": labels(OrganizationType, org.org_type),
        "url": absolute_url(request, url),
    }


# OpenAPI schemas of the pieces above -----------------------------------------


def string(*, nullable: bool = False, **extra) -> dict:
    schema = {"type": "string", **extra}
    if nullable:
        schema["nullable"] = True
    return schema


def integer(*, nullable: bool = False, **extra) -> dict:
    schema = {"type": "integer", **extra}
    if nullable:
        schema["nullable"] = True
    return schema


def obj(properties: dict, *, nullable: bool = False, description=None) -> dict:
    """A closed object: every property present, nothing else. A field added to a
    row without its schema fails the schema test instead of leaking quietly."""
    schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    if nullable:
        schema["nullable"] = True
    if description:
        schema["description"] = str(description)
    return schema


def labels_schema() -> dict:
    return obj({code: string() for code, _name in settings.LANGUAGES})


def coded_schema(choices) -> dict:
    integer_codes = all(isinstance(value, int) for value in choices.values)
    if integer_codes:
        return {"type": "integer", "enum": list(choices.values)}
    return {"type": "string", "enum": [str(value) for value in choices.values]}


def datetime_schema(*, nullable: bool = False) -> dict:
    return string(nullable=nullable, format="date-time")


def date_schema(*, nullable: bool = False) -> dict:
    return string(nullable=nullable, format="date")


def url_schema(*, nullable: bool = False) -> dict:
    return string(nullable=nullable, format="uri")


def organization_schema() -> dict:
    return obj(
        {
            "id": integer(),
            "name": string(),
            "type": coded_schema(OrganizationType),
            "type_label": labels_schema(),
            "url": url_schema(),
        }
    )


def verbose(model, name: str) -> str:
    """A field's label as the models already translate it: the OpenAPI
    descriptions reuse the catalogue instead of repeating it."""
    return str(model._meta.get_field(name).verbose_name)
