"""Schemathesis hooks for Lotse (see schemathesis.toml for why each exists).

`cursor` is an opaque position the server issues in `next_cursor`; no schema
can say which strings are positions of the list being read (a cursor is tied
to its list's sort, filters and, for search, its words). A generated
`cursor` is therefore replaced by a real one: the `next_cursor` of the same
request with `limit=1`. Where that request has no next page or is refused,
the case goes on without `cursor`.
"""

import os
import urllib.parse
import urllib.request
import json
import re
import zlib

import schemathesis

BASE_URL = os.environ["LOTSE_BASE_URL"]


def _real_cursor(path, query):
    probe = {key: value for key, value in query.items() if key != "cursor"}
    probe["limit"] = 1
    url = BASE_URL + path + "?" + urllib.parse.urlencode(
        {k: ",".join(map(str, v)) if isinstance(v, list) else v for k, v in probe.items()}
    )
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.load(response).get("next_cursor")
    except Exception:
        return None


@schemathesis.hook
def before_call(ctx, case, kwargs):
    # Right before sending: every phase (examples, coverage, fuzzing,
    # stateful) passes here, where `map_query` is not applied to all.
    query = case.query
    if not query or "cursor" not in query or case.operation.path == "/api/v1/audit":
        return  # the audit cursor is a number, described by its pattern
    if not (_is_clean(query["cursor"]) and len(query["cursor"]) <= 1024):
        return  # a negative case: a cursor the contract itself refuses
    cursor = _real_cursor(case.operation.path, query)
    if cursor is None:
        del query["cursor"]
    else:
        query["cursor"] = cursor


# Record keys (topics, regions, partners, projects) are data, not schema: a
# generated string names no record and is refused with a 400 (or, in a match
# profile, a 422) that names the parameter (tests/integration/errors.rs). So
# that generated requests reach the data, keys the contract allows are swapped
# for keys that exist, as Schemathesis recommends for test data; keys the
# contract refuses (empty, control characters, too long) stay, for the
# negative cases. Rejected: Schemathesis's `[parameters]` overrides, which
# also overwrite the invalid values of negative cases in the stateful phase
# (the request then is valid, and its acceptance reported as a failure), and
# do not reach the coverage phase's request bodies.
KNOWN = {
    "topic": ["digitalisierung", "arbeit-40", "industrie-40", "qualifizierung"],
    "region": ["05711", "nordrhein-westfalen", "DEA41", "bielefeld"],
    "parent": ["nordrhein-westfalen", "regierungsbezirk-detmold"],
    "provider": ["mags", "ig-metall", "dgb-nrw", "mwide"],
    "partner": ["mags", "ig-metall", "dgb-nrw", "mwide"],
    "project": ["arbeit-2020", "its-owl"],
}
KNOWN_TOPICS = KNOWN["topic"]
CONTROL = set(range(0x00, 0x20)) | set(range(0x7F, 0xA0))


def _is_clean(value):
    """Text the contract allows: not blank, no control characters."""
    return isinstance(value, str) and value.strip() != "" and not any(ord(c) in CONTROL for c in value)


def _is_valid_key(value, in_query=False):
    """A key the contract allows (in a query list, values are comma-separated)."""
    return _is_clean(value) and len(value) <= 200 and not (in_query and "," in value)


def _known(name, values):
    if isinstance(values, str):
        # The coverage phase sends a list already joined: `a,b,c`.
        return ",".join(_known(name, values.split(",")))
    if not isinstance(values, list):
        return values
    return [
        KNOWN[name][i % len(KNOWN[name])] if _is_valid_key(v, in_query=True) else v
        for i, v in enumerate(values)
    ]


@schemathesis.hook("before_call")
def known_records(ctx, case, kwargs):
    for name in KNOWN:
        if case.query and name in case.query:
            case.query[name] = _known(name, case.query[name])
    body = case.body
    if case.operation.path != "/api/v1/match" or not isinstance(body, dict):
        return
    if _is_valid_key(body.get("region")):
        body["region"] = "05711"
    topics = body.get("topics")
    if isinstance(topics, list):
        body["topics"] = [
            KNOWN_TOPICS[i % len(KNOWN_TOPICS)] if _is_valid_key(t) else t
            for i, t in enumerate(topics)
        ]


