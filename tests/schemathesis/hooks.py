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
    "people": KNOWN_RECORDS["person"] + ["rainer-schmeltzer", "svenja-schulze", "daniel-senff"],
    "offers": ["arbeit-2020-begleitung", "tbs-beratung", "potentialberatung", "bildungsscheck", "go-digital"],
    "meetings": ["zweite-sitzung-2016-11-21", "gruendung-2016-04-15"],
    "contacts": ["mwide-presse", "mags-presse", "mkw-presse", "stk-presse"],
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
# (earlier, later); an offer's deadline is not after its end. Two pairs
# share `valid_until`, so they are met twice over (`_fix_record`).
DATE_PAIRS = [("valid_from", "valid_until"), ("application_deadline", "valid_until"), ("start_date", "end_date")]
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
    for start, end in DATE_PAIRS + DATE_PAIRS:
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


UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _slug_of(collection, key):
    """The slug of record `key` (an id), if there is one."""
    if not UUID.match(key):
        return None
    try:
        with urllib.request.urlopen(f"{BASE_URL}/api/v1/{collection}/{key}", timeout=10) as response:
            slug = json.load(response).get("slug")
    except Exception:
        return None
    return slug if isinstance(slug, str) else None


def _exists(collection, key):
    try:
        with urllib.request.urlopen(f"{BASE_URL}/api/v1/{collection}/{key}", timeout=10):
            return True
    except Exception:
        return False


def _names_a_record(case):
    """Whether the path's `key` was not generated but names a record: in the
    stateful phase it comes from a write's link (the record just written,
    which the phase follows), elsewhere it may be drawn from a response."""
    meta = getattr(case, "meta", None)
    if meta is None:
        return False
    if getattr(getattr(meta, "phase", None), "name", None) == "stateful":
        return True
    return any(
        draw.location == "path" and draw.parameter_name == "key"
        for draw in getattr(meta, "pool_draws", ())
    )


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
    if (
        method in ("PUT", "PATCH")
        and _is_valid_key(key)
        and collection in RECORDS_OF
        and not _names_a_record(case)
    ):
        # A generated key names no record (a 404 every time): write to one
        # that exists.
        # Other writes may have deleted some by then: the first of the
        # records still there, from a point the generated key picks.
        choices = RECORDS_OF[collection]
        start = zlib.crc32(key.encode("utf-8", "surrogatepass")) % len(choices)
        ordered = choices[start:] + choices[:start]
        key = next((k for k in ordered if _exists(collection, k)), ordered[0])
        case.path_parameters["key"] = key
    own = case.body.get("slug")
    if method in ("PUT", "PATCH") and isinstance(key, str):
        # By slug, or by id (from a response): the body keeps the slug.
        slug = key if SLUG.match(key) and not UUID.match(key) else _slug_of(collection, key)
        if slug is not None:
            if method == "PUT" or "slug" in case.body:
                case.body["slug"] = slug
            own = slug
    _fix_record(case.body, collection, own, patch=method == "PATCH")


# `If-Match` names a version of the record the server issued (an `ETag`):
# no schema can say which strings are current versions, as with cursors. In
# positive cases a generated value is replaced by the record's current
# `ETag` (from a `GET` of the same path), or `*` when there is none; any
# other value is a 412 by design (RFC 9110 §13.1.1).
def _current_etag(path):
    try:
        with urllib.request.urlopen(BASE_URL + path, timeout=10) as response:
            return response.headers.get("ETag") or "*"
    except Exception:
        return "*"


@schemathesis.hook("before_call")
def if_match_from_server(ctx, case, kwargs):
    headers = case.headers or {}
    name = next((h for h in headers if h.lower() == "if-match"), None)
    if name is None or _is_negative(case) or not case.operation.path.startswith("/api/v1/"):
        return
    path = case.operation.path
    for key, value in (case.path_parameters or {}).items():
        path = path.replace("{%s}" % key, urllib.parse.quote(str(value), safe=""))
    headers[name] = _current_etag(path)


