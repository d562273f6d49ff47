//! What every operation of the document has in common, written once: the
//! responses and headers that the middleware adds to every route (HTTP
//! caching, problems for oversized requests and failures, request ids),
//! which the handlers' `#[utoipa::path]` annotations cannot know.
//!
//! Each is defined once under `components` (`headers`, `responses`) and
//! referenced from the operations, so generated clients get one type per
//! header and problem. Rejected: repeating them in every annotation (58
//! operations, and a new route would silently lack them).
// The patterns of `web_url` and `email` fields are the server's own.
use crate::service::import::{EMAIL, WEB_URL};
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ArrayItems, ObjectBuilder, Ref, Type};
use utoipa::openapi::{
    Components, ContentBuilder, HeaderBuilder, OpenApi, RefOr, Required, ResponseBuilder,
};

/// A header component: a string described by `about`.
fn header(about: &str) -> utoipa::openapi::Header {
    HeaderBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .description(Some(about))
        .build()
}

/// The response headers, by name (`components.headers`).
const HEADERS: &[(&str, &str)] = &[
    (
        "ETag",
        "Strong entity tag of this representation (RFC 9110 §8.8.3), derived from the data \
         version, the URI and the negotiated language; send it as `If-None-Match` to \
         revalidate. A record's tag starts with its version, which writes compare in `If-Match`.",
    ),
    (
        "Last-Modified",
        "When the data last changed (RFC 9110 §8.8.2), for `If-Modified-Since`; withheld \
         during the second of a change, when a later change could carry the same date.",
    ),
    (
        "Cache-Control",
        "`public, max-age=60` for reads (configurable with `--cache-max-age`); `no-cache` on the \
         change feed, which clients revalidate every time.",
    ),
    (
        "Vary",
        "The request headers the answer depends on: `Accept, Accept-Language, Accept-Encoding`.",
    ),
    (
        "Content-Language",
        "The language of the text fields: `de` or `en` (RFC 9110 §8.5).",
    ),
    (
        "Link",
        "The next page as an RFC 8288 link, `<…>; rel=\"next\"`; absent on the last page.",
    ),
    (
        "X-Request-Id",
        "The request's id, also in the server's log lines: quote it when reporting a problem.",
    ),
    (
        "X-Cache",
        "`hit` when the response cache answered, `miss` when it stored this answer.",
    ),
    (
        "WWW-Authenticate",
        "`Bearer` with the reason a key was refused (RFC 6750 §3).",
    ),
    (
        "Retry-After",
        "Seconds after which the request may succeed (RFC 9110 §10.2.3).",
    ),
    (
        "RateLimit-Policy",
        "The client's quota (IETF draft-ietf-httpapi-ratelimit-headers): \
         `\"anonymous\";q=1200;w=60` per address, `\"key\";q=6000;w=60` per API key. Sent on \
         every limited answer while rate limits are on.",
    ),
    (
        "RateLimit",
        "What is left of the quota: `\"anonymous\";r=<requests left>;t=<seconds until one more \
         is allowed>`.",
    ),
    (
        "Server-Timing",
        "Where the time went (W3C Server Timing), in milliseconds: `db` (statements), \
         `search` (the index), `render` (the rest of the handler), `total`.",
    ),
];

/// A problem response component (`application/problem+json`, RFC 9457).
fn problem(description: &str, headers: &[&str]) -> utoipa::openapi::Response {
    let mut response = ResponseBuilder::new().description(description).content(
        "application/problem+json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build(),
    );
    for name in headers {
        response = response.header_ref(*name, header_ref(name));
    }
    response.build()
}

fn header_ref(name: &str) -> Ref {
    Ref::new(format!("#/components/headers/{name}"))
}

