//! HTTP caching of reads (RFC 9110 §8.8 validators, §13 conditional
//! requests; RFC 9111 `Cache-Control`): an `ETag` and `Last-Modified` on
//! every anonymous `GET` of data, `304 Not Modified` for a client that holds
//! the current representation, and a `max-age` for shared caches.
//!
//! The data changes only as a whole generation (the change log's newest
//! `seq`, the same on every replica), so the entity tag of a read is a hash
//! of that version and of everything else the answer depends on: the
//! request target, the negotiated headers (`Accept`, `Accept-Language`),
//! today's date (match and "open" filters default to it) and the server's
//! version. A revalidation naming that tag is therefore decided before
//! routing, from the snapshot alone: no statement runs for a `304`.
//! `If-None-Match: *` and `If-Modified-Since` are decided after the handler,
//! on its `200` only: a request that fails (404, 400, 401) is answered with
//! its failure, never `304` (RFC 9110 §13.2.1).
//!
//! A record's answer is tagged `"<version>.<representation tag>"`: the
//! record's version, which writes compare in `If-Match`, and the tag above,
//! so a record is revalidated before routing too, and its tag changes with
//! the language and with the records it embeds. A coded (gzip, br) answer keeps the tag of its
//! identity form and caches keep them apart by `Vary: Accept-Encoding`.
//! Rejected: a per-coding suffix (Apache's `-gzip`), which every `If-Match`
//! comparison would have to strip again.
use std::time::SystemTime;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, EntityTag, HeaderMap, HeaderValue, HttpDate, IfModifiedSince};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};

use crate::service::store::Snapshot;
use crate::state::AppState;

/// How long shared caches and browsers may reuse a read without asking
/// again (`Cache-Control: public, max-age=…`).
#[derive(Debug, Clone)]
pub struct CachePolicy {
    /// The `Cache-Control` value of anonymous reads.
    read: HeaderValue,
}

impl CachePolicy {
    /// Reads may be reused for `max_age_secs` seconds.
    pub fn new(max_age_secs: u64) -> Self {
        let read = format!("public, max-age={max_age_secs}");
        Self {
            read: HeaderValue::from_str(&read)
                .unwrap_or_else(|_| HeaderValue::from_static("no-cache")),
        }
    }
}

/// The request headers every validated read may depend on: `Vary` on its
/// `200` and `304` alike. `Accept-Encoding` is there even for an answer
/// sent uncoded (the coding was chosen from it), and a `304` must carry
/// the `Vary` of its `200` (RFC 9110 §15.4.5): otherwise a shared cache
/// that refreshes its stored gzip copy with the `304` would drop
/// `Accept-Encoding` from it (RFC 9111 §4.3.4), and the tag is the same in
/// every coding.
const VARY: &str = "Accept, Accept-Language, Accept-Encoding";

/// Whether reads of `path` are validated here: the data and the documents
/// derived from it, not the probes (`/health`, `/ready`, `/metrics`), which
/// must reach the server every time, nor the static pages.
fn validated(path: &str) -> bool {
    path == "/"
        || is_page(path)
        || path == "/graphql"
        || path == "/openapi.json"
        || path.starts_with("/api/v1/")
        || path.starts_with("/catalog")
        || path.starts_with("/downloads/")
        || path == "/calendar.ics"
}

/// Whether `path` is one of the pages built into the binary (the API
/// documentation, GraphiQL and their assets): validated by a digest of
/// their bytes ([`static_page`]), not by the data version.
fn static_page(path: &str) -> bool {
    path == "/graphiql"
        || path.starts_with("/graphiql/")
        || path.starts_with("/docs/")
        || path.starts_with("/assets/")
        || path == "/favicon.ico"
}

/// The pages for people drawn from the data (`/finder`, `/dashboard`, an
/// offer's page): validated by the data version like the API's reads.
pub fn is_page(path: &str) -> bool {
    path == "/finder" || path == "/dashboard" || path.starts_with("/offers/")
}

/// The change feed is read to learn about changes at once: caches must ask
/// every time (and get a cheap `304` when nothing changed).
/// So are the pages (and `/` when it answers a browser with one): a person
/// who comes back to one sees the latest changes, not a copy up to
/// `max-age` old. `/` as JSON keeps the read policy.
fn always_revalidate(req: &HttpRequest) -> bool {
    let path = req.path();
    path == "/api/v1/changes" || is_page(path) || (path == "/" && crate::pages::wants_html(req))
}