# GraphQL (`/graphql`, tests/integration/fuzz.rs). GraphQL's type system
# cannot state what the OpenAPI contract states with `minimum`/`maximum`,
# `minLength`/`maxLength` and `pattern`: an `Int` has no range and a `String`
# no length or alphabet. The schema says them in words instead ("1 to 100",
# "1 to 200 characters") and the server enforces them (with
# `invalid_parameter`, or `invalid_argument` before execution: strings hold no
# control characters but tab and line breaks, at most 10,000 characters, lists
# at most 100 items; api/src/graphql/guard.rs). In positive cases this hook
# brings generated values within what the schema's descriptions state, read
# from the descriptions themselves, and supplies data as for the REST API:
# record keys that exist in filters (lookups by `key` keep their generated key
# half of the time: an unknown key is `null`, not an error), cursors the
# server issued (else none), and either forward (`first`/`after`) or
# backward (`last`/`before`) paging, as the arguments' descriptions say.
# Negative cases are left as generated.
import graphql  # noqa: E402

GRAPHQL_MAX_STRING = 10000
GRAPHQL_MAX_ITEMS = 100
NUMBER = r"(\d[\d,]*)"
CHAR_RANGE = re.compile(NUMBER + r" to " + NUMBER + r" characters")
CHAR_MAX = re.compile(r"at most " + NUMBER + r" characters")
INT_RANGE = re.compile(NUMBER + r" to " + NUMBER + r"(?! characters)")
# Root lookups (`offer(key:)` …) → their records; the REST lists above hold
# the other kinds.
LOOKUPS = {
    "offer": ["arbeit-2020-begleitung", "potentialberatung", "go-digital"],
    "meeting": ["zweite-sitzung-2016-11-21", "gruendung-2016-04-15"],
    "partner": KNOWN_RECORDS["partner"],
    "project": KNOWN_RECORDS["project"],
    "region": KNOWN["region"],
    "topic": KNOWN["topic"],
}
# Filter and profile fields naming records (input field → kind in `KNOWN`).
GRAPHQL_KEYS = {"topic": "topic", "topics": "topic", "region": "region", "parent": "parent",
                "provider": "provider", "partner": "partner", "project": "project"}
CURSORS = ("after", "before", "since")


def _number(text):
    return int(text.replace(",", ""))


def _pick(choices, seed):
    return choices[zlib.crc32(seed.encode("utf-8", "surrogatepass")) % len(choices)]


def _fix_string(text, description, key_kind):
    allowed = "" if "on one line" in description else "\t\r\n"
    text = "".join(c for c in text if ord(c) not in CONTROL or c in allowed)[:GRAPHQL_MAX_STRING]
    if key_kind is not None:
        return _pick(KNOWN[key_kind], text)
    bounds = CHAR_RANGE.search(description)
    if bounds:
        low, high = _number(bounds.group(1)), _number(bounds.group(2))
        text = text[:high]
        if len(text.strip()) < low:
            text = "Digitalisierung"
    bounds = CHAR_MAX.search(description)
    if bounds:
        text = text[: _number(bounds.group(1))]
    return text


LIST_MAX = re.compile(r"at most " + NUMBER + r" values")


def _fix_value(node, input_type, description, name, max_items=GRAPHQL_MAX_ITEMS):
    """`node` (a literal of `input_type`) within what the descriptions state."""
    description = " ".join(description.split())
    input_type = graphql.get_nullable_type(input_type)
    if isinstance(node, graphql.NullValueNode):
        return node
    if isinstance(input_type, graphql.GraphQLList):
        items = node.values if isinstance(node, graphql.ListValueNode) else (node,)
        fixed = [_fix_value(item, input_type.of_type, description, name) for item in items]
        own = LIST_MAX.search(description)
        return graphql.ListValueNode(values=tuple(fixed[: _number(own.group(1)) if own else max_items]))
    if isinstance(input_type, graphql.GraphQLInputObjectType) and isinstance(node, graphql.ObjectValueNode):
        bound = LIST_MAX.search(" ".join((input_type.description or "").split()))
        items = _number(bound.group(1)) if bound else GRAPHQL_MAX_ITEMS
        fields = []
        for field in node.fields:
            definition = input_type.fields[field.name.value]
            value = _fix_value(field.value, definition.type, definition.description or "", field.name.value, items)
            fields.append(graphql.ObjectFieldNode(name=field.name, value=value))
        return graphql.ObjectValueNode(fields=tuple(fields))
    if isinstance(node, graphql.StringValueNode) and input_type.name in ("String", "ID"):
        key_kind = GRAPHQL_KEYS.get(name)
        return graphql.StringValueNode(value=_fix_string(node.value, description, key_kind))
    if isinstance(node, graphql.IntValueNode) and input_type.name == "Int":
        bounds = INT_RANGE.search(description)
        if bounds:
            low, high = _number(bounds.group(1)), _number(bounds.group(2))
            value = max(low, min(high, int(node.value)))
            return graphql.IntValueNode(value=str(value))
    return node