/// Adds the components, then the common parts of every operation.
pub fn document(api: &mut OpenApi) {
    let components = api.components.get_or_insert_with(Components::default);
    for (name, about) in HEADERS {
        components
            .headers
            .insert((*name).to_owned(), RefOr::T(header(about)));
    }
    let responses = [
        (
            "NotModified",
            ResponseBuilder::new()
                .description(
                    "The representation named in `If-None-Match` (or not changed since \
                     `If-Modified-Since`) is current: no body (RFC 9110 §15.4.5). Decided from \
                     the data version alone, without running the query.",
                )
                .header_ref("ETag", header_ref("ETag"))
                .header_ref("Cache-Control", header_ref("Cache-Control"))
                .header_ref("Vary", header_ref("Vary"))
                .header_ref("Last-Modified", header_ref("Last-Modified"))
                .build(),
        ),
        (
            "UriTooLong",
            problem(
                "The request target is longer than 8 KiB (`code: uri_too_long`).",
                &["X-Request-Id"],
            ),
        ),
        (
            "HeadersTooLarge",
            problem(
                "A request header is longer than 8 KiB, or all are longer than 32 KiB \
                 (`code: header_too_large`).",
                &["X-Request-Id"],
            ),
        ),
        (
            "MalformedPath",
            problem(
                "The path is malformed (`code: bad_request`): a control character, a `%` not \
                 followed by two hex digits, or bytes that are not UTF-8 once percent-decoded.",
                &["X-Request-Id"],
            ),
        ),
        (
            "Unavailable",
            problem(
                "The database does not answer or is busy (`code: unavailable`), or the answer \
                 took longer than the request timeout (`code: timeout`); retry after \
                 `Retry-After` seconds.",
                &["Retry-After", "X-Request-Id"],
            ),
        ),
        (
            "TooManyRequests",
            problem(
                "The client has used its quota (`code: rate_limited`): per address without a \
                 key, per API key with one; retry after `Retry-After` seconds.",
                &[
                    "Retry-After",
                    "RateLimit-Policy",
                    "RateLimit",
                    "X-Request-Id",
                ],
            ),
        ),
        (
            "InternalError",
            problem(
                "An unexpected failure (`code: internal`). Its cause is logged under the \
                 request id, never shown.",
                &["X-Request-Id"],
            ),
        ),
    ];
    for (name, response) in responses {
        components
            .responses
            .insert(name.to_owned(), RefOr::T(response));
    }

    require_what_is_sent(api);
    sparse_answers(api);
    bound_profile(api);
    bound_records(api);
    merge_patch_bodies(api);
    write_links(api);
    for (path, item) in api.paths.paths.iter_mut() {
        let operations = [
            (true, item.get.as_mut()),
            (false, item.post.as_mut()),
            (false, item.put.as_mut()),
            (false, item.patch.as_mut()),
            (false, item.delete.as_mut()),
        ];
        for (read, operation) in operations {
            if let Some(operation) = operation {
                common(path, read, operation);
            }
        }
    }
}

/// Whether `path`'s reads are validated (`http::conditional`): the data,
/// not the probes.
fn validated(path: &str) -> bool {
    path == "/" || path.starts_with("/api/v1/")
}

/// The common parts of one operation at `path`; `read` for a `GET`.
fn common(path: &str, read: bool, operation: &mut Operation) {
    let named = |name: &str| RefOr::Ref(Ref::from_response_name(name));
    let responses = &mut operation.responses.responses;
    let probe = matches!(path, "/health" | "/metrics");
    responses.insert("414".to_owned(), named("UriTooLong"));
    responses.insert("431".to_owned(), named("HeadersTooLarge"));
    responses.insert("500".to_owned(), named("InternalError"));
    // A path with a parameter can be malformed; routes without one are
    // matched literally (anything else is a 404).
    if path.contains('{') {
        responses
            .entry("400".to_owned())
            .or_insert_with(|| named("MalformedPath"));
    }
    if !probe {
        responses
            .entry("503".to_owned())
            .or_insert_with(|| named("Unavailable"));
    }
    // The probes are never rate limited (`ops::rate_limit`).
    if !matches!(path, "/health" | "/ready" | "/metrics") {
        responses.insert("429".to_owned(), named("TooManyRequests"));
    }
    for parameter in operation.parameters.iter_mut().flatten() {
        if let RefOr::T(parameter) = parameter {
            bound(parameter);
        }
    }
    let takes = |name: &str| {
        operation.parameters.iter().flatten().any(
            |p| matches!(p, RefOr::T(p) if p.name == name && p.parameter_in == ParameterIn::Query),
        )
    };
    let lang = takes("lang");
    // Paged: lists (`cursor`) and the change feed (`since`).
    let list = takes("cursor") || takes("since");
    let anonymous = operation.security.is_none();
    let cached = read && anonymous && validated(path);
    let mut extra = Vec::new();
    if cached {
        responses.insert("304".to_owned(), named("NotModified"));
        extra.push(header_param(
            "If-None-Match",
            "Entity tags of representations the client holds (RFC 9110 §13.1.2): a `304` if \
             one is current.",
        ));
        extra.push(header_param(
            "If-Modified-Since",
            "A `304` if the data has not changed since (RFC 9110 §13.1.3); ignored with \
             `If-None-Match`.",
        ));
    }
    if lang {
        extra.push(header_param(
            "Accept-Language",
            "Preferred languages (RFC 9110 §12.5.4), e.g. `en, de;q=0.5`: `de` or `en` is \
             chosen; `lang` wins over it.",
        ));
    }
    if !extra.is_empty() {
        operation
            .parameters
            .get_or_insert_with(Vec::new)
            .extend(extra.into_iter().map(RefOr::T));
    }
    for (status, response) in operation.responses.responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        let mut add = |name: &str| {
            response
                .headers
                .entry(name.to_owned())
                .or_insert_with(|| RefOr::Ref(header_ref(name)));
        };
        add("X-Request-Id");
        add("Server-Timing");
        // Every answer says what it depends on (CORS adds `Origin`).
        add("Vary");
        if status == "401" {
            add("WWW-Authenticate");
        }
        if !status.starts_with('2') {
            continue;
        }
        if cached && status == "200" {
            for name in ["ETag", "Last-Modified", "Cache-Control"] {
                add(name);
            }
        }
        // The response cache's answers: reads under `/api/v1/` and the
        // finder's `POST`.
        if status == "200"
            && anonymous
            && path.starts_with("/api/v1/")
            && (read || path == "/api/v1/match")
        {
            add("X-Cache");
        }
        // Every JSON answer of the API names its language.
        if (lang || path == "/" || path.starts_with("/api/v1/")) && status != "204" {
            add("Content-Language");
        }
        if list && status == "200" {
            add("Link");
        }
    }
}

