#!/usr/bin/env python3
"""Load benchmark of the Lotse API (see bench/README.md).

Generates the dataset into SQLite and/or PostgreSQL, starts the release
server on each, drives fixed scenarios with wrk and prints one table per
database: req/s, p50/p99 latency, errors, plus start-to-ready time, peak RSS
of the server and the ratio of the list page to a static-file ceiling (nginx
serving the same bytes on the same machine).

Only the standard library: the figures come from wrk and /proc, this script
only starts things and reads their output.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"

# Budgets from the benchmark issue; the table marks each figure against them.
P99_BUDGET_MS = 20.0
CEILING_RATIO_BUDGET = 0.5
RSS_BUDGET_MB = 100.0
READY_BUDGET_S = 2.0
# Connections of the uncached search/match sweep.
SWEEP_CONNECTIONS = (1, 4, 8)

GRAPHQL_LIST = """{ offers(first: 20) { nodes { id slug title summary kind cost
  targetGroups validFrom validUntil applicationDeadline url source verified
  provider { id slug name shortName kind } topics { id slug label }
  regions { id slug name kind ars nuts } } } }"""

MATCH_PROFILE = {
    "region": "05711",
    "role": "works_council",
    "topics": ["arbeit-40"],
    "need": "Digitalisierung im Betrieb mitgestalten, Weiterbildung der Beschäftigten",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str, timeout: float = 5.0, headers: dict | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def http_post(url: str, body: dict, headers: dict | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def lua_post(path: Path, body: str) -> Path:
    """A wrk script that sends `body` as a JSON POST."""
    path.write_text(
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = [==[{body}]==]\n"
    )
    return path


def uncached(script: Path | None) -> Path:
    """The same requests with `Cache-Control: no-cache` (the cold path)."""
    text = script.read_text() if script else ""
    path = WORK / f"uncached-{script.stem if script else 'get'}.lua"
    path.write_text(text + 'wrk.headers["Cache-Control"] = "no-cache"\n')
    return path


def to_ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not m:
        raise ValueError(f"unexpected wrk latency {text!r}")
    value, unit = float(m.group(1)), m.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(
    url: str, args, script: Path | None, duration: int, connections: int | None = None
) -> dict:
    connections = connections or args.connections
    cmd = [
        "wrk",
        f"-t{min(args.threads, connections)}",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        "5s",
    ]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    pct = dict(re.findall(r"^\s+(\d+)%\s+(\S+)", out, re.M))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sock:
        errors += sum(int(n) for n in sock.groups())
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return {
        "rps": rps,
        "p50": to_ms(pct["50"]),
        "p99": to_ms(pct["99"]),
        "errors": errors,
        "requests": requests,
        "raw": out,
    }


class RssSampler(threading.Thread):
    """Peak resident memory of a process, sampled from /proc every 50 ms.

    VmHWM would give the peak without sampling, but it includes the
    start-up (the index build), and the budget is about memory under load.
    """

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.stop = pid, 0, threading.Event()
        self.section_kb = 0
        self.sections: list[tuple[str, int]] = []

    def current_kb(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def run(self):
        while not self.stop.is_set():
            try:
                now = self.current_kb()
                self.peak_kb = max(self.peak_kb, now)
                self.section_kb = max(self.section_kb, now)
            except OSError:
                return
            time.sleep(0.05)

    def end_section(self, name: str) -> None:
        """Records the peak since the previous section ended, so that the
        phase that sets the overall peak can be named."""
        self.sections.append((name, self.section_kb))
        try:
            self.section_kb = self.current_kb()
        except OSError:
            self.section_kb = 0


def hwm_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def prepare_sqlite(args) -> str:
    db = WORK / f"bench-{args.offers}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return f"sqlite://{db}?mode=rwc"


def prepare_postgres(args) -> str:
    admin, name = args.postgres_url.rsplit("/", 1)
    for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", f"{admin}/postgres", "-qc", sql], check=True)
    return args.postgres_url


def generate(args, url: str) -> float:
    started = time.monotonic()
    subprocess.run(
        [
            str(args.binary),
            "generate",
            "--database-url",
            url,
            "--offers",
            str(args.offers),
            "--partners",
            str(args.partners),
            "--seed",
            str(args.seed),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.monotonic() - started


def start_server(args, url: str, log: Path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, LOTSE_LOG_FORMAT="json", RUST_LOG="warn,lotse=info")
    started = time.monotonic()
    proc = subprocess.Popen(
        # wrk is one client: the per-IP rate limit is off for the benchmark.
        [str(args.binary), "serve", "--addr", f"127.0.0.1:{port}", "--database-url", url,
         "--rate-limit-per-minute", "0"],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env=env,
    )
    while True:
        if proc.poll() is not None:
            sys.exit(f"server exited with {proc.returncode}; see {log}")
        try:
            if http_get(f"{base}/ready", timeout=1)[0] == 200:
                break
        except OSError:
            pass
        if time.monotonic() - started > 120:
            proc.kill()
            sys.exit(f"server not ready after 120 s; see {log}")
        time.sleep(0.01)
    return proc, base, time.monotonic() - started


def scenarios(base: str) -> list[tuple[str, str, Path | None]]:
    """(name, url, wrk script) of every scenario; ids are looked up first."""
    status, body = http_get(f"{base}/api/v1/offers?limit=1")
    if status != 200:
        sys.exit(f"offers list answered {status}")
    offer_id = json.loads(body)["items"][0]["id"]
    graphql = lua_post(WORK / "graphql.lua", json.dumps({"query": GRAPHQL_LIST}))
    match = lua_post(WORK / "match.lua", json.dumps(MATCH_PROFILE, ensure_ascii=False))
    return [
        ("item by id", f"{base}/api/v1/offers/{offer_id}", None),
        ("list page (20, embedded refs)", f"{base}/api/v1/offers?limit=20", None),
        (
            "list filtered by topic+region",
            f"{base}/api/v1/offers?limit=20&topic=arbeit-40&region=05711",
            None,
        ),
        ("GraphQL nested list (20)", f"{base}/graphql", graphql),
        ("stats", f"{base}/api/v1/stats", None),
        ("search", f"{base}/api/v1/search?q=Digitalisierung%20Beratung&limit=20", None),
        ("match", f"{base}/api/v1/match", match),
    ]


def hostile_cases() -> list[tuple[str, str, str, bytes]]:
    """(name, method, path, body) of the hostile requests of issue 9."""
    deep_list = "{ offers(filter: {topic: " + "[" * 2000 + '"x"' + "]" * 2000 + "}) { totalCount } }"
    fragments = ["fragment F0 on QueryRoot { __typename }"] + [
        f"fragment F{i} on QueryRoot {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 24)
    ]
    exponential = "query { ...F23 } " + " ".join(fragments)
    selections = "{" + "a{" * 10_000 + "}" * 10_000 + "}"
    aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(1000)) + " }"
    params = "&".join(f"p{i}=1" for i in range(7500))

    def gql(query: str) -> bytes:
        return json.dumps({"query": query}).encode()

    return [
        ("GraphQL list nested 2,000 deep", "POST", "/graphql", gql(deep_list)),
        ("GraphQL 24 doubling fragments", "POST", "/graphql", gql(exponential)),
        ("GraphQL selections nested 10,000 deep", "POST", "/graphql", gql(selections)),
        ("GraphQL 1,000 aliases", "POST", "/graphql", gql(aliases)),
        ("7,500 unknown parameters (59 KB URL)", "GET", f"/api/v1/offers?{params}", b""),
        ("10 MB match body", "POST", "/api/v1/match", b" " * 10_000_000),
    ]


def bench_hostile(base: str, rounds: int = 50) -> list[str]:
    """Sequential latency of each hostile request (refusal time), its status
    and answer size, and whether the server is healthy afterwards."""
    import http.client
    from urllib.parse import urlsplit

    host = urlsplit(base)
    out = [
        "",
        f"Hostile requests (issue 9), {rounds} sequential requests each:",
        "",
        "| request | bytes sent | status | answer bytes | p50 ms | max ms | healthy after |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, method, path, body in hostile_cases():
        times, status, size = [], 0, 0
        for _ in range(rounds):
            conn = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
            start = time.perf_counter()
            try:
                conn.request(method, path, body=body or None,
                             headers={"Content-Type": "application/json"})
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused before the whole body was sent; the answer is there
            response = conn.getresponse()
            answer = response.read()
            times.append((time.perf_counter() - start) * 1000)
            status, size = response.status, len(answer)
            conn.close()
        times.sort()
        healthy = http_get(f"{base}/health")[0] == 200
        out.append(
            f"| {name} | {len(path) + len(body)} | {status} | {size} | "
            f"{times[len(times) // 2]:.2f} | {times[-1]:.2f} | {mark(healthy)} |"
        )
    return out


def request(name: str, url: str, script: Path | None, headers: dict | None = None) -> bytes:
    """One request of a scenario; it must succeed."""
    if script and "graphql" in script.name:
        status, body = http_post(url, {"query": GRAPHQL_LIST}, headers)
        if b'"errors"' in body:
            sys.exit(f"{name}: GraphQL errors: {body[:300]!r}")
    elif script:
        status, body = http_post(url, MATCH_PROFILE, headers)
    else:
        status, body = http_get(url, headers=headers)
    if status != 200:
        sys.exit(f"{name}: {url} answered {status}: {body[:300]!r}")
    return body


def header_script(name: str, headers: dict) -> Path:
    """A wrk script that sends `headers` with every request."""
    path = WORK / f"headers-{name}.lua"
    path.write_text("".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in headers.items()))
    return path


def bench_http(base: str, args) -> list[str]:
    """Issue 14: the list page revalidated (`If-None-Match` with the current
    `ETag`: a `304` decided from the data version, no statement) and
    compressed (gzip, br), past and through the response cache."""
    import http.client
    from urllib.parse import urlsplit

    path = "/api/v1/offers?limit=20"
    host = urlsplit(base)

    def answer(headers: dict) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        conn.close()
        return response.status, dict(response.getheaders()), body

    _, first, plain = answer({})
    etag = first["etag"]
    cases = [
        ("list page, identity", {}, "cached"),
        ("list page, identity", {"Cache-Control": "no-cache"}, "uncached"),
        ("list page, gzip", {"Accept-Encoding": "gzip"}, "cached"),
        ("list page, gzip", {"Accept-Encoding": "gzip", "Cache-Control": "no-cache"}, "uncached"),
        ("list page, br", {"Accept-Encoding": "br"}, "cached"),
        ("list page, revalidated (304)", {"If-None-Match": etag}, "validator"),
    ]
    out = [
        "",
        "HTTP caching and compression (issue 14), list page of 20:",
        "",
        "| scenario | mode | status | body bytes | req/s | p50 ms | p99 ms | errors | SQL statements / request |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for i, (name, headers, mode) in enumerate(cases):
        status, _, body = answer(headers)
        before = statements(base)
        for _ in range(20):
            answer(headers)
        per_request = (statements(base) - before) / 20
        script = header_script(str(i), headers)
        run_wrk(base + path, args, script, 1)
        r = run_wrk(base + path, args, script, args.duration)
        print(f"[http] {name} {mode}: {r['rps']:.0f} req/s", flush=True)
        out.append(
            f"| {name} | {mode} | {status} | {len(body)} | {r['rps']:.0f} | {r['p50']:.2f} "
            f"| {r['p99']:.2f} | {r['errors']} | {per_request:.1f} |"
        )
    out.append(f"\n(identity body: {len(plain)} bytes)")
    return out


def check_scenario(name: str, url: str, script: Path | None) -> int:
    """One request before the load: it must succeed, and its size is shown."""
    return len(request(name, url, script))


def statements(base: str) -> int:
    """`lotse_db_statements_total` of the server's `/metrics`."""
    _, body = http_get(f"{base}/metrics")
    for line in body.decode().splitlines():
        if line.startswith(("lotse_db_statements_total ", 'lotse_db_statements_total{pool="primary"} ')):
            return int(float(line.split()[1]))
    sys.exit("/metrics has no lotse_db_statements_total")


