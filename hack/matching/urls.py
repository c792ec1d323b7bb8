from . import similar, views

app_name = "matching"

# Curation and per-role views (views.py) and similar-items-while-writing
# (similar.py) are kept apart: they are written and changed independently.
urlpatterns = [*views.urlpatterns, *similar.urlpatterns]
