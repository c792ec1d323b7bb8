from django.db import models
from django.utils.translation import gettext_lazy as _


class Field(models.TextChoices):
    """The fields of city work a need belongs to (matching-dev.json's `field`)."""

    DISASTER = "disaster", _("Disaster prevention")
    CHILDCARE = "childcare", _("Child-rearing")
    EDUCATION = "education", _("Education")
    WELFARE = "welfare", _("Welfare and care")
    HEALTH = "health", _("Health and medicine")
    COUNTER = "counter", _("Counters and procedures")
    INTERNAL = "internal", _("Internal operations")
    TOURISM = "tourism", _("Tourism and industry")
    TRANSPORT = "transport", _("Transport and urban development")
    ENVIRONMENT = "environment", _("Environment and waste")
    COMMUNITY = "community", _("Local community")
    OTHER = "other", _("Other")


# The Japanese labels used in matching-dev.json, mapped to our codes.
FIELD_BY_JAPANESE_LABEL = {
    "防災": Field.DISASTER,
    "子育て": Field.CHILDCARE,
    "教育": Field.EDUCATION,
    "福祉・介護": Field.WELFARE,
    "健康・医療": Field.HEALTH,
    "窓口・手続": Field.COUNTER,
    "庁内業務": Field.INTERNAL,
    "観光・産業": Field.TOURISM,
    "交通・まちづくり": Field.TRANSPORT,
    "環境・ごみ": Field.ENVIRONMENT,
    "地域・コミュニティ": Field.COMMUNITY,
    "その他": Field.OTHER,
}


class Specificity(models.TextChoices):
    LOW = "low", _("Low: the problem is felt, no solution in sight")
    MEDIUM = "medium", _("Medium: the direction is known, the method is not")
    HIGH = "high", _("High: a concrete requirement, e.g. used in other cities")


SPECIFICITY_SHORT_LABELS = {
    Specificity.LOW: _("Low"),
    Specificity.MEDIUM: _("Medium"),
    Specificity.HIGH: _("High"),
}


class Stage(models.TextChoices):
    """Where a published need is in its life; separate from Wagtail's draft/live."""

    PUBLISHED = "published", _("Published")
    OPEN_FOR_IDEAS = "open_for_ideas", _("Open for ideas")
    WORKING_GROUP = "working_group", _("Working group")
    PILOT = "pilot", _("Pilot project")
    IMPLEMENTED = "implemented", _("Implemented")
    CLOSED = "closed", _("Closed")


# A need moves forward (it may skip steps, e.g. straight to a working group) or
# closes; it never goes back, and a closed need stays closed.
STAGE_ORDER = [
    Stage.PUBLISHED,
    Stage.OPEN_FOR_IDEAS,
    Stage.WORKING_GROUP,
    Stage.PILOT,
    Stage.IMPLEMENTED,
    Stage.CLOSED,
]


def allowed_next_stages(current: str) -> list[Stage]:
    if current == Stage.CLOSED:
        return []
    position = STAGE_ORDER.index(Stage(current))
    return STAGE_ORDER[position + 1 :]