/// An optional request header parameter.
fn header_param(name: &str, about: &str) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(about))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build()
}

/// Fields of response types that are left out rather than sent as `null`
/// (`skip_serializing_if`): `(type, field)`, `*` for any type. Every other
/// field of a response type is always sent, `null` when empty.
const OMITTED: &[(&str, &str)] = &[
    ("*", "total"),
    ("MatchResult", "excluded"),
    ("MatchResult", "excluded_total"),
    ("Problem", "errors"),
    ("Problem", "etag"),
];

/// The schema names `value` refers to (`$ref`s anywhere inside it).
fn refs_in(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner.as_str()) {
                    ("$ref", Some(r)) => {
                        if let Some(name) = r.strip_prefix("#/components/schemas/") {
                            out.push(name.to_owned());
                        }
                    }
                    _ => refs_in(inner, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| refs_in(v, out)),
        _ => {}
    }
}

/// The schemas reachable from `roots` through `schemas`.
fn reachable(
    roots: Vec<String>,
    schemas: &serde_json::Value,
) -> std::collections::BTreeSet<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut todo = roots;
    while let Some(name) = todo.pop() {
        if seen.insert(name.clone()) {
            refs_in(&schemas[&name], &mut todo);
        }
    }
    seen
}

/// Marks every field of the response types `required`, but those in
/// [`OMITTED`]: utoipa leaves an `Option` field optional, so generated
/// clients typed always-sent fields (`next_cursor`, `Offer.project`) as
/// possibly absent. Types that are also request bodies keep their
/// optional fields (a client may leave them out). A test validates real
/// answers of every operation against the result.
fn require_what_is_sent(api: &mut OpenApi) {
    let Ok(document) = serde_json::to_value(&*api) else {
        return;
    };
    let (mut answers, mut bodies) = (Vec::new(), Vec::new());
    for item in document["paths"].as_object().into_iter().flatten() {
        for operation in item.1.as_object().into_iter().flatten().map(|o| o.1) {
            refs_in(&operation["responses"], &mut answers);
            refs_in(&operation["requestBody"], &mut bodies);
        }
    }
    let schemas = &document["components"]["schemas"];
    let answers = reachable(answers, schemas);
    let bodies = reachable(bodies, schemas);
    let Some(components) = api.components.as_mut() else {
        return;
    };
    for name in answers.difference(&bodies) {
        let Some(RefOr::T(utoipa::openapi::schema::Schema::Object(object))) =
            components.schemas.get_mut(name)
        else {
            continue;
        };
        let fields: Vec<String> = object.properties.keys().cloned().collect();
        for field in fields {
            let omitted = OMITTED
                .iter()
                .any(|(ty, f)| *f == field && (*ty == "*" || ty == name));
            if !omitted && !object.required.contains(&field) {
                object.required.push(field);
            }
        }
    }
}

/// Text without control characters (Unicode category Cc) and with at
/// least one character that is not white space (the server trims text and
/// refuses what is left empty), as an ECMA-262 pattern.
const NOT_BLANK: &str =
    "^[^\\x00-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F][^\\x00-\\x1F\\x7F-\\x9F]*$";