/// The entity tag of the answer to `req` at the data version of `snapshot`.
fn representation_tag(snapshot: &Snapshot, req: &HttpRequest) -> EntityTag {
    let mut hash = Sha256::new();
    let mut part = |bytes: &[u8]| {
        hash.update((bytes.len() as u64).to_be_bytes());
        hash.update(bytes);
    };
    part(env!("CARGO_PKG_VERSION").as_bytes());
    part(&snapshot.version.unwrap_or(-1).to_be_bytes());
    // With the time of that change: after a restore, new writes can bring
    // the log back to a number it had, with other data.
    part(
        &snapshot
            .modified
            .map_or(0, |t| t.timestamp_micros())
            .to_be_bytes(),
    );
    part(chrono::Utc::now().date_naive().to_string().as_bytes());
    part(
        req.uri()
            .path_and_query()
            .map_or("", |pq| pq.as_str())
            .as_bytes(),
    );
    // No `Accept` means `*/*` (RFC 9110 §12.5.1): one answer, one tag.
    for value in req.headers().get_all(header::ACCEPT) {
        if value.as_bytes().trim_ascii() != b"*/*" {
            part(value.as_bytes());
        }
    }
    part(b"\n");
    // The language negotiated, not the header: `de`, `de-DE` and none
    // give the same answer and so the same tag.
    part(crate::state::accept_language(req).as_str().as_bytes());
    let digest = hash.finalize();
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    EntityTag::new_strong(hex)
}

/// `If-None-Match` as sent (RFC 9110 §13.1.2), every field line of it.
enum IfNoneMatch {
    /// `*`: any current representation.
    Any,
    /// The opaque tags, quoted, without `W/` (the comparison is weak).
    Tags(Vec<String>),
}

impl IfNoneMatch {
    fn of(req: &HttpRequest) -> Option<Self> {
        let mut tags = Vec::new();
        let mut any = false;
        for line in req.headers().get_all(header::IF_NONE_MATCH) {
            let Ok(line) = line.to_str() else { continue };
            // Our tags are hex: a comma inside another server's tag only
            // splits a tag that could never match.
            for tag in line.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                if tag == "*" {
                    any = true;
                } else {
                    tags.push(tag.strip_prefix("W/").unwrap_or(tag).to_owned());
                }
            }
        }
        match (any, tags.is_empty()) {
            (true, _) => Some(Self::Any),
            (false, false) => Some(Self::Tags(tags)),
            (false, true) => None,
        }
    }

    /// The tag of a record answer (`"<version>.<representation>"`) among
    /// the tags whose representation part is `current`, if one is.
    fn record_tag(&self, current: &EntityTag) -> Option<&str> {
        let Self::Tags(tags) = self else {
            return None;
        };
        let suffix = format!(".{}\"", current.tag());
        tags.iter()
            .find(|tag| {
                tag.starts_with('"') && tag.ends_with(&suffix) && tag.len() > suffix.len() + 1
            })
            .map(String::as_str)
    }

    /// Whether one of the tags is `current` (weak comparison, §8.8.3.2).
    fn names(&self, current: &EntityTag) -> bool {
        match self {
            Self::Any => false,
            Self::Tags(tags) => {
                let current = format!("\"{}\"", current.tag());
                tags.contains(&current)
            }
        }
    }
}

/// The client's validators (RFC 9110 §13.1.2, §13.1.3).
struct Validators {
    if_none_match: Option<IfNoneMatch>,
    if_modified_since: Option<SystemTime>,
}

impl Validators {
    fn of(req: &HttpRequest) -> Self {
        Self {
            if_none_match: IfNoneMatch::of(req),
            // A date later than the server's clock is invalid (§13.1.3).
            if_modified_since: req
                .get_header::<IfModifiedSince>()
                .map(|IfModifiedSince(date)| SystemTime::from(date))
                .filter(|date| *date <= SystemTime::now()),
        }
    }

    /// Whether the client names `current` in `If-None-Match`: decidable
    /// before the handler runs, since a client can only hold a tag that a
    /// `200` of this very request carried (tags are sent on `200`s only).
    fn names(&self, current: &EntityTag) -> bool {
        self.if_none_match
            .as_ref()
            .is_some_and(|inm| inm.names(current))
    }

    /// Whether the `200` the handler gave is what the client holds (§13.2.2
    /// order): any tag equal to `current`, or `*`; only without
    /// `If-None-Match`, a date not before `modified`. Evaluated on `200`s
    /// only: a request that would fail is answered with its failure
    /// (§13.2.1), never `304`.
    fn not_modified(&self, current: &EntityTag, modified: Option<SystemTime>) -> bool {
        match &self.if_none_match {
            Some(IfNoneMatch::Any) => true,
            Some(tags) => tags.names(current),
            None => match (self.if_modified_since, modified) {
                (Some(since), Some(modified)) => modified <= since,
                _ => false,
            },
        }
    }
}

