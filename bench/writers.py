#!/usr/bin/env python3
"""Concurrent writers against the Lotse write API (issue 13).

Starts the release server on a fresh, seeded SQLite or PostgreSQL database,
creates a `write` key, and runs N writer threads for D seconds. Each writer
loops: create an offer (POST), patch it with its current ETag (must win),
patch it again with the same, now stale ETag (must get 412), race every
other writer for one shared offer with the ETag read at the start (exactly
one may ever win), and delete every other offer it created.

Then it checks what the issue asks: no 5xx; every successful (2xx) write
is in the change feed and the audit trail exactly once, and in the data;
the feed's seq strictly increases. It prints writes/s, requests/s, the
status counts and the latency of writes (p50/p99), and exits non-zero if a
check failed.

Only the standard library (threads and http.client).

    python3 bench/writers.py --binary target/release/lotse --db sqlite
    python3 bench/writers.py --binary target/release/lotse --db postgres \
        --postgres postgres://postgres@127.0.0.1:5432
    python3 bench/writers.py --binary target/release/lotse --offers 20000
"""
from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(args) -> str:
    if args.db == "sqlite":
        path = os.path.join(tempfile.mkdtemp(prefix="lotse-writers-"), "lotse.db")
        return f"sqlite://{path}?mode=rwc"
    name = "lotse_writers_bench"
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", f"{args.postgres}/postgres", "-qc", sql], check=True)
    return f"{args.postgres}/{name}?sslmode=disable"