/// States the bounds `rest::params` enforces on a parameter
/// (`crate::limits`), so that a client, a validator or a fuzzer knows them:
/// a list takes 1 to [`MAX_LIST_VALUES`] non-empty values of at most
/// [`MAX_KEY_LEN`] characters, `q` 1 to [`MAX_TEXT_LEN`] characters, a
/// path `key` 1 to [`MAX_KEY_LEN`]; none holds a control character.
fn bound(parameter: &mut utoipa::openapi::path::Parameter) {
    use crate::limits::{MAX_KEY_LEN, MAX_LIST_VALUES, MAX_TEXT_LEN};
    use utoipa::openapi::schema::{ArrayItems, Schema};
    let text = |schema: &mut Schema, max: usize, pattern: &str| {
        if let Schema::Object(object) = schema
            && object.enum_values.is_none()
            && object.format.is_none()
            && matches!(
                &object.schema_type,
                utoipa::openapi::schema::SchemaType::Type(Type::String)
            )
        {
            object.min_length = Some(1);
            object.max_length.get_or_insert(max);
            // `rest::params` refuses control characters (C0, DEL, C1) and
            // text that is blank once trimmed.
            object.pattern = Some(pattern.to_owned());
        }
    };
    let name = parameter.name.clone();
    let Some(RefOr::T(schema)) = parameter.schema.as_mut() else {
        return;
    };
    match schema {
        Schema::Array(array) => {
            array.min_items = Some(1);
            array.max_items = Some(MAX_LIST_VALUES);
            if let ArrayItems::RefOrSchema(items) = &mut array.items
                && let RefOr::T(items) = items.as_mut()
            {
                text(items, MAX_KEY_LEN, LIST_ITEM);
            }
        }
        schema if name == "q" => text(schema, MAX_TEXT_LEN, NOT_BLANK),
        // No `maxLength`: a longer key names no record (404), it is not
        // malformed.
        schema if name == "key" => {
            text(schema, MAX_KEY_LEN, NOT_BLANK);
            if let Schema::Object(object) = schema {
                object.max_length = None;
            }
        }
        // Other free text (`cursor`, the audit's `actor`): not empty, no
        // control characters, as `rest::params` reads every value. A
        // pattern of its own (`since`, a whole number) says more and stays.
        Schema::Object(object)
            if object.enum_values.is_none()
                && object.format.is_none()
                && object.pattern.is_none()
                && matches!(
                    &object.schema_type,
                    utoipa::openapi::schema::SchemaType::Type(Type::String)
                ) =>
        {
            object.min_length = Some(1);
            // A cursor is as long as the sort value it holds.
            if name != "cursor" {
                object.max_length.get_or_insert(MAX_TEXT_LEN);
            }
            object.pattern = Some(NOT_BLANK.to_owned());
        }
        _ => {}
    }
}

/// Like [`NOT_BLANK`], without commas: a value of a list parameter, whose
/// values are sent comma-separated (`style: form, explode: false`).
const LIST_ITEM: &str =
    "^[^,\\x00-\\x1F\\x7F-\\x9F]*[^,\\s\\x00-\\x1F\\x7F-\\x9F][^,\\x00-\\x1F\\x7F-\\x9F]*$";

/// Text that may span lines: no control characters but tab, line feed and
/// carriage return (`limits::is_allowed_char`).
const MULTILINE: &str = "^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F]*$";

/// The bounds `service::matching` checks on a match profile: its topics
/// are record keys, bounded as the query lists' values are
/// (`limits::check_keys`: 1 to [`MAX_KEY_LEN`] characters, not blank, no
/// control characters), as is its region; `sector` and `need` are free
/// text.
///
/// [`MAX_KEY_LEN`]: crate::limits::MAX_KEY_LEN
fn bound_profile(api: &mut OpenApi) {
    use utoipa::openapi::schema::{ArrayItems, Schema};
    let Some(RefOr::T(Schema::Object(profile))) = api
        .components
        .as_mut()
        .and_then(|c| c.schemas.get_mut("MatchProfile"))
    else {
        return;
    };
    if let Some(RefOr::T(Schema::Array(topics))) = profile.properties.get_mut("topics")
        && let ArrayItems::RefOrSchema(items) = &mut topics.items
        && let RefOr::T(Schema::Object(item)) = items.as_mut()
    {
        item.min_length = Some(1);
        item.max_length = Some(crate::limits::MAX_KEY_LEN);
        item.pattern = Some(NOT_BLANK.to_owned());
    }
    if let Some(RefOr::T(Schema::Object(region))) = profile.properties.get_mut("region") {
        region.pattern = Some(NOT_BLANK.to_owned());
    }
    for text in ["sector", "need"] {
        if let Some(RefOr::T(Schema::Object(object))) = profile.properties.get_mut(text) {
            object.pattern = Some(MULTILINE.to_owned());
        }
    }
}

