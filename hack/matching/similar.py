"""Similar published needs or seeds, shown while someone writes one."""

urlpatterns = []