def _graphql(query):
    """The server's answer to `query` (read-only: queries only), `{}` if none."""
    request = urllib.request.Request(
        BASE_URL + "/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.load(response)
    except Exception:
        return {}
    return answer if isinstance(answer, dict) else {}


def _real_graphql_cursor(field, name):
    """A cursor the server issued for root field `field` as asked (its
    filter, order and search words), for argument `name`; `None` if it
    has none."""
    kept = [a for a in field.arguments if a.name.value not in CURSORS + ("first", "last")]
    if name == "since":
        selection, path = "nextCursor", ("nextCursor",)
        kept.append(graphql.ArgumentNode(name=graphql.NameNode(value="first"), value=graphql.IntValueNode(value="1")))
    else:
        size = "last" if name == "before" else "first"
        which = "startCursor" if name == "before" else "endCursor"
        selection, path = "pageInfo { %s }" % which, ("pageInfo", which)
        kept.append(graphql.ArgumentNode(name=graphql.NameNode(value=size), value=graphql.IntValueNode(value="1")))
    probe = graphql.FieldNode(name=field.name, arguments=tuple(kept), directives=())
    query = "{ %s { %s } }" % (graphql.print_ast(probe), selection)
    value = (_graphql(query).get("data") or {}).get(field.name.value)
    for step in path:
        value = value.get(step) if isinstance(value, dict) else None
    return value if isinstance(value, str) else None


def _fix_field(field, parent_type, root, schema):
    definition = parent_type.fields.get(field.name.value)
    if definition is None:
        return
    given = {a.name.value for a in field.arguments}
    backward = {"last", "before"} & given and {"first", "after"} & given
    arguments = []
    for argument in field.arguments:
        name = argument.name.value
        if backward and name in ("last", "before"):
            continue  # forwards or backwards, not both
        spec = definition.args[name]
        if name in CURSORS and isinstance(argument.value, graphql.StringValueNode):
            cursor = _real_graphql_cursor(field, name) if root else None
            if cursor is None:
                continue
            value = graphql.StringValueNode(value=cursor)
        elif root and name == "key" and field.name.value in LOOKUPS:
            value = argument.value
            if isinstance(value, graphql.StringValueNode):
                text = _fix_string(value.value, "", None)
                if zlib.crc32(text.encode("utf-8", "surrogatepass")) % 2 == 0:
                    text = _pick(LOOKUPS[field.name.value], text)
                value = graphql.StringValueNode(value=text)
        else:
            value = _fix_value(argument.value, spec.type, spec.description or "", name)
        arguments.append(graphql.ArgumentNode(name=argument.name, value=value))
    field.arguments = tuple(arguments)
    if field.selection_set is not None:
        _fix_selections(field.selection_set, graphql.get_named_type(definition.type), schema)


def _fix_selections(selection_set, on, schema):
    for selection in selection_set.selections:
        if isinstance(selection, graphql.FieldNode) and hasattr(on, "fields"):
            _fix_field(selection, on, False, schema)
        elif isinstance(selection, graphql.InlineFragmentNode):
            condition = selection.type_condition
            inner = on if condition is None else schema.type_map.get(condition.name.value)
            _fix_selections(selection.selection_set, inner, schema)


# Mutations take a record or patch as the `JSON` scalar, which GraphQL
# cannot describe further. Schemathesis is given any JSON value for it
# (strings within what every request string may hold: no control
# characters but tab and line breaks, at most 10,000 characters; numbers
# within ±(2^53 − 1), the range JSON numbers keep exactly); most are
# records the server refuses, which the payload's `errors` report as data.
# So that writes also succeed, a positive case names a record that exists
# half of the time (`RECORDS_OF`, never one the reads look up), and then
# sends half of the time a valid record: for create, a shipped record
# (api/seed/seed.json) under a new slug; for replace, the record's own; for
# update, some of its own fields. A generated `ifMatch` is kept half of the
# time (a stale version: `PRECONDITION_FAILED`).
from hypothesis import strategies as st  # noqa: E402

SEED = json.load(open(os.path.join(os.path.dirname(__file__), "../../api/seed/seed.json"), encoding="utf-8"))
MAX_EXACT = 2**53 - 1
NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")
COLLECTIONS = {"Partner": "partners", "Region": "regions", "Topic": "topics", "Project": "projects",
               "Offer": "offers", "Meeting": "meetings", "Contact": "contacts", "Person": "people"}
MUTATION = re.compile(r"^(create|replace|update|delete)(" + "|".join(COLLECTIONS) + r")$")


def _literal(value):
    """A JSON value as a GraphQL literal (object keys that are not GraphQL
    names cannot be written as one: `None`)."""
    if value is None:
        return graphql.NullValueNode()
    if isinstance(value, bool):
        return graphql.BooleanValueNode(value=value)
    if isinstance(value, int):
        return graphql.IntValueNode(value=str(value))
    if isinstance(value, float):
        return graphql.FloatValueNode(value=repr(value))
    if isinstance(value, str):
        return graphql.StringValueNode(value=value)
    if isinstance(value, list):
        items = [_literal(v) for v in value]
        return None if any(i is None for i in items) else graphql.ListValueNode(values=tuple(items))
    fields = []
    for key, inner in value.items():
        node = _literal(inner)
        if node is None or not NAME.match(key):
            return None
        fields.append(graphql.ObjectFieldNode(name=graphql.NameNode(value=key), value=node))
    return graphql.ObjectValueNode(fields=tuple(fields))


def _json_text():
    return st.text(st.characters(exclude_categories=("Cs",)), max_size=30).map(
        lambda t: "".join(c for c in t if ord(c) not in CONTROL or c in "\t\r\n"))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-MAX_EXACT, MAX_EXACT)
    | st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300) | _json_text(),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.from_regex(r"[_A-Za-z][_0-9A-Za-z]{0,15}", fullmatch=True), inner, max_size=5),
    max_leaves=20,
)
# Not `null` itself: `record` and `patch` are `JSON!`, and a GraphQL `null`
# is no value (a JSON `null` inside a record is).
schemathesis.graphql.scalar(
    "JSON", JSON_VALUES.filter(lambda v: v is not None).map(_literal).filter(lambda node: node is not None))