/// Text of a record (`import::collection`): not blank (one character that
/// is neither white space nor `limits::INVISIBLE`), no control characters
/// but tab and line breaks.
const TEXT: &str = "^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F]*[^\\s\\x00-\\x1F\\x7F-\\x9F\\u00AD\\u180E\\u200B-\\u200F\\u2060-\\u2064\\uFEFF][^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F]*$";

/// A slug as `slug::is_valid_slug` accepts it: lowercase ASCII words of
/// letters and digits joined by single hyphens, at least one letter (a
/// pattern without look-ahead, which not every generator reads).
const SLUG: &str = "^([0-9]+-)*[0-9]*[a-z][a-z0-9]*(-[a-z0-9]+)*$";

/// Text of a record's optional field (`import::collection::bounded_values`): no
/// control characters but tab and line breaks; may be empty.
const ANY_TEXT: &str = "^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F]*$";

/// What a record's field must satisfy beyond its type, as the import's
/// checks (`import::collections`, each `check_record`) enforce it.
enum Bound {
    /// A name or title: at most `TITLE_CHARS` characters.
    Title,
    /// An absolute `http(s)` URL ([`WEB_URL`]).
    WebUrl,
    /// An e-mail address ([`EMAIL`]).
    Email,
    /// Text matching a pattern (official keys).
    Pattern(&'static str),
    /// A whole number in this range.
    Range(isize, isize),
    /// A list without repeats, of at least this many entries.
    Distinct(usize),
}

/// `(record, field, bound)`, beside the generic bounds of [`bound_records`].
const BOUNDS: &[(&str, &str, Bound)] = &[
    ("PartnerRecord", "name", Bound::Title),
    ("PartnerRecord", "website", Bound::WebUrl),
    ("ContactRecord", "url", Bound::WebUrl),
    ("ContactRecord", "email", Bound::Email),
    ("PersonRecord", "year", Bound::Range(1900, 2100)),
    ("ProjectRecord", "name", Bound::Title),
    ("ProjectRecord", "website", Bound::WebUrl),
    ("ProjectRecord", "start_year", Bound::Range(1900, 2100)),
    (
        "ProjectRecord",
        "member_count",
        Bound::Range(0, i32::MAX as isize),
    ),
    ("OfferRecord", "title_de", Bound::Title),
    ("OfferRecord", "title_en", Bound::Title),
    ("OfferRecord", "url", Bound::WebUrl),
    ("OfferRecord", "target_groups", Bound::Distinct(1)),
    ("OfferRecord", "regions", Bound::Distinct(1)),
    ("OfferRecord", "topics", Bound::Distinct(0)),
    ("MeetingRecord", "title_de", Bound::Title),
    ("RegionRecord", "ars", Bound::Pattern("^[0-9]{2,12}$")),
    (
        "RegionRecord",
        "nuts",
        Bound::Pattern("^[A-Z]{2}[A-Z0-9]{0,3}$"),
    ),
    ("RegionRecord", "members", Bound::Distinct(0)),
];

/// States on the records of the import format (`…Record`, the bodies of
/// `POST` and `PUT`) what the import's checks enforce on a record alone
/// (`import::collection::check_shape` and each `check_record`): the slug's
/// form and length; every text at most `TEXT_CHARS` characters without
/// control characters but tab and line breaks, required text not blank;
/// and the per-field [`BOUNDS`]. What depends on the stored data (taken
/// slugs, references that exist) is a `409`, and rules between fields
/// (`valid_until` not before `valid_from`) are described, not stated.
fn bound_records(api: &mut OpenApi) {
    use crate::service::import::TEXT_CHARS;
    use crate::service::import::collections::TITLE_CHARS;
    use utoipa::openapi::schema::{Schema, SchemaType};
    /// Bounds a text schema (`required`: not blank) unless it has its own.
    fn text(property: &mut utoipa::openapi::schema::Object, required: bool) {
        let is_text = match &property.schema_type {
            SchemaType::Type(Type::String) => true,
            SchemaType::Array(types) => types.contains(&Type::String),
            _ => false,
        };
        if !is_text || property.enum_values.is_some() || property.pattern.is_some() {
            return;
        }
        property.max_length.get_or_insert(TEXT_CHARS);
        if required {
            property.min_length = Some(1);
            property.pattern = Some(TEXT.to_owned());
        } else {
            property.pattern = Some(ANY_TEXT.to_owned());
        }
    }
    let Some(components) = api.components.as_mut() else {
        return;
    };
    for (name, schema) in fact_schemas() {
        components.schemas.insert(name.to_owned(), schema);
    }
    for (name, schema) in components.schemas.iter_mut() {
        let RefOr::T(Schema::Object(record)) = schema else {
            continue;
        };
        if !name.ends_with("Record") {
            continue;
        }
        let required = record.required.clone();
        for (field, property) in record.properties.iter_mut() {
            let bound = BOUNDS
                .iter()
                .find(|(r, f, _)| r == name && f == field)
                .map(|(_, _, b)| b);
            match property {
                RefOr::T(Schema::Object(property)) => {
                    match bound {
                        Some(Bound::Title) => property.max_length = Some(TITLE_CHARS),
                        Some(Bound::WebUrl) => {
                            property.format = None;
                            property.pattern = Some(WEB_URL.to_owned());
                            property.max_length = Some(TEXT_CHARS);
                        }
                        Some(Bound::Email) => {
                            property.pattern = Some(EMAIL.to_owned());
                            property.max_length = Some(TEXT_CHARS);
                        }
                        Some(Bound::Pattern(pattern)) => {
                            property.pattern = Some((*pattern).to_owned())
                        }
                        Some(Bound::Range(min, max)) => {
                            property.minimum = Some(utoipa::Number::Int(*min));
                            property.maximum = Some(utoipa::Number::Int(*max));
                        }
                        Some(Bound::Distinct(_)) | None => {}
                    }
                    if field == "facts" {
                        property.additional_properties = Some(Box::new(
                            utoipa::openapi::schema::AdditionalProperties::RefOr(RefOr::Ref(
                                Ref::from_schema_name("Fact"),
                            )),
                        ));
                        property.property_names = Some(Box::new(member_name()));
                    } else if field == "slug" {
                        property.pattern = Some(SLUG.to_owned());
                        property.min_length = Some(1);
                        property.max_length = Some(120);
                        property.description.get_or_insert_with(|| {
                            "The record's key: lowercase words of letters and digits joined by \
                             single hyphens, with at least one letter, not a UUID; it cannot \
                             change once written."
                                .to_owned()
                        });
                    } else {
                        text(property, required.contains(field));
                    }
                }
                RefOr::T(Schema::Array(list)) => {
                    if let Some(Bound::Distinct(min)) = bound {
                        list.unique_items = true;
                        list.min_items = (*min > 0).then_some(*min);
                    }
                    if let ArrayItems::RefOrSchema(item) = &mut list.items
                        && let RefOr::T(Schema::Object(item)) = item.as_mut()
                    {
                        text(item, false);
                    }
                }
                _ => {}
            }
        }
    }
}

/// A member name of `facts`: text as [`ANY_TEXT`], at most `TEXT_CHARS`.
fn member_name() -> utoipa::openapi::schema::Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(ANY_TEXT))
        .max_length(Some(crate::service::import::TEXT_CHARS))
        .into()
}

