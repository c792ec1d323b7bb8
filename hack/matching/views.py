"""Coordinator curation queue and the per-role views of suggestions."""

urlpatterns = []
