from django.db import models
from django.utils.translation import gettext_lazy as _


class Maturity(models.TextChoices):
    RESEARCH = "research", _("Research")
    PROTOTYPE = "prototype", _("Prototype")
    VALIDATED = "validated", _("Validated in demonstrations")
    DEPLOYED_ELSEWHERE = "deployed_elsewhere", _("Deployed in other municipalities")