/// `Fact`: a value of a project's `facts` (free-form JSON from the
/// sources): text, a number, `true`/`false`, `null`, a list of
/// `FactItem`s or an object of facts, whose texts and member names are
/// bounded as every text of a record is (`import::collection::bounded_values`).
/// `FactItem` is a fact but a list: a list holds no lists
/// (`ProjectRecord::check_record`). Why not one schema whose lists hold
/// facts: TypeScript refuses a type whose union holds an array of itself
/// in the property annotations that openapi-typescript writes (TS2502).
fn fact_schemas() -> [(&'static str, RefOr<utoipa::openapi::schema::Schema>); 2] {
    use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder};
    let fact = || Ref::from_schema_name("Fact");
    let value = |description: &str, list: bool| -> RefOr<utoipa::openapi::schema::Schema> {
        let mut any = AnyOfBuilder::new()
            .description(Some(description))
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(ANY_TEXT))
                    .max_length(Some(crate::service::import::TEXT_CHARS)),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Number)
                    .minimum(Some(-(crate::service::import::MAX_EXACT as f64)))
                    .maximum(Some(crate::service::import::MAX_EXACT as f64)),
            )
            .item(ObjectBuilder::new().schema_type(Type::Boolean))
            .item(ObjectBuilder::new().schema_type(Type::Null));
        if list {
            any = any.item(ArrayBuilder::new().items(Ref::from_schema_name("FactItem")));
        }
        any.item(
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .additional_properties(Some(fact()))
                .property_names(Some(member_name())),
        )
        .into()
    };
    [
        (
            "Fact",
            value(
                "A value of a project's `facts`: text (no control characters but tab and line \
                 breaks, at most 10,000 characters), a number within ±(2^53 − 1), `true`/`false`, \
                 `null`, a list \
                 (of `FactItem`s), or an object of facts (member names bounded as text).",
                true,
            ),
        ),
        (
            "FactItem",
            value(
                "An entry of a list in `facts`: a `Fact` but a list (a list holds no lists).",
                false,
            ),
        ),
    ]
}

