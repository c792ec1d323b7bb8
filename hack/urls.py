from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib.staticfiles.urls import staticfiles_urlpatterns
from django.urls import include, path
from django.utils import translation
from django.views.i18n import set_language
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from hack.accounts.admin_guards import reports_urlpatterns
from hack.needs.feeds import LatestNeedsFeed
from hack.seeds.feeds import LatestSeedsFeed


def set_language_from_next(request):
    """Resolve `next` in its own language: /i18n/ runs in the default language, where
    Wagtail's catch-all would read "en/needs/" as a page path."""
    next_url = request.POST.get("next", request.GET.get("next", ""))
    language = translation.get_language_from_path(next_url) or settings.LANGUAGE_CODE
    with translation.override(language):
        response = set_language(request)
    chosen = request.POST.get("language", "")
    if (
        request.method == "POST"
        and request.user.is_authenticated
        and chosen in dict(settings.LANGUAGES)
    ):
        # Emails follow the language the person last chose on the site.
        from hack.notifications.services import set_email_language

        set_email_language(user=request.user, language=chosen)
    return response


urlpatterns = [
    path("admin/reports/", include(reports_urlpatterns)),
    path("admin/", include(wagtailadmin_urls)),
    path("i18n/setlang/", set_language_from_next, name="set_language"),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("sitemap.xml", sitemap),
    # Open data: one URL per dataset in every language, so no i18n prefix.
    path("api/", include("hack.opendata.urls")),
]

urlpatterns += i18n_patterns(
    path("accounts/", include("allauth.urls")),
    path("", include("hack.accounts.urls")),
    path("", include("hack.seeds.urls")),
    path("", include("hack.calls.urls")),
    path("", include("hack.notifications.urls")),
    path("", include("hack.workspaces.urls")),
    path("", include("hack.pilots.urls")),
    path("", include("cms.urls")),
    path("", include("hack.participation.urls")),
    path("matching/", include("hack.matching.urls")),
    path("search/", include("hack.search.urls")),
    path("feeds/needs/", LatestNeedsFeed(), name="needs-feed"),
    path("feeds/seeds/", LatestSeedsFeed(), name="seeds-feed"),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)

if settings.DEBUG:
    urlpatterns = (
        staticfiles_urlpatterns()
        + static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
        + urlpatterns
    )