def _seed_record(collection, slug):
    return next((dict(r) for r in SEED[collection] if r.get("slug") == slug), None)


def _valid_body(action, collection, key, seed):
    """A record (create, replace) or patch (update) the server takes, as a
    GraphQL literal; `None` if there is none to send."""
    if action == "create":
        records = [r for r in SEED[collection] if _literal(r) is not None]
        record = dict(_pick(records, seed))
        record["slug"] = "st-%08x" % zlib.crc32(seed.encode("utf-8", "surrogatepass"))
        return _literal(record)
    record = _seed_record(collection, key)
    if record is None:
        return None
    if action == "update":
        fields = sorted(k for k in record if k != "slug")
        start = zlib.crc32(seed.encode("utf-8", "surrogatepass")) % len(fields)
        record = {k: record[k] for k in fields[start:start + 2]}
    return _literal(record)


def _fix_mutation(field):
    """A positive case of a mutation: see above."""
    found = MUTATION.match(field.name.value)
    if found is None:
        return
    action, collection = found.group(1), COLLECTIONS[found.group(2)]
    arguments = {a.name.value: a for a in field.arguments}
    seed = graphql.print_ast(field)
    writes_existing = zlib.crc32(seed.encode("utf-8", "surrogatepass")) % 2 == 0
    key = arguments.get("key")
    if key is not None and isinstance(key.value, graphql.StringValueNode) and writes_existing:
        choices = RECORDS_OF[collection]
        start = zlib.crc32(key.value.value.encode("utf-8", "surrogatepass")) % len(choices)
        ordered = choices[start:] + choices[:start]
        name = next((k for k in ordered if _exists(collection, k)), ordered[0])
        key.value = graphql.StringValueNode(value=name)
    body = arguments.get("record") or arguments.get("patch")
    if body is not None and (writes_existing or action == "create") and zlib.crc32(seed[::-1].encode("utf-8", "surrogatepass")) % 2 == 0:
        valid = _valid_body(action, collection, key.value.value if key is not None else None, seed)
        if valid is not None:
            body.value = valid
    if "ifMatch" in arguments and zlib.crc32(seed.encode("utf-8", "surrogatepass")) % 4 >= 2:
        field.arguments = tuple(a for a in field.arguments if a.name.value != "ifMatch")


