"""A local stand-in for Elasticsearch: a threading HTTP server on 127.0.0.1
(port 0) that can hang, answer 503, answer canned JSON, or play a tiny
in-memory cluster (indices, aliases, mappings' _meta, bulk) good enough to
drive the reindex and the bulk writes. `refused_url()` is a closed port.

No timing is asserted against it beyond generous bounds.
"""

import fnmatch
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

HEADERS = {
    "Content-Type": "application/json",
    "X-Elastic-Product": "Elasticsearch",
}


def refused_url() -> str:
    """A URL on a port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class FakeCluster:
    """Just enough of Elasticsearch's index, alias and bulk APIs."""

    def __init__(self, *, plugins=("analysis-kuromoji",)):
        self.plugins = list(plugins)
        self.indices: dict[str, dict] = {}
        self.aliases: dict[str, set[str]] = {}
        self.search_response: dict = {
            "hits": {"total": {"value": 0, "relation": "eq"}, "hits": []}
        }
        # (index, bulk item) → status: refuse chosen documents.
        self.refuse_ids: set[str] = set()
        self.lock = threading.Lock()

    # -- helpers
    def resolve(self, expression: str) -> list[str]:
        names = []
        for part in expression.split(","):
            if part in self.aliases:
                names.extend(sorted(self.aliases[part]))
            elif any(c in part for c in "*?"):
                names.extend(sorted(fnmatch.filter(self.indices, part)))
            elif part in self.indices:
                names.append(part)
        return list(dict.fromkeys(names))

    def docs(self, name: str) -> dict:
        names = self.resolve(name)
        return self.indices[names[0]]["docs"] if names else {}

    def _create(self, name, body=None):
        body = body or {}
        self.indices[name] = {
            "settings": body.get("settings", {}),
            "mappings": body.get("mappings", {}),
            "docs": {},
        }

    # -- the API
    def handle(self, method: str, path: str, query: dict, raw: bytes):
        parts = [unquote(p) for p in path.strip("/").split("/") if p]
        body = None
        if raw and not path.endswith("/_bulk"):
            body = json.loads(raw)
        with self.lock:
            return self._route(method, parts, query, body, raw)

    def _route(self, method, parts, query, body, raw):
        if parts[:1] == ["_nodes"]:
            return 200, {
                "nodes": {
                    "n1": {
                        "plugins": [{"name": p} for p in self.plugins],
                        "modules": [{"name": "analysis-common"}],
                    }
                }
            }
        if parts == ["_bulk"]:
            return 200, self._bulk(raw, query)
        if parts == ["_aliases"]:
            return self._aliases(body)
        if parts[:1] == ["_alias"]:
            name = parts[1]
            holders = sorted(self.aliases.get(name, ()))
            if method == "HEAD":
                return (200 if holders else 404), None
            if not holders:
                return 404, {"error": f"alias [{name}] missing", "status": 404}
            return 200, {h: {"aliases": {name: {}}} for h in holders}
        target = parts[0]
        if len(parts) == 1:
            if method == "HEAD":
                found = target in self.indices or target in self.aliases
                return (200 if found else 404), None
            if method == "PUT":
                if target in self.indices or target in self.aliases:
                    return 400, {"error": {"type": "resource_already_exists_exception"}}
                self._create(target, body)
                return 200, {"acknowledged": True, "index": target}
            if method == "GET":
                return 200, {
                    n: {"settings": self.indices[n]["settings"]}
                    for n in self.resolve(target)
                }
            if method == "DELETE":
                for name in self.resolve(target):
                    del self.indices[name]
                    for holders in self.aliases.values():
                        holders.discard(name)
                return 200, {"acknowledged": True}
        if parts[1:] == ["_mapping"]:
            if method == "PUT":
                for name in self.resolve(target):
                    mappings = self.indices[name]["mappings"]
                    if "_meta" in body:
                        mappings["_meta"] = body["_meta"]
                    mappings.setdefault("properties", {}).update(
                        body.get("properties", {})
                    )
                return 200, {"acknowledged": True}
            return 200, {
                n: {"mappings": self.indices[n]["mappings"]}
                for n in self.resolve(target)
            }
        if parts[1:] == ["_refresh"]:
            return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}
        if parts[1:] == ["_search"]:
            if not self.resolve(target):
                return 404, {"error": {"type": "index_not_found_exception"}}
            return 200, self.search_response
        return 400, {"error": f"the stub does not know {method} /{'/'.join(parts)}"}

    def _aliases(self, body):
        for action in body["actions"]:
            ((kind, spec),) = action.items()
            if kind == "remove":
                self.aliases.get(spec["alias"], set()).discard(spec["index"])
            elif kind == "remove_index":
                del self.indices[spec["index"]]
            elif kind == "add":
                if spec["alias"] in self.indices:
                    return 400, {"error": {"type": "invalid_alias_name_exception"}}
                self.aliases.setdefault(spec["alias"], set()).add(spec["index"])
        return 200, {"acknowledged": True}

    def _bulk(self, raw: bytes, query: dict) -> dict:
        lines = [json.loads(line) for line in raw.decode().splitlines() if line]
        require_alias = query.get("require_alias") == ["true"]
        items, i = [], 0
        while i < len(lines):
            ((op, meta),) = lines[i].items()
            i += 1
            source = None
            if op != "delete":
                source = lines[i]
                i += 1
            name, doc_id = meta["_index"], meta["_id"]
            result = {"_index": name, "_id": doc_id}
            if require_alias and name not in self.aliases:
                result.update(
                    status=404,
                    error={"type": "index_not_found_exception", "reason": name},
                )
            elif doc_id in self.refuse_ids:
                result.update(status=400, error={"type": "mapper_parsing_exception"})
            else:
                if name not in self.indices and name not in self.aliases:
                    self._create(name)  # as Elasticsearch auto-creates
                docs = self.docs(name)
                if op == "delete":
                    found = docs.pop(doc_id, None) is not None
                    result.update(
                        status=200 if found else 404,
                        result="deleted" if found else "not_found",
                    )
                elif op == "update":
                    docs.setdefault(doc_id, {}).update(source["doc"])
                    result.update(status=200, result="updated")
                else:
                    docs[doc_id] = source
                    result.update(status=201, result="created")
            items.append({op: result})
        return {
            "took": 1,
            "errors": any("error" in v for d in items for v in d.values()),
            "items": items,
        }


class StubServer:
    """mode: "cluster" (a FakeCluster), "hang" (sleep past any timeout),
    "503" (every request answered 503), or "json" (one canned answer)."""

    def __init__(self, mode: str = "cluster", *, canned=None, hang_seconds=10.0):
        self.mode = mode
        self.canned = canned or {}
        self.hang_seconds = hang_seconds
        self.cluster = FakeCluster()
        self.requests: list[tuple[str, str]] = []
        self._release = threading.Event()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                url = urlsplit(self.path)
                stub.requests.append((self.command, url.path))
                status, payload = stub.answer(
                    self.command, url.path, parse_qs(url.query), raw
                )
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                for key, value in HEADERS.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def answer(self, method, path, query, raw):
        if self.mode == "hang":
            self._release.wait(self.hang_seconds)
            return 200, {}
        if self.mode == "503":
            return 503, {"error": {"type": "unavailable"}, "status": 503}
        if self.mode == "json":
            return 200, self.canned
        return self.cluster.handle(method, path, query, raw)

    def start(self) -> "StubServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