/// The body of each `PATCH`: a JSON Merge Patch (RFC 7396) of the record
/// its `PUT` takes, so any of that record's fields and no other (the
/// server refuses unknown fields with a `422`), none required; `null`
/// clears an optional field, which the record's own nullable types state.
/// Rejected: `{"type": "object"}`, which let a generated client send
/// anything and left its users to guess the fields.
fn merge_patch_bodies(api: &mut OpenApi) {
    use utoipa::openapi::schema::Schema;
    let record_of = |item: &utoipa::openapi::path::PathItem| -> Option<String> {
        let body = match item.put.as_ref()?.request_body.as_ref()? {
            RefOr::T(body) => body,
            RefOr::Ref(_) => return None,
        };
        match body.content.values().next()? {
            RefOr::T(content) => match content.schema.as_ref()? {
                RefOr::Ref(reference) => {
                    Some(reference.ref_location.rsplit('/').next()?.to_owned())
                }
                RefOr::T(_) => None,
            },
            RefOr::Ref(_) => None,
        }
    };
    let records: Vec<(String, String)> = api
        .paths
        .paths
        .iter()
        .filter_map(|(path, item)| Some((path.clone(), record_of(item)?)))
        .collect();
    for (path, record) in records {
        let Some(RefOr::T(Schema::Object(mut patch))) = api
            .components
            .as_ref()
            .and_then(|c| c.schemas.get(&record))
            .cloned()
        else {
            continue;
        };
        patch.required.clear();
        patch.description = Some(format!(
            "A JSON Merge Patch of a `{record}`: any of its fields, none required; `null` clears \
             an optional field, a list replaces the stored one."
        ));
        let body = api
            .paths
            .paths
            .get_mut(&path)
            .and_then(|item| item.patch.as_mut())
            .and_then(|patch| patch.request_body.as_mut());
        // Both media types PATCH takes (`application/json` too).
        if let Some(RefOr::T(body)) = body {
            for content in body.content.values_mut() {
                if let RefOr::T(content) = content {
                    content.schema = Some(RefOr::T(Schema::Object(patch.clone())));
                }
            }
        }
    }
}

/// Links (OpenAPI 3.1 §4.8.20) from each write's answer to the item's
/// operations: a record created by `POST` (`201`) or written by `PUT` or
/// `PATCH` (`200`) is read, replaced, patched and deleted by its `slug`.
/// Generated clients and Schemathesis's stateful phase follow them (create
/// → read → change → delete).
fn write_links(api: &mut OpenApi) {
    use utoipa::openapi::link::LinkBuilder;
    let items: Vec<(String, String)> = api
        .paths
        .paths
        .keys()
        .filter_map(|path| {
            let collection = path.strip_prefix("/api/v1/")?.strip_suffix("/{key}")?;
            Some((format!("/api/v1/{collection}"), path.clone()))
        })
        .collect();
    for (list, item) in items {
        let Some(targets) = api.paths.paths.get(&item).map(|item| {
            [
                ("read", item.get.as_ref()),
                ("replace", item.put.as_ref()),
                ("patch", item.patch.as_ref()),
                ("delete", item.delete.as_ref()),
            ]
            .into_iter()
            .filter_map(|(verb, op)| Some((verb, op?.operation_id.clone()?)))
            .collect::<Vec<_>>()
        }) else {
            continue;
        };
        let links: Vec<(String, RefOr<utoipa::openapi::link::Link>)> = targets
            .iter()
            .map(|(verb, operation_id)| {
                let link = LinkBuilder::new()
                    .operation_id(operation_id)
                    .parameter("key", "$response.body#/slug")
                    .description(format!("{verb} the record written, by its slug"))
                    .build();
                (operation_id.clone(), RefOr::T(link))
            })
            .collect();
        let link = |answer: Option<&mut RefOr<utoipa::openapi::Response>>| {
            if let Some(RefOr::T(answer)) = answer {
                answer.links.extend(links.iter().cloned());
            }
        };
        if let Some(post) = api.paths.paths.get_mut(&list).and_then(|i| i.post.as_mut()) {
            link(post.responses.responses.get_mut("201"));
        }
        if let Some(item) = api.paths.paths.get_mut(&item) {
            for op in [item.put.as_mut(), item.patch.as_mut()]
                .into_iter()
                .flatten()
            {
                link(op.responses.responses.get_mut("200"));
            }
        }
    }
}

