from . import discovery, similar, views

app_name = "matching"

# Curation and per-role views (views.py), similar items while writing
# (similar.py) and 掘り起こし (discovery.py) are kept apart: each is read and
# changed on its own.
urlpatterns = [*views.urlpatterns, *similar.urlpatterns, *discovery.urlpatterns]