@schemathesis.hook("before_call")
def graphql_positive_cases(ctx, case, kwargs):
    root_name = case.operation.label.split(".")[0]
    if not isinstance(case.body, str) or root_name not in ("QueryRoot", "MutationRoot"):
        return
    if _is_negative(case):
        return
    schema = case.operation.schema.client_schema
    document = graphql.parse(case.body)
    for definition in document.definitions:
        if not isinstance(definition, graphql.OperationDefinitionNode):
            continue
        root = schema.query_type if definition.operation == graphql.OperationType.QUERY else schema.mutation_type
        for selection in definition.selection_set.selections:
            if isinstance(selection, graphql.FieldNode):
                _fix_field(selection, root, True, schema)
                if root is schema.mutation_type:
                    _fix_mutation(selection)
    _within_bounds(document)
    case.body = graphql.print_ast(document)


# The server's bounds on a whole query (depth 10, complexity 20,000: README,
# "GraphQL"), which no GraphQL type can state either. A read query over them
# is cut, its largest nested selection first, until the server takes it: the
# server, asked first, is the judge, so this hook holds no copy of its cost
# model. It asks without a key: a mutation is then refused as unauthorized
# after the bounds are checked and before anything is written.
QUERY_BOUNDS = {"query_too_complex", "query_too_deep", "too_many_aliases"}


def _refused_codes(query):
    errors = _graphql(query).get("errors") or []
    return {(e.get("extensions") or {}).get("code") for e in errors if isinstance(e, dict)}


def _size(node):
    selection_set = getattr(node, "selection_set", None)
    if selection_set is None:
        return 1
    return 1 + sum(_size(child) for child in selection_set.selections)


def _largest_nested(node, depth=0):
    """(size, parent, selection) of the largest selection below the root field."""
    best = None
    selection_set = getattr(node, "selection_set", None)
    if selection_set is None:
        return None
    for child in selection_set.selections:
        if depth > 0 and (best is None or _size(child) > best[0]):
            best = (_size(child), node, child)
        inner = _largest_nested(child, depth + 1)
        if inner is not None and (best is None or inner[0] > best[0]):
            best = inner
    return best


def _within_bounds(document):
    for _ in range(20):
        if not (_refused_codes(graphql.print_ast(document)) & QUERY_BOUNDS):
            return
        operation = next(d for d in document.definitions if isinstance(d, graphql.OperationDefinitionNode))
        largest = _largest_nested(operation)
        if largest is None:
            return
        _, parent, child = largest
        rest = tuple(c for c in parent.selection_set.selections if c is not child)
        if not rest:
            rest = (graphql.FieldNode(name=graphql.NameNode(value="__typename"), arguments=(), directives=()),)
        parent.selection_set = graphql.SelectionSetNode(selections=rest)