/// Marks the query parameter `name` of `GET path` required.
pub fn require_parameter(api: &mut OpenApi, path: &str, name: &str) {
    if let Some(parameter) = query_parameter(api, path, name) {
        parameter.required = Required::True;
    }
}

/// States the values the query parameter `name` of `GET path` takes
/// (`values`: the list the server checks against, so the two agree).
pub fn enumerate_parameter(api: &mut OpenApi, path: &str, name: &str, values: &[&str]) {
    use utoipa::openapi::schema::Schema;
    if let Some(parameter) = query_parameter(api, path, name)
        && let Some(RefOr::T(Schema::Object(object))) = parameter.schema.as_mut()
    {
        object.enum_values = Some(values.iter().map(|v| (*v).into()).collect());
        object.min_length = None;
        object.max_length = None;
        object.pattern = None;
    }
}

fn query_parameter<'a>(
    api: &'a mut OpenApi,
    path: &str,
    name: &str,
) -> Option<&'a mut utoipa::openapi::path::Parameter> {
    let get = api.paths.paths.get_mut(path)?.get.as_mut()?;
    get.parameters
        .iter_mut()
        .flatten()
        .find_map(|parameter| match parameter {
            RefOr::T(parameter) if parameter.name == name => Some(parameter),
            _ => None,
        })
}

/// The answer of an operation with `fields` (a sparse fieldset) is its
/// type, or — when `fields` is given — its `…Fields` variant, whose record
/// fields are all optional: `anyOf` the two, so that the full answer keeps
/// its required fields for generated clients and a sparse one is still
/// valid. The variants are made here from the types, once each.
fn sparse_answers(api: &mut OpenApi) {
    use utoipa::openapi::schema::{AnyOfBuilder, Schema};
    let Some(components) = api.components.as_mut() else {
        return;
    };
    let mut made: Vec<(String, RefOr<Schema>)> = Vec::new();
    let mut variant = |name: &str, schemas: &std::collections::BTreeMap<String, RefOr<Schema>>| {
        let sparse = format!("{name}Fields");
        if made.iter().any(|(n, _)| *n == sparse) || schemas.contains_key(&sparse) {
            return Some(sparse);
        }
        let mut value = serde_json::to_value(schemas.get(name)?).ok()?;
        let item = value["properties"]["items"]["items"]["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .map(str::to_owned);
        match item {
            // A page: the same page of sparse records.
            Some(item) => {
                let item_sparse = format!("{item}Fields");
                let mut record = serde_json::to_value(schemas.get(&item)?).ok()?;
                record.as_object_mut()?.remove("required");
                record["description"] = serde_json::Value::String(format!(
                    "{item} with only the fields asked for in `fields`."
                ));
                if !made.iter().any(|(n, _)| *n == item_sparse) {
                    made.push((item_sparse.clone(), serde_json::from_value(record).ok()?));
                }
                value["properties"]["items"]["items"]["$ref"] =
                    serde_json::Value::String(format!("#/components/schemas/{item_sparse}"));
                value["description"] = serde_json::Value::String(format!(
                    "A page of {item_sparse} records: the answer when `fields` is given."
                ));
            }
            None => {
                value.as_object_mut()?.remove("required");
                value["description"] = serde_json::Value::String(format!(
                    "{name} with only the fields asked for in `fields`."
                ));
            }
        }
        made.push((sparse.clone(), serde_json::from_value(value).ok()?));
        Some(sparse)
    };
    for item in api.paths.paths.values_mut() {
        let Some(get) = item.get.as_mut() else {
            continue;
        };
        let sparse = get
            .parameters
            .iter()
            .flatten()
            .any(|p| matches!(p, RefOr::T(p) if p.name == "fields"));
        if !sparse {
            continue;
        }
        let Some(RefOr::T(ok)) = get.responses.responses.get_mut("200") else {
            continue;
        };
        for content in ok.content.values_mut() {
            let RefOr::T(content) = content else {
                continue;
            };
            let Some(RefOr::Ref(full)) = content.schema.as_ref() else {
                continue;
            };
            let name = full
                .ref_location
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned();
            if let Some(sparse) = variant(&name, &components.schemas) {
                content.schema = Some(RefOr::T(Schema::AnyOf(
                    AnyOfBuilder::new()
                        .item(Ref::from_schema_name(name))
                        .item(Ref::from_schema_name(sparse))
                        .build(),
                )));
            }
        }
    }
    components.schemas.extend(made);
}
