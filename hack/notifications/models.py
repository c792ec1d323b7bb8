import unicodedata

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .kinds import EmailCategory, render_title


class Notification(models.Model):
    """One in-app notification for one person. The title is rendered when shown,
    from the kind and the JSON params, in the viewer's language."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=64)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread")
        ]

    def __str__(self):
        return self.title

    @property
    def title(self) -> str:
        return render_title(self.kind, self.params)

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class EmailDelivery(models.Model):
    """The outbox: an email rendered when it was queued, sent after commit and
    retried with backoff until it is sent or gives up."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient"),
    )
    to_address = models.EmailField(_("to"), max_length=254)
    category = models.CharField(
        _("category"), max_length=20, choices=EmailCategory.choices
    )
    kind = models.CharField(_("kind"), max_length=64, blank=True)
    subject = models.CharField(_("subject"), max_length=998)
    body = models.TextField(_("body"))
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("email delivery")
        verbose_name_plural = _("email deliveries")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due")
        ]

    def __str__(self):
        return f"{self.to_address}: {self.subject}"


class NotificationPreference(models.Model):
    """What a person turned off for email. In-app notifications always stay."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    email_off = models.JSONField(
        _("email categories turned off"), default=list, blank=True
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self):
        return str(self.user)


class AnnouncementKind(models.TextChoices):
    NEED = "need", _("Need")
    CALL = "call", _("Idea call")


class SubscriptionKinds(models.TextChoices):
    BOTH = "both", _("New needs and idea calls")
    NEEDS = "needs", _("New needs only")
    CALLS = "calls", _("New idea calls only")


class Frequency(models.TextChoices):
    INSTANT = "instant", _("At once, one email for each")
    DAILY = "daily", _("Daily digest")
    WEEKLY = "weekly", _("Weekly digest")


def normalise(text: str) -> str:
    """NFKC and case-folded: ＤＸ matches dx, half-width カナ matches full-width."""
    return unicodedata.normalize("NFKC", text or "").casefold()


class Announcement(models.Model):
    """A new need or idea call, kept for digests. `key` makes announcing once."""

    key = models.CharField(_("key"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=AnnouncementKind.choices)
    title = models.CharField(_("title"), max_length=255)
    summary = models.TextField(_("summary"), blank=True)
    url = models.CharField(_("link"), max_length=500)
    field = models.CharField(_("field"), max_length=20, blank=True)
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    created_at = models.DateTimeField(
        _("announced at"), default=timezone.now, db_index=True
    )

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.title


class Subscription(models.Model):
    """What new needs and idea calls a person wants to hear about, and how often.
    Empty filters match everything."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=_("user"),
    )
    fields = models.JSONField(_("fields"), default=list, blank=True)
    department = models.ForeignKey(
        "accounts.Department",
        # A subscription must never widen to "every department" by itself.
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    keyword = models.CharField(_("keyword"), max_length=100, blank=True)
    kinds = models.CharField(
        _("what to follow"),
        max_length=10,
        choices=SubscriptionKinds.choices,
        default=SubscriptionKinds.BOTH,
    )
    frequency = models.CharField(
        _("how often"),
        max_length=10,
        choices=Frequency.choices,
        default=Frequency.DAILY,
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_digest_at = models.DateTimeField(_("last digest at"), null=True, blank=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["is_active", "frequency"], name="subscription_due")
        ]

    def __str__(self):
        return self.describe()

    def follows(self, kind: str) -> bool:
        if self.kinds == SubscriptionKinds.BOTH:
            return True
        return (self.kinds, kind) in {
            (SubscriptionKinds.NEEDS, AnnouncementKind.NEED),
            (SubscriptionKinds.CALLS, AnnouncementKind.CALL),
        }

    def matches(self, announcement: Announcement) -> bool:
        if not self.follows(announcement.kind):
            return False
        if self.fields and announcement.field not in self.fields:
            return False
        if self.department_id and announcement.department_id != self.department_id:
            return False
        if self.keyword:
            text = normalise(f"{announcement.title}\n{announcement.summary}")
            return normalise(self.keyword) in text
        return True

    def describe(self) -> str:
        """The filters in words, in the current language."""
        from .selectors import field_labels

        labels = field_labels()
        parts = [str(SubscriptionKinds(self.kinds).label)]
        if self.fields:
            parts.append(", ".join(str(labels.get(f, f)) for f in self.fields))
        if self.department_id:
            parts.append(str(self.department))
        if self.keyword:
            parts.append(f"“{self.keyword}”")
        return " / ".join(parts)
