from urllib.parse import urlencode

from django import forms


class ListFilters:
    """The values of a list page's filter form. An invalid value drops only its own
    filter, not the others."""

    def __init__(self, form: forms.Form):
        self.form = form
        form.is_valid()
        self.values = form.cleaned_data

    def querystring(self) -> str:
        return urlencode({k: v for k, v in self.values.items() if v})
