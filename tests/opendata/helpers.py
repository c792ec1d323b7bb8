import csv
import io

from django.test.client import ClientHandler

BOM = b"\xef\xbb\xbf"


def get_json(client, url, **params):
    response = client.get(url, params)
    assert response["Content-Type"] == "application/json", response.content[:200]
    return response, response.json()


def read_csv(response) -> list[dict]:
    assert response.content.startswith(BOM)
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def titles(data: dict) -> set[str]:
    return {row["title"] for row in data["results"]}


def wsgi_app(environ, start_response):
    """The site as a WSGI application that stays inside the test's database
    transaction: Django's test handler does not close the connection at the end
    of each request, as the production WSGIHandler does."""
    response = ClientHandler(enforce_csrf_checks=False)(environ)
    headers = list(response.items())
    headers += [("Set-Cookie", c.output(header="")) for c in response.cookies.values()]
    start_response(f"{response.status_code} {response.reason_phrase}", headers)
    return [response.content]