/// `modified` cut to whole seconds, or `None` while that second has not
/// passed: a write later in the same second would carry the same date, and
/// a client revalidating with it would be told nothing changed (Apache
/// withholds such dates for the same reason).
fn http_time(modified: chrono::DateTime<chrono::Utc>) -> Option<SystemTime> {
    let secs = modified.timestamp().max(0) as u64;
    let cut = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs);
    let passed = SystemTime::now()
        .duration_since(cut)
        .is_ok_and(|elapsed| elapsed.as_secs() >= 1);
    passed.then_some(cut)
}

/// The middleware (see the module documentation). It runs inside the method
/// handling (a `HEAD` is a `GET` here) and outside the response cache, which
/// reads the same snapshot.
pub async fn conditional(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let policy = req.app_data::<web::Data<CachePolicy>>().cloned();
    let anonymous_read = req.method() == Method::GET
        && validated(req.path())
        && !req.headers().contains_key(header::AUTHORIZATION);
    if req.method() == Method::GET && static_page(req.path()) {
        return static_page_validated(req, next, policy).await;
    }
    let (Some(state), Some(policy), true) = (state, policy, anonymous_read) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    // If the version check fails, the handler reports the database problem.
    let Ok(snapshot) = state.store.snapshot().await else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    req.extensions_mut().insert(snapshot.clone());
    let tag = representation_tag(&snapshot, req.request());
    let modified = snapshot.modified.and_then(http_time);
    // For `If-Unmodified-Since` even when `Last-Modified` is withheld.
    let changed_at = snapshot.modified.map(SystemTime::from);
    let validators = Validators::of(req.request());
    let cache_control = if always_revalidate(req.request()) {
        HeaderValue::from_static("no-cache")
    } else {
        policy.read.clone()
    };
    let mut fresh = HeaderMap::new();
    fresh.insert(header::CACHE_CONTROL, cache_control);
    fresh.insert(header::VARY, HeaderValue::from_static(VARY));
    if let Some(Ok(value)) = modified.map(|m| HeaderValue::from_str(&HttpDate::from(m).to_string()))
    {
        fresh.insert(header::LAST_MODIFIED, value);
    }
    // `If-Match` and `If-Unmodified-Since` come first (§13.2.2): with
    // either, the handler's answer decides.
    let strict = req.headers().contains_key(header::IF_MATCH)
        || req.headers().contains_key(header::IF_UNMODIFIED_SINCE);
    if !strict && validators.names(&tag) {
        fresh.insert(header::ETAG, etag_value(&tag));
        return Ok(req.into_response(not_modified(&fresh)));
    }
    // A record's answer: its version and this representation's tag.
    let held = validators
        .if_none_match
        .as_ref()
        .and_then(|inm| inm.record_tag(&tag))
        .and_then(|held| HeaderValue::from_str(held).ok())
        .filter(|_| !strict);
    if let Some(held) = held {
        fresh.insert(header::ETAG, held);
        return Ok(req.into_response(not_modified(&fresh)));
    }

    let mut response = next.call(req).await?.map_into_boxed_body();
    // A transient answer (a GraphQL query stopped at its deadline, the
    // database away: `Retry-After`) is no representation to validate.
    if response.status() != StatusCode::OK || response.headers().contains_key(header::RETRY_AFTER) {
        return Ok(response);
    }
    let headers = response.headers_mut();
    // The handler's `Vary` (e.g. `Accept-Language`) is one of these.
    for (name, value) in &fresh {
        if name == header::VARY || !headers.contains_key(name) {
            headers.insert(name.clone(), value.clone());
        }
    }
    // A record's answer keeps its version, which writes compare, and takes
    // this representation's tag instead of the digest of its body
    // (`rest::tag_record`): then its revalidation, too, is decided before
    // the handler, and the tag still changes with everything it shows.
    let version = headers
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<EntityTag>().ok())
        .map(|own| own.tag().split('.').next().unwrap_or_default().to_owned());
    let current = match version {
        Some(version) => EntityTag::new_strong(format!("{version}.{}", tag.tag())),
        None => tag,
    };
    headers.insert(header::ETAG, etag_value(&current));
    if let Some(refusal) = precondition_failed(response.request(), &current, changed_at) {
        let (request, _) = response.into_parts();
        return Ok(ServiceResponse::new(request, refusal));
    }
    if validators.not_modified(&current, modified) {
        let (request, answer) = response.into_parts();
        let mut headers = answer.headers().clone();
        headers.retain(|name, _| {
            matches!(
                *name,
                header::ETAG | header::CACHE_CONTROL | header::LAST_MODIFIED | header::VARY
            )
        });
        return Ok(ServiceResponse::new(request, not_modified(&headers)));
    }
    Ok(response)
}

