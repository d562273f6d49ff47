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