class Client:
    """One keep-alive connection per writer thread."""

    def __init__(self, port: int, key: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.key = key

    def send(self, method, path, body=None, content_type="application/json", headers=None):
        h = {"Authorization": f"Bearer {self.key}"}
        if body is not None:
            h["Content-Type"] = content_type
            body = json.dumps(body)
        h.update(headers or {})
        started = time.perf_counter()
        self.conn.request(method, path, body=body, headers=h)
        response = self.conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - started
        return response.status, dict(response.getheaders()), data, elapsed


def get_json(port: int, path: str, key: str | None = None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response), dict(response.getheaders())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--offers", type=int, default=0,
                        help="generate this many synthetic offers first (lotse generate)")
    args = parser.parse_args()

    url = prepare(args)
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, RUST_LOG="warn")
    if args.offers:
        subprocess.run([args.binary, "generate", "--offers", str(args.offers)],
                       env=env, check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen(
        [args.binary, "serve", "--addr", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):
            try:
                get_json(port, "/ready")
                break
            except Exception:
                time.sleep(0.1)
        key = subprocess.run(
            [args.binary, "keys", "create", "--name", "bench", "--scope", "write"],
            env=env, check=True, capture_output=True, text=True,
        ).stdout.strip()
        admin = subprocess.run(
            [args.binary, "keys", "create", "--name", "bench-admin", "--scope", "admin"],
            env=env, check=True, capture_output=True, text=True,
        ).stdout.strip()
        return run(args, port, key, admin)
    finally:
        server.terminate()
        server.wait(timeout=30)


def run(args, port: int, key: str, admin: str) -> int:
    # The newest seq before the run: the audit trail is newest first.
    newest, _ = get_json(port, "/api/v1/audit?limit=1", admin)
    start_seq = newest["items"][0]["seq"]
    template, headers = get_json(port, "/api/v1/offers/tbs-beratung")
    shared_etag = headers["ETag"] if "ETag" in headers else headers["etag"]
    base = {
        "slug": "", "title_de": "", "title_en": None,
        "summary_de": "Beratung im Lasttest.", "summary_en": None,
        "description_de": None, "description_en": None,
        "provider": "ig-metall", "provider_note": None, "project": None,
        "kind": "consulting", "target_groups": ["works_council"],
        "topics": ["arbeit-40"], "regions": ["dortmund"], "cost": "free",
        "valid_from": None, "valid_until": None, "application_deadline": None,
        "url": None, "source": "bench/writers.py", "verified": False, "note": None,
    }
    statuses = collections.Counter()
    latencies: list[float] = []
    done: list[tuple[str, str | None]] = []  # (slug, title set; None: deleted or race)
    created: dict[str, str | None] = {}  # slug -> final title (None: deleted)
    lock = threading.Lock()
    deadline = time.monotonic() + args.duration

    def writer(w: int):
        client = Client(port, key)
        n = 0
        local_done, local_status, local_lat, local_created = [], collections.Counter(), [], {}
        while time.monotonic() < deadline:
            slug = f"bench-{w}-{n}"
            body = dict(base, slug=slug, title_de=f"Lasttest {w}/{n}")
            status, h, _, t = client.send("POST", "/api/v1/offers", body)
            local_status[status] += 1
            local_lat.append(t)
            if status != 201:
                n += 1
                continue
            local_done.append((slug, body["title_de"]))
            local_created[slug] = body["title_de"]
            etag = h.get("ETag") or h.get("etag")
            for title in (f"Neu {w}/{n}", "verloren"):
                status, _, _, t = client.send(
                    "PATCH", f"/api/v1/offers/{slug}", {"title_de": title},
                    "application/merge-patch+json", {"If-Match": etag},
                )
                local_status[status] += 1
                local_lat.append(t)
                if status == 200:
                    local_done.append((slug, title))
                    local_created[slug] = title
            status, _, _, t = client.send(
                "PATCH", "/api/v1/offers/tbs-beratung", {"title_en": f"race {w}/{n}"},
                "application/merge-patch+json", {"If-Match": shared_etag},
            )
            local_status[status] += 1
            local_lat.append(t)
            if status == 200:
                local_done.append(("tbs-beratung", None))
            if n % 2 == 1:
                status, _, _, t = client.send("DELETE", f"/api/v1/offers/{slug}")
                local_status[status] += 1
                local_lat.append(t)
                if status == 204:
                    local_done.append((slug, None))
                    local_created[slug] = None
            n += 1
        with lock:
            done.extend(local_done)
            statuses.update(local_status)
            latencies.extend(local_lat)
            created.update(local_created)

    started = time.monotonic()
    threads = [threading.Thread(target=writer, args=(w,)) for w in range(args.writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started

    failures = []
    if any(s >= 500 for s in statuses):
        failures.append(f"5xx answers: {dict(statuses)}")
    races = sum(1 for slug, _ in done if slug == "tbs-beratung")
    if races > 1:
        failures.append(f"{races} writers won the race for one ETag")

    # The feed and the audit trail after the start.
    entries, since = [], start_seq
    while True:
        page, _ = get_json(port, f"/api/v1/changes?limit=1000&since={since}")
        entries.extend(page["items"])
        since = page["next_cursor"]
        if not page["has_more"]:
            break
    seqs = [e["seq"] for e in entries]
    if any(a >= b for a, b in zip(seqs, seqs[1:])):
        failures.append("seq does not strictly increase")
    audit, cursor = [], None
    while True:
        path = "/api/v1/audit?actor=bench&limit=1000" + (f"&cursor={cursor}" if cursor else "")
        page, _ = get_json(port, path, admin)
        audit.extend(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    if len(entries) != len(done):
        failures.append(f"{len(done)} successful writes, {len(entries)} feed entries")
    if len(audit) != len(done):
        failures.append(f"{len(done)} successful writes, {len(audit)} audit entries")
    slug_of = {e["id"]: e["record"]["slug"] for e in entries if e["op"] == "upsert"}
    from_feed = collections.Counter(
        (slug_of.get(e["id"], "?"), None) if e["op"] == "delete"
        else ("tbs-beratung", None) if e["record"]["slug"] == "tbs-beratung"
        else (e["record"]["slug"], e["record"]["title_de"])
        for e in entries
    )
    if from_feed != collections.Counter(done):
        failures.append("the feed's writes differ from the successful writes")
    # The data: every created offer in its last state (a sample of 200).
    for slug, title in list(created.items())[:200]:
        try:
            item, _ = get_json(port, f"/api/v1/offers/{slug}")
            if title is None or item["title"] != title:
                failures.append(f"{slug}: {item['title']!r}, expected {title!r}")
        except urllib.error.HTTPError as e:
            if not (e.code == 404 and title is None):
                failures.append(f"{slug}: {e.code}, expected {title!r}")

    latencies.sort()
    pct = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000
    requests = sum(statuses.values())
    print(f"database: {args.db}, generated offers: {args.offers}, "
          f"writers: {args.writers}, duration: {elapsed:.1f} s")
    print(f"requests: {requests} ({requests / elapsed:.1f}/s), "
          f"successful writes: {len(done)} ({len(done) / elapsed:.1f}/s)")
    print(f"statuses: {dict(sorted(statuses.items()))}")
    print(f"write latency: p50 {pct(0.50):.1f} ms, p99 {pct(0.99):.1f} ms")
    print(f"feed entries: {len(entries)}, audit entries: {len(audit)}, race winners: {races}")
    for f in failures[:20]:
        print(f"FAILED: {f}")
    print("checks: " + ("passed" if not failures else f"{len(failures)} failed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