def statements_per_request(base: str, name: str, url: str, script: Path | None) -> float:
    """SQL statements of one uncached request: the counter's growth over
    20 sequential `Cache-Control: no-cache` requests (a refresh of the
    data's generation, one statement, may fall among them)."""
    rounds = 20
    before = statements(base)
    for _ in range(rounds):
        request(name, url, script, {"Cache-Control": "no-cache"})
    return (statements(base) - before) / rounds


def static_ceiling(args, page: bytes) -> dict:
    """The same list-page bytes from nginx: what this machine can serve."""
    root = WORK / "nginx"
    (root / "www").mkdir(parents=True, exist_ok=True)
    (root / "www" / "offers.json").write_bytes(page)
    port = free_port()
    conf = root / "nginx.conf"
    conf.write_text(
        f"""
worker_processes {args.threads};
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {root}/tmp;
  proxy_temp_path {root}/tmp;
  fastcgi_temp_path {root}/tmp;
  uwsgi_temp_path {root}/tmp;
  scgi_temp_path {root}/tmp;
  server {{
    listen 127.0.0.1:{port};
    location / {{ root {root}/www; default_type application/json; }}
  }}
}}
"""
    )
    (root / "tmp").mkdir(exist_ok=True)
    proc = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(root)])
    try:
        url = f"http://127.0.0.1:{port}/offers.json"
        for _ in range(200):
            try:
                if http_get(url, timeout=1)[0] == 200:
                    break
            except OSError:
                time.sleep(0.02)
        run_wrk(url, args, None, 1)
        return run_wrk(url, args, None, args.duration)
    finally:
        proc.send_signal(signal.SIGQUIT)
        proc.wait(timeout=10)


def mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def bench_database(args, kind: str) -> str:
    url = prepare_sqlite(args) if kind == "sqlite" else prepare_postgres(args)
    print(f"[{kind}] generating {args.offers} offers ...", flush=True)
    gen_s = generate(args, url)
    log = WORK / f"server-{kind}.log"
    proc, base, ready_s = start_server(args, url, log)
    rows = []
    try:
        idle_kb = RssSampler(proc.pid).current_kb()
        sampler = RssSampler(proc.pid)
        sampler.start()
        list_page = b""
        for name, target, script in scenarios(base):
            size = check_scenario(name, target, script)
            if name.startswith("list page"):
                list_page = http_get(target)[1]
            per_request = statements_per_request(base, name, target, script)
            print(f"[{kind}] {name} ({size} bytes, {per_request:.1f} statements) ...", flush=True)
            for mode, wrk_script in (("cached", script), ("uncached", uncached(script))):
                run_wrk(target, args, wrk_script, 1)  # warm-up, not counted
                result = run_wrk(target, args, wrk_script, args.duration)
                rows.append((name, size, mode, result, per_request if mode == "uncached" else 0))
                sampler.end_section(f"{name}, {mode}")
        # The finder's cold path at lower concurrency: how long one uncached
        # search or match takes when the server is not saturated.
        sweep = []
        for name, target, script in scenarios(base):
            if name not in ("search", "match"):
                continue
            for connections in SWEEP_CONNECTIONS:
                print(f"[{kind}] {name} uncached, {connections} connections ...", flush=True)
                result = run_wrk(target, args, uncached(script), args.duration, connections)
                sweep.append((name, connections, result))
        sampler.end_section("search and match, lower concurrency")
        http_rows = bench_http(base, args)
        sampler.end_section("HTTP caching and compression")
        hostile = bench_hostile(base)
        sampler.end_section("hostile requests")
        sampler.stop.set()
        sampler.join()
        peak_kb = sampler.peak_kb
        start_hwm_kb = hwm_kb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    ceiling = static_ceiling(args, list_page)
    def list_rps(mode: str) -> float:
        return next(
            r["rps"] for n, _, m, r, _ in rows if n.startswith("list page") and m == mode
        )

    ratio = list_rps("cached") / ceiling["rps"]
    cold_ratio = list_rps("uncached") / ceiling["rps"]

    out = [
        f"### {kind}",
        "",
        "| scenario | bytes | mode | req/s | p50 ms | p99 ms | errors | p99 < 20 ms | SQL statements / request |",
        "|---|---:|---|---:|---:|---:|---:|---|---:|",
    ]
    for name, size, mode, r, per_request in rows:
        count = f"{per_request:.1f}" if mode == "uncached" else "0"
        out.append(
            f"| {name} | {size} | {mode} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} "
            f"| {r['errors']} | {mark(r['p99'] < P99_BUDGET_MS)} | {count} |"
        )
    out.append(
        f"| static ceiling (nginx, list-page bytes) | {len(list_page)} | static "
        f"| {ceiling['rps']:.0f} | {ceiling['p50']:.2f} | {ceiling['p99']:.2f} "
        f"| {ceiling['errors']} | | |"
    )
    out += [
        "",
        "Uncached search and match at lower concurrency:",
        "",
        "| scenario | connections | req/s | p50 ms | p99 ms | errors | p99 < 20 ms |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, connections, r in sweep:
        out.append(
            f"| {name} | {connections} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} "
            f"| {r['errors']} | {mark(r['p99'] < P99_BUDGET_MS)} |"
        )
    out += http_rows
    out += hostile
    out += ["", "Peak RSS per phase (sampled every 50 ms):", "", "| phase | peak RSS MB |", "|---|---:|"]
    out += [f"| {name} | {kb / 1024:.0f} |" for name, kb in sampler.sections]
    out += [
        "",
        f"- list page / static ceiling: **{ratio:.0%}** cached, {cold_ratio:.1%} uncached "
        f"(budget >= {CEILING_RATIO_BUDGET:.0%}: {mark(ratio >= CEILING_RATIO_BUDGET)})",
        f"- server RSS: {idle_kb / 1024:.0f} MB when ready, peak under load "
        f"**{peak_kb / 1024:.0f} MB** (budget < {RSS_BUDGET_MB:.0f} MB: "
        f"{mark(peak_kb / 1024 < RSS_BUDGET_MB)}); VmHWM incl. start-up {start_hwm_kb / 1024:.0f} MB",
        f"- start to ready (migrate, index build included): **{ready_s:.2f} s** "
        f"(budget < {READY_BUDGET_S:.0f} s: {mark(ready_s < READY_BUDGET_S)})",
        f"- `lotse generate --offers {args.offers} --partners {args.partners}`: {gen_s:.1f} s",
        "",
    ]
    return "\n".join(out)


def bench_http_only(args, kind: str) -> str:
    """The HTTP table alone (revalidation, compression) on the generated
    data, with the server's peak RSS over it."""
    url = prepare_sqlite(args) if kind == "sqlite" else prepare_postgres(args)
    print(f"[{kind}] generating {args.offers} offers ...", flush=True)
    generate(args, url)
    proc, base, _ = start_server(args, url, WORK / f"server-http-{kind}.log")
    try:
        idle_kb = RssSampler(proc.pid).current_kb()
        sampler = RssSampler(proc.pid)
        sampler.start()
        rows = bench_http(base, args)
        sampler.stop.set()
        sampler.join()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return "\n".join(
        [f"### {kind}"]
        + rows
        + [
            "",
            f"- server RSS: {idle_kb / 1024:.0f} MB when ready, peak over these scenarios "
            f"**{sampler.peak_kb / 1024:.0f} MB** (budget < {RSS_BUDGET_MB:.0f} MB: "
            f"{mark(sampler.peak_kb / 1024 < RSS_BUDGET_MB)})",
            "",
        ]
    )


def bench_downloads_only(args, kind: str) -> str:
    """Streams every offer as CSV, NDJSON and JSON from the generated data,
    one download at a time, reading 64 KiB at a time, while sampling the
    server's resident memory: the figure is how far it rises above what
    the server holds before (issue 16 asks for less than 10 MB)."""
    url = prepare_sqlite(args) if kind == "sqlite" else prepare_postgres(args)
    print(f"[{kind}] generating {args.offers} offers ...", flush=True)
    generate(args, url)
    proc, base, _ = start_server(args, url, WORK / f"server-downloads-{kind}.log")
    rows = [
        "| download | bytes | records | seconds | MB/s | RSS before | peak during | rise |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    try:
        # Warm: the snapshot (match corpus, search index) is built on first use.
        http_get(f"{base}/api/v1/offers?limit=1")
        for fmt in ("csv", "ndjson", "json"):
            sampler = RssSampler(proc.pid)
            before_kb = sampler.current_kb()
            sampler.start()
            started = time.monotonic()
            size, lines = 0, 0
            with urllib.request.urlopen(f"{base}/downloads/offers.{fmt}", timeout=600) as response:
                while chunk := response.read(64 * 1024):
                    size += len(chunk)
                    lines += chunk.count(b"\n")
            seconds = time.monotonic() - started
            sampler.stop.set()
            sampler.join()
            records = {"csv": lines - 1, "ndjson": lines, "json": lines - 2}[fmt]
            rise_mb = (sampler.peak_kb - before_kb) / 1024
            rows.append(
                f"| `/downloads/offers.{fmt}` | {size:,} | {records:,} | {seconds:.2f} | "
                f"{size / seconds / 1e6:.1f} | {before_kb / 1024:.1f} MB | "
                f"{sampler.peak_kb / 1024:.1f} MB | **{rise_mb:+.1f} MB** "
                f"({mark(rise_mb < 10)}) |"
            )
            print(rows[-1], flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return "\n".join([f"### {kind}: streaming downloads"] + rows + [""])


# The pages for people (issue 18), asked as a browser asks.
PAGE_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
PAGES = (
    ("/ (home)", "/"),
    ("finder, works council in Bielefeld", "/finder?region=bielefeld&role=works_council"),
    ("finder, with topic and need",
     "/finder?region=Bielefeld&role=sme&topics=digitalisierung&need=Weiterbildung%20im%20Betrieb"),
    ("dashboard", "/dashboard"),
    ("dashboard, filtered", "/dashboard?topic=digitalisierung&target_group=works_council"),
)


def first_answer_ms(url: str) -> tuple[int, float]:
    """Status and wall time of one request, in ms."""
    started = time.monotonic()
    status, _ = http_get(url, timeout=60, headers={"Accept": PAGE_ACCEPT})
    return status, (time.monotonic() - started) * 1000


def bench_pages_only(args, kind: str) -> str:
    """The pages for people on the generated data: the first answer after
    start (every per-data-version memo cold: match corpus, stats), then
    wrk cached (the response cache) and uncached (`Cache-Control:
    no-cache`: the page is rendered again, over the memos of this data
    version), with the server's peak RSS."""
    url = prepare_sqlite(args) if kind == "sqlite" else prepare_postgres(args)
    print(f"[{kind}] generating {args.offers} offers ...", flush=True)
    generate(args, url)
    proc, base, _ = start_server(args, url, WORK / f"server-pages-{kind}.log")
    accept = header_script("pages", {"Accept": PAGE_ACCEPT})
    rows = [
        "| page | bytes | first answer ms | mode | req/s | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---|---:|---:|---:|---:|",
    ]
    try:
        firsts = {}
        for name, path in PAGES:
            status, ms = first_answer_ms(base + path)
            if status != 200:
                sys.exit(f"{name}: {path} answered {status}")
            firsts[name] = ms
        sampler = RssSampler(proc.pid)
        sampler.start()
        for name, path in PAGES:
            size = len(request(name, base + path, None, {"Accept": PAGE_ACCEPT}))
            for mode, script in (("cached", accept), ("uncached", uncached(accept))):
                print(f"[{kind}] {name}, {mode} ...", flush=True)
                run_wrk(base + path, args, script, 1)
                r = run_wrk(base + path, args, script, args.duration)
                rows.append(
                    f"| {name} | {size} | {firsts[name]:.0f} | {mode} | {r['rps']:.0f} "
                    f"| {r['p50']:.2f} | {r['p99']:.2f} | {r['errors']} |"
                )
        sampler.stop.set()
        sampler.join()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return "\n".join(
        [f"### {kind}: pages"]
        + rows
        + ["", f"- server peak RSS over these runs: **{sampler.peak_kb / 1024:.0f} MB**", ""]
    )


def bench_hostile_only(args) -> str:
    """The hostile table alone, on a fresh seeded SQLite database."""
    url = prepare_sqlite(args)
    proc, base, _ = start_server(args, url, WORK / "server-hostile.log")
    try:
        return "\n".join(["### sqlite (seed only)"] + bench_hostile(base))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--offers", type=int, default=20_000)
    parser.add_argument("--partners", type=int, default=400)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--db", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument(
        "--hostile-only",
        action="store_true",
        help="only the hostile requests, against the seeded database (no generate, no wrk)",
    )
    parser.add_argument(
        "--http-only",
        action="store_true",
        help="only the HTTP scenarios (304, gzip, br) on the generated data, with peak RSS",
    )
    parser.add_argument(
        "--downloads-only",
        action="store_true",
        help="only the bulk downloads of every offer, with the server's RSS while streaming",
    )
    parser.add_argument(
        "--pages-only",
        action="store_true",
        help="only the pages for people (/, /finder, /dashboard) on the generated data",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "LOTSE_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/lotse_bench"
        ),
        help="database to (re)create for the run; it is dropped first",
    )
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    parser.add_argument("--binary", type=Path, default=target / "release" / "lotse")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    for tool in () if args.hostile_only or args.downloads_only else ("wrk", "nginx"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing (bench/run.sh installs it)")

    commit = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    cpu = next(
        (l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
         if l.startswith("model name")),
        platform.machine(),
    )
    machine = f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}"
    header = [
        f"## {datetime.date.today()} · commit {commit}",
        "",
        f"{machine}; the seed only, the release server alone on the machine, one request at a "
        "time (`python3 bench/bench.py --hostile-only`).",
        "",
    ] if args.hostile_only else [
        f"## {datetime.date.today()} · commit {commit}",
        "",
        f"{machine}; {args.offers} generated offers (+ seed); each download read once, 64 KiB at "
        "a time, the server's VmRSS sampled every 50 ms "
        "(`python3 bench/bench.py --downloads-only`).",
        "",
    ] if args.downloads_only else [
        f"## {datetime.date.today()} · commit {commit}",
        "",
        f"{machine}; "
        f"{args.offers} generated offers (+ seed), wrk -t{args.threads} -c{args.connections} "
        f"-d{args.duration}s per scenario and mode after a 1 s warm-up; server and wrk share the "
        "machine. `cached`: repeated identical requests, answered by the response cache; "
        "`uncached`: the same with `Cache-Control: no-cache`, so every request runs its queries.",
        "",
    ]
    if args.hostile_only:
        sections = [bench_hostile_only(args)]
    elif args.downloads_only:
        sections = [bench_downloads_only(args, kind.strip()) for kind in args.db.split(",")]
    elif args.pages_only:
        sections = [bench_pages_only(args, kind.strip()) for kind in args.db.split(",")]
    elif args.http_only:
        sections = [bench_http_only(args, kind.strip()) for kind in args.db.split(",")]
    else:
        sections = [bench_database(args, kind.strip()) for kind in args.db.split(",")]
    report = "\n".join(header + sections)
    (WORK / "results.md").write_text(report)
    print()
    print(report)


if __name__ == "__main__":
    main()
