//! Finished responses kept for repeated requests, dropped when the data
//! changes.
//!
//! The data only changes through imports (`lotse import`, another process),
//! which the server notices through the same data-version check that
//! rebuilds the search index (`LOTSE_SEARCH_REFRESH_SECS`). A response is
//! stored under that version's generation, so a cached answer is never older
//! than what the index would say; a change drops them all at once.
//!
//! A hit skips parsing, every query and serialisation: on 2 cores it turns a
//! list page from ~500 into thousands of requests per second (see
//! `bench/RESULTS.md`). Rejected: per-handler caches of DTOs. They would still
//! serialise per request and need one cache per resource; whole responses
//! cover REST, GraphQL and matching alike.
//!
//! What is cached: 200 responses to GET under `/api/v1/`, to GET `/` and
//! the pages for people (`/finder`, `/dashboard`, `/offers/{key}`: their
//! language and profile are in the URI or `Accept-Language`, their "today"
//! in the key's day), and to GET or POST on `/graphql` and
//! `POST /api/v1/match` (the body is part of the key, up to [`MAX_BODY`]). The key also holds the headers that shape a response or
//! decide whether it is given at all (`Accept`, `Accept-Language`,
//! `Content-Type`) and today's date (matching defaults to it): a request
//! the handler would refuse never meets a stored answer.
//! `Cache-Control: no-cache` on a request bypasses the cache, and so does
//! `Authorization` (an answer to credentials is not shared); every answer
//! that passed through it says `X-Cache: hit` or `miss`.
//!
//! While the database is away (the version check fails), stored answers of
//! the last generation are served with `X-Cache: stale` and `Cache-Control:
//! no-cache` (RFC 5861 §4 `stale-if-error`); the handler answers the
//! others (a 503 problem, or a GraphQL error with code `unavailable`).
//!
//! A hit for a client that accepts `br` or `gzip` gets the stored body coded
//! once, on the first such hit, and kept beside it: actix-web's `Compress`
//! (which leaves answers with a `Content-Encoding` alone) would code it anew
//! for every request, which made a cached gzip answer 87× slower than a
//! cached identity one (bench/RESULTS.md). Coded once, it can afford a
//! better ratio than `Compress`'s per-request settings.
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};
use quick_cache::Weighter;
use quick_cache::sync::Cache;

use crate::error::AppError;
use crate::http::headers::{SentAcceptEncoding, choose_coding};
use crate::service::store::Snapshot;
use crate::state::AppState;

/// Largest request body that is part of a key; larger POSTs bypass the cache.
pub const MAX_BODY: usize = 16 * 1024;

const X_CACHE: HeaderName = HeaderName::from_static("x-cache");

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    generation: u64,
    day: i32,
    method: Method,
    uri: String,
    accept: Option<HeaderValue>,
    accept_language: Option<HeaderValue>,
    /// The body's media type: a body sent as another type may be refused
    /// (415), so it must not meet the answer to the accepted one.
    content_type: Option<HeaderValue>,
    body: web::Bytes,
}

#[derive(Debug)]
struct Stored {
    headers: HeaderMap,
    body: web::Bytes,
    /// The body coded with gzip and with brotli, made on first use; `None`
    /// inside when coding failed or did not make it smaller.
    gzip: OnceLock<Option<web::Bytes>>,
    br: OnceLock<Option<web::Bytes>>,
}

impl Stored {
    fn new(headers: HeaderMap, body: web::Bytes) -> Self {
        Self {
            headers,
            body,
            gzip: OnceLock::new(),
            br: OnceLock::new(),
        }
    }

    /// The body in `coding`, coding it on first use.
    fn coded(&self, coding: Coding) -> Option<&web::Bytes> {
        let (cell, code): (_, Encoder) = match coding {
            Coding::Gzip => (&self.gzip, gzip),
            Coding::Br => (&self.br, brotli),
        };
        cell.get_or_init(|| {
            code(&self.body)
                .ok()
                .filter(|coded| coded.len() < self.body.len())
                .map(web::Bytes::from)
        })
        .as_ref()
    }
}

/// Codes a whole body.
type Encoder = fn(&[u8]) -> std::io::Result<Vec<u8>>;

/// A content coding the cache keeps bodies in (RFC 9110 §8.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    Gzip,
    Br,
}

impl Coding {
    fn name(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Br => "br",
        }
    }

    /// The coding `Accept-Encoding` prefers among all the server makes
    /// (these two here, deflate per request; one rule for both places,
    /// [`choose_coding`]), if it is one kept here; `None` for the others
    /// (coded per request), for identity, or for a body too small to code
    /// (as [`crate::http::headers::MIN_COMPRESSED_BYTES`] says).
    fn negotiate(req: &impl HttpMessage, len: usize) -> Option<Self> {
        if (len as u64) < crate::http::headers::MIN_COMPRESSED_BYTES {
            return None;
        }
        let accept = match req.extensions().get::<SentAcceptEncoding>() {
            Some(sent) => sent.0.clone(),
            None => req.get_header::<header::AcceptEncoding>()?,
        };
        let made = [
            header::Encoding::brotli(),
            header::Encoding::gzip(),
            header::Encoding::deflate(),
        ];
        match choose_coding(&accept, &made)? {
            e if e == header::Encoding::brotli() => Some(Coding::Br),
            e if e == header::Encoding::gzip() => Some(Coding::Gzip),
            _ => None,
        }
    }
}

