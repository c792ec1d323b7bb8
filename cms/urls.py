from django.urls import path

from . import views

app_name = "cms"

urlpatterns = [
    path(
        "pilots/<int:pk>/case-study/",
        views.pilot_case_study,
        name="pilot-case-study",
    ),
]
