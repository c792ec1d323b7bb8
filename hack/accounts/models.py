import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hack.core.models import BoundedTextField, TimeStampedModel
from hack.core.validators import validate_corporate_number

INVITATION_LIFETIME = timedelta(days=14)


class User(AbstractUser):
    """A person. Email is the login (allauth); the username is generated."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("department"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_("Set for city staff of a department (事業所管課)."),
    )
    # Emails are written in this language; set at sign-up and when the person
    # switches the site's language (hack.urls.set_language_from_next).
    language = models.CharField(
        _("language for emails"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="ja",
    )

    def __str__(self):
        return self.display_name or self.get_full_name() or self.email or self.username

    @property
    def public_name(self) -> str:
        """How other people see this person on shared pages (working groups).
        Never the email: members of other organisations must not learn it. Without
        a name, a numbered label still tells people apart."""
        name = self.display_name.strip() or self.get_full_name()
        if name:
            return name
        return gettext("Participant %(number)s (no name set)") % {"number": self.pk}


class Department(TimeStampedModel):
    """A bureau or ward office (局/区) plus a section (課) of the city."""

    bureau = models.CharField(
        _("bureau or ward office"), max_length=100, help_text=_("e.g. 港南区役所")
    )
    section = models.CharField(
        _("section"), max_length=100, help_text=_("e.g. 区政推進課")
    )
    slug = models.SlugField(
        _("slug"),
        max_length=80,
        unique=True,
        allow_unicode=False,
        help_text=_("Half-width letters for URLs, e.g. konan-kusei."),
    )
    staff_group = models.OneToOneField(
        Group,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="department",
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["bureau", "section"]
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "section"], name="unique_department"
            )
        ]

    def __str__(self):
        return f"{self.bureau} {self.section}"


class OrganizationType(models.TextChoices):
    COMPANY = "company", _("Company")
    STARTUP = "startup", _("Startup")
    UNIVERSITY = "university", _("University or research institute")
    NPO = "npo", _("NPO or civic organisation")


class Organization(TimeStampedModel):
    name = models.CharField(_("organisation name"), max_length=200)
    org_type = models.CharField(
        _("organisation type"), max_length=20, choices=OrganizationType.choices
    )
    corporate_number = models.CharField(
        _("corporate number (法人番号)"),
        max_length=13,
        blank=True,
        validators=[validate_corporate_number],
        help_text=_("Optional. 13 half-width digits."),
    )
    is_startup = models.BooleanField(
        _("startup"),
        default=False,
        help_text=_(
            "Tick for a young company or a university spin-off: startups with little "
            "funding can get support in pilot projects. Always on for the type Startup."
        ),
    )
    website = models.URLField(_("website"), blank=True, max_length=300)
    description = BoundedTextField(_("description"), blank=True, max_length=3000)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["corporate_number"],
                condition=~models.Q(corporate_number=""),
                name="unique_corporate_number",
                violation_error_message=_(
                    "An organisation with this corporate number is already registered. "
                    "Ask its owner to invite you."
                ),
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("seeds:organization-detail", kwargs={"pk": self.pk})

    def clean(self):
        super().clean()
        # The type Startup implies the flag; other types may be startups too.
        if self.org_type == OrganizationType.STARTUP:
            self.is_startup = True


class MembershipRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    MEMBER = "member", _("Member")


class Membership(TimeStampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("role"),
        max_length=10,
        choices=MembershipRole.choices,
        default=MembershipRole.MEMBER,
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="unique_membership"
            )
        ]

    def __str__(self):
        return f"{self.user} @ {self.organization} ({self.get_role_display()})"


class Invitation(TimeStampedModel):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("email address"))
    role = models.CharField(
        _("role"),
        max_length=10,
        choices=MembershipRole.choices,
        default=MembershipRole.MEMBER,
    )
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.organization}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() > self.created_at + INVITATION_LIFETIME

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and not self.is_expired