/// gzip at zlib's default level 6 (`Compress` uses level 1, per request).
fn gzip(body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 3),
        flate2::Compression::default(),
    );
    encoder.write_all(body)?;
    encoder.finish()
}

/// Brotli at quality 6 with a 1 MiB window (`Compress` uses quality 3 and
/// a 4 MiB window per request). Not 9 to 11: the first hit codes on the
/// worker's thread, and 6 is within a few per cent of 9's size on our JSON.
fn brotli(body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder =
        brotli::CompressorWriter::new(Vec::with_capacity(body.len() / 4), 4096, 6, 20);
    encoder.write_all(body)?;
    encoder.flush()?;
    Ok(encoder.into_inner())
}

#[derive(Debug, Clone)]
struct ByBytes;

impl Weighter<Key, Arc<Stored>> for ByBytes {
    fn weight(&self, key: &Key, value: &Arc<Stored>) -> u64 {
        // Headers and bookkeeping: a rough constant is close enough. The
        // coded bodies, made later, are counted ahead: JSON codes to about
        // a quarter of its size in each coding, so half the body in all.
        let body = value.body.len() + value.body.len() / 2;
        (key.uri.len() + key.body.len() + body + 512) as u64
    }
}

/// The cache, shared by all workers.
pub struct ResponseCache {
    entries: Cache<Key, Arc<Stored>, ByBytes>,
    /// The generation the entries belong to.
    generation: AtomicU64,
    /// False when configured with 0 bytes: everything passes through.
    enabled: bool,
}

impl std::fmt::Debug for ResponseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseCache")
            .field("entries", &self.entries.len())
            .field("bytes", &self.entries.weight())
            .finish()
    }
}

impl ResponseCache {
    /// A cache of at most `bytes` of responses; 0 turns it off.
    pub fn new(bytes: u64) -> Self {
        // Assumes ~8 KiB per response for the initial table size.
        let estimated = (bytes / 8192).clamp(16, 1 << 20) as usize;
        Self {
            entries: Cache::with_weighter(estimated, bytes, ByBytes),
            generation: AtomicU64::new(0),
            enabled: bytes > 0,
        }
    }

    fn at_generation(&self, generation: u64) {
        if self.generation.swap(generation, Ordering::AcqRel) != generation {
            self.entries.clear();
        }
    }
}

fn cacheable(req: &ServiceRequest) -> bool {
    let path = req.path();
    let no_cache = req
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        // Directive names are case-insensitive (RFC 9111 §5.2).
        .is_some_and(|v| {
            let v = v.to_ascii_lowercase();
            v.contains("no-cache") || v.contains("no-store")
        })
        || req
            .headers()
            .get(header::PRAGMA)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"no-cache"));
    // An answer to a request with credentials is that client's alone
    // (RFC 9111 §3.5): the audit trail, GraphQL mutations.
    if no_cache || req.headers().contains_key(header::AUTHORIZATION) {
        return false;
    }
    match *req.method() {
        Method::GET => {
            path.starts_with("/api/v1/")
                || path == "/graphql"
                || path == "/"
                || crate::http::conditional::is_page(path)
        }
        Method::POST => {
            (path == "/graphql" || path == "/api/v1/match")
                && req
                    .headers()
                    .get(header::CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
                    .is_some_and(|len| len <= MAX_BODY)
        }
        _ => false,
    }
}

/// Every field line of `name`, joined with `, ` as RFC 9110 §5.3 combines
/// them: two lines must not share a key with the first alone (two
/// `Content-Type`s are refused; two `Accept-Language`s are one list).
fn all_lines(headers: &HeaderMap, name: HeaderName) -> Option<HeaderValue> {
    let mut lines = headers.get_all(name);
    let first = lines.next()?.clone();
    let mut joined = first.as_bytes().to_vec();
    for line in lines {
        joined.extend_from_slice(b", ");
        joined.extend_from_slice(line.as_bytes());
    }
    Some(HeaderValue::from_bytes(&joined).unwrap_or(first))
}

/// Puts a body that was read back in front of the handler.
fn payload_of(bytes: web::Bytes) -> Payload {
    let (_, mut payload) = actix_http::h1::Payload::create(true);
    payload.unread_data(bytes);
    Payload::from(payload)
}