/// The digests of the built-in pages, by request target: their bytes
/// change only with the binary, so each is hashed once per process (the
/// GraphiQL bundle is ~1 MB; hashing it per request would cost more than
/// sending it). The body's length is kept beside it as a check.
static PAGE_TAGS: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<String, (usize, EntityTag)>>,
> = std::sync::LazyLock::new(Default::default);

/// A built-in page (see [`static_page`]): its `200` carries a strong `ETag`
/// (a digest of its bytes) and the read `Cache-Control`; `If-None-Match`
/// naming it gets a `304`. Rejected: `Last-Modified` from the build time,
/// which a rebuild of the same bytes would change for nothing.
async fn static_page_validated(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    policy: Option<web::Data<CachePolicy>>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(String::new, |pq| pq.as_str().to_owned());
    let validators = Validators::of(req.request());
    let response = next.call(req).await?.map_into_boxed_body();
    if response.status() != StatusCode::OK {
        return Ok(response);
    }
    let (request, response) = response.into_parts();
    let (mut head, body) = response.into_parts();
    let body = actix_web::body::to_bytes(body)
        .await
        .map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string()))?;
    let known = PAGE_TAGS
        .lock()
        .ok()
        .and_then(|tags| tags.get(&target).cloned())
        .filter(|(len, _)| *len == body.len())
        .map(|(_, tag)| tag);
    let tag = known.unwrap_or_else(|| {
        let digest = Sha256::digest(&body);
        let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        let tag = EntityTag::new_strong(hex);
        if let Ok(mut tags) = PAGE_TAGS.lock() {
            tags.insert(target, (body.len(), tag.clone()));
        }
        tag
    });
    let headers = head.headers_mut();
    headers.insert(header::ETAG, etag_value(&tag));
    if let Some(policy) = policy {
        headers.insert(header::CACHE_CONTROL, policy.read.clone());
    }
    // `*` too: the page exists (RFC 9110 §13.1.2).
    if validators.not_modified(&tag, None) {
        let mut kept = head.headers().clone();
        kept.retain(|name, _| matches!(*name, header::ETAG | header::CACHE_CONTROL));
        return Ok(ServiceResponse::new(request, not_modified(&kept)));
    }
    Ok(ServiceResponse::new(
        request,
        head.set_body(body).map_into_boxed_body(),
    ))
}

/// `If-Match` and `If-Unmodified-Since` of a read (RFC 9110 §13.1.1,
/// §13.1.4, evaluated first by §13.2.2): a `412` problem when the client's
/// copy is not the current one. `If-Match` compares strongly; the date is
/// read only without `If-Match`.
fn precondition_failed(
    req: &HttpRequest,
    current: &EntityTag,
    changed_at: Option<SystemTime>,
) -> Option<HttpResponse> {
    use crate::service::import::edit::IfMatch;
    let lines = req
        .headers()
        .get_all(header::IF_MATCH)
        .filter_map(|v| v.to_str().ok());
    let failed = match IfMatch::parse(lines) {
        IfMatch::Absent => {
            let since = req
                .get_header::<header::IfUnmodifiedSince>()
                .map(|header::IfUnmodifiedSince(date)| SystemTime::from(date));
            // HTTP dates have whole seconds; `Last-Modified` is the change's
            // second cut down, so the same second is not "after".
            let secs = |t: SystemTime| {
                t.duration_since(SystemTime::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs())
            };
            matches!((since, changed_at), (Some(since), Some(changed)) if secs(changed) > secs(since))
        }
        IfMatch::Any => false,
        // The whole tag, strongly: a read asks for this very answer (a
        // write compares only the record's version).
        IfMatch::Tags(tags) => !tags.contains(&current.to_string()),
    };
    failed.then(|| {
        actix_web::ResponseError::error_response(&crate::error::AppError::PreconditionFailed {
            current: current.to_string(),
        })
    })
}

fn etag_value(tag: &EntityTag) -> HeaderValue {
    HeaderValue::from_str(&tag.to_string()).unwrap_or_else(|_| HeaderValue::from_static("\"\""))
}

/// A `304` with `headers`: those of the `200` that RFC 9110 §15.4.5 asks
/// for (validators, `Cache-Control`, `Vary`).
fn not_modified(headers: &HeaderMap) -> HttpResponse {
    let mut response = HttpResponse::NotModified();
    for (name, value) in headers {
        response.insert_header((name.clone(), value.clone()));
    }
    response.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_modification_date_is_sent_once_its_second_has_passed() {
        let now = chrono::Utc::now();
        assert_eq!(http_time(now), None);
        assert!(http_time(now - chrono::Duration::seconds(2)).is_some());
    }
}