# The writes. A record is data too: the records a body names must exist
# (a reference to one that does not is a 409 conflict, which Schemathesis
# accepts, but then the write never gets further). So in positive cases,
# references the contract allows are swapped for existing records, each
# list's values kept distinct (the contract's `uniqueItems`), and never the
# record's own slug (a region cannot be its own member or parent). Rules
# between fields, which JSON Schema cannot state, are met the same way:
# an end date before its start date is swapped with it (a PATCH of one
# date sets both, as the stored other one may be on the wrong side), and a project
# names each participant once. A PUT or PATCH names the record's own slug
# (the slug is the key and cannot change; a different one is a 409).
# Negative cases are left as generated.
KNOWN_RECORDS = {
    "partner": ["mags", "ig-metall", "dgb-nrw", "mwide", "agentur-t-nrw"],
    "project": ["arbeit-2020", "its-owl"],
    "region": ["nordrhein-westfalen", "bielefeld", "dortmund", "koeln", "regierungsbezirk-detmold"],
    "topic": ["digitalisierung", "arbeit-40", "industrie-40", "qualifizierung", "innovation"],
    "person": ["franz-josef-lersch-mense", "garrelt-duin"],
}
# Records each collection's PUT and PATCH write to (by slug). None of them is
# a key the reads above look up (`KNOWN`, the match profile): a write may
# change a region's official key, and the stateful phase follows a write's
# links to DELETE, so a record written here may be gone later; a read of a
# missing key is a 400 or 422, a write naming one a 409 (accepted).
RECORDS_OF = {
    "partners": ["agentur-t-nrw", "phoenix-contact"],
    "projects": ["digital-in-nrw", "nrwinnovationspartner"],
    "regions": ["dortmund", "koeln"],
    "topics": ["it-sicherheit", "gesundheit"],
    "people": KNOWN_RECORDS["person"],
    "offers": ["arbeit-2020-begleitung", "tbs-beratung"],
    "meetings": ["zweite-sitzung-2016-11-21"],
    "contacts": ["mwide-presse"],
}
# Body field → the kind of record it names (`parent`: by collection).
REFERENCES = {
    "provider": "partner",
    "partner": "partner",
    "host": "partner",
    "person": "person",
    "project": "project",
    "region": "region",
    "regions": "region",
    "members": "region",
    "topics": "topic",
}
DATE_PAIRS = [("valid_from", "valid_until"), ("start_date", "end_date")]
SLUG = re.compile(r"^([0-9]+-)*[0-9]*[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def _is_negative(case):
    meta = getattr(case, "meta", None)
    generation = getattr(meta, "generation", None)
    mode = getattr(generation, "mode", None)
    return bool(getattr(mode, "is_negative", False))


def _swap(kind, value, own):
    if not _is_valid_key(value):
        return value
    choices = [k for k in KNOWN_RECORDS[kind] if k != own]
    return choices[zlib.crc32(value.encode("utf-8", "surrogatepass")) % len(choices)]


def _swap_list(kind, values, own):
    if not isinstance(values, list) or len(set(map(json.dumps, values))) != len(values):
        return values  # not a list, or repeats: a case about that
    choices = [k for k in KNOWN_RECORDS[kind] if k != own]
    out, used = [], set()
    for value in values:
        if _is_valid_key(value) and len(used) < len(choices):
            value = next(k for k in choices[zlib.crc32(value.encode("utf-8", "surrogatepass")) % len(choices):] + choices if k not in used)
        if value in used:
            return values  # cannot keep the list distinct: leave it
        used.add(value)
        out.append(value)
    return out


def _fix_record(body, collection, own, patch=False):
    for field, kind in REFERENCES.items():
        if field not in body:
            continue
        if isinstance(body[field], list):
            body[field] = _swap_list(kind, body[field], own)
        elif isinstance(body[field], str):
            body[field] = _swap(kind, body[field], own)
    if isinstance(body.get("parent"), str) and collection in ("topics", "regions"):
        body["parent"] = _swap(collection[:-1], body["parent"], own)
    for start, end in DATE_PAIRS:
        a, b = body.get(start), body.get(end)
        if isinstance(a, str) and isinstance(b, str) and _is_date(a) and _is_date(b) and b < a:
            body[start], body[end] = b, a
        elif patch and (start in body) != (end in body):
            # The other date is the stored one, which may be on the wrong
            # side: a patch of one date sets both.
            given = a if start in body else b
            if isinstance(given, str) and _is_date(given):
                body[start] = body[end] = given
    participants = body.get("participants")
    if isinstance(participants, list):
        for part in participants:
            if isinstance(part, dict):
                _fix_record(part, collection, own)
        if collection == "projects":
            seen, kept = set(), []
            for part in participants:
                key = part.get("partner") if isinstance(part, dict) else None
                if key is None or key not in seen:
                    kept.append(part)
                if key is not None:
                    seen.add(key)
            body["participants"] = kept


def _is_date(text):
    return re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text) is not None


@schemathesis.hook("before_call")
def writable_records(ctx, case, kwargs):
    method = case.operation.method.upper()
    if method not in ("POST", "PUT", "PATCH") or not isinstance(case.body, dict):
        return
    if _is_negative(case) or not case.operation.path.startswith("/api/v1/"):
        return
    collection = case.operation.path.split("/")[3]
    if collection == "match":
        return
    key = (case.path_parameters or {}).get("key")
    if method in ("PUT", "PATCH") and _is_valid_key(key) and collection in RECORDS_OF:
        # A generated key names no record (a 404 every time): write to one
        # that exists.
        choices = RECORDS_OF[collection]
        key = choices[zlib.crc32(key.encode("utf-8", "surrogatepass")) % len(choices)]
        case.path_parameters["key"] = key
    own = case.body.get("slug")
    if method in ("PUT", "PATCH") and isinstance(key, str) and SLUG.match(key):
        if method == "PUT" or "slug" in case.body:
            case.body["slug"] = key
        own = key
    _fix_record(case.body, collection, own, patch=method == "PATCH")