/// Counts a cacheable request's outcome (`lotse_response_cache_requests_total`).
fn count(req: &ServiceRequest, outcome: &str) {
    if let Some(metrics) = req.app_data::<web::Data<Arc<crate::ops::metrics::Metrics>>>() {
        metrics.cache.with_label_values(&[outcome]).inc();
    }
}

/// The middleware (see the module documentation).
pub async fn cached(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let cache = req.app_data::<web::Data<ResponseCache>>().cloned();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (Some(cache), Some(state)) = (cache, state) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if !cache.enabled || !cacheable(&req) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    // The conditional-request middleware may have taken it already. If the
    // version check fails because the database is away, the last snapshot's
    // answers are served stale (RFC 5861 §4, `stale-if-error`); what they do
    // not hold is a 503 (REST) or goes to the handler, which reports the
    // outage in its own format (a GraphQL error). Any other failure: served
    // uncached.
    let taken = req.extensions().get::<Arc<Snapshot>>().cloned();
    let (snapshot, outage) = match taken {
        Some(snapshot) => (snapshot, None),
        None => match state.store.snapshot().await {
            Ok(snapshot) => (snapshot, None),
            Err(AppError::Unavailable(err)) => match state.store.latest() {
                Some(snapshot) => (snapshot, Some(err)),
                None => return Ok(next.call(req).await?.map_into_boxed_body()),
            },
            Err(_) => return Ok(next.call(req).await?.map_into_boxed_body()),
        },
    };
    let stale = outage.is_some();
    let generation = snapshot.generation;
    if !stale {
        cache.at_generation(generation);
        // The handler reads this same snapshot (`AppState::ctx`): an answer
        // is stored under the generation it was computed from.
        req.extensions_mut().insert(snapshot);
    }

    let body = if req.method() == Method::POST {
        // Raw, as the handlers read it, and within the body timeout.
        let payload = req.extract::<web::Payload>().await?;
        let bytes = match crate::guard::read_body(payload, MAX_BODY).await {
            Ok(bytes) => bytes,
            Err(err) => return Ok(req.error_response(err)),
        };
        req.set_payload(payload_of(bytes.clone()));
        bytes
    } else {
        web::Bytes::new()
    };
    let key = Key {
        generation,
        day: chrono::Datelike::num_days_from_ce(&chrono::Utc::now().date_naive()),
        method: req.method().clone(),
        uri: req.uri().to_string(),
        accept: all_lines(req.headers(), header::ACCEPT),
        accept_language: all_lines(req.headers(), header::ACCEPT_LANGUAGE),
        content_type: all_lines(req.headers(), header::CONTENT_TYPE),
        body,
    };
    if let Some(stored) = cache.entries.get(&key) {
        let mut response = HttpResponse::Ok();
        for (name, value) in &stored.headers {
            response.append_header((name.clone(), value.clone()));
        }
        if stale {
            // Stale: a shared cache must not take it as fresh for max-age.
            response.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-cache")));
        }
        let outcome = if stale { "stale" } else { "hit" };
        count(&req, outcome);
        response.insert_header((X_CACHE, HeaderValue::from_static(outcome)));
        let coded = Coding::negotiate(&req, stored.body.len())
            .and_then(|coding| Some((coding, stored.coded(coding)?)));
        let response = match coded {
            Some((coding, body)) => {
                // What `Compress` would have said about a body it coded.
                response
                    .insert_header((header::CONTENT_ENCODING, coding.name()))
                    .append_header((header::VARY, "accept-encoding"));
                response.body(body.clone())
            }
            None => response.body(stored.body.clone()),
        };
        return Ok(req.into_response(response));
    }

    count(&req, "miss");
    if let Some(err) = outage
        && req.path().starts_with("/api/v1/")
    {
        // The handler would wait for the database a second time (a read
        // that needs no snapshot goes to the pool): answer at once.
        return Ok(req
            .error_response(AppError::Unavailable(err))
            .map_into_boxed_body());
    }
    let response = next.call(req).await?;
    // Nor a transient answer (`Retry-After`: a GraphQL error of a query
    // stopped at its deadline or of the database away), which would be
    // replayed after the database is back.
    if stale
        || response.status() != StatusCode::OK
        || response.headers().contains_key(header::RETRY_AFTER)
    {
        return Ok(response.map_into_boxed_body());
    }
    let (req, response) = response.into_parts();
    let (mut response, body) = response.into_parts();
    let body = actix_web::body::to_bytes(body).await.map_err(|e| {
        let e: Box<dyn std::error::Error> = e.into();
        actix_web::error::ErrorInternalServerError(e.to_string())
    })?;
    let headers = response.headers().clone();
    cache
        .entries
        .insert(key, Arc::new(Stored::new(headers, body.clone())));
    response
        .headers_mut()
        .insert(X_CACHE, HeaderValue::from_static("miss"));
    Ok(ServiceResponse::new(
        req,
        response.set_body(body).map_into_boxed_body(),
    ))
}
