//! Cross-origin resource sharing (the Fetch standard's CORS protocol) with
//! actix-cors: public reads and `/graphql` from any origin, writes and
//! anything sent with credentials only from the configured origins.
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{RequestHead, ServiceRequest, ServiceResponse};
use actix_web::http::header::HeaderValue;
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::web;

use crate::error::AppError;

/// How long a browser may reuse a preflight answer, in seconds: Chromium's
/// upper bound (larger values are cut to it).
pub const PREFLIGHT_MAX_AGE: usize = 7200;

/// Response headers a page's script may read besides the CORS-safelisted
/// ones.
const EXPOSED: [header::HeaderName; 13] = [
    header::ETAG,
    // The dated file name of a download.
    header::CONTENT_DISPOSITION,
    header::LINK,
    header::CONTENT_LANGUAGE,
    header::LOCATION,
    header::LAST_MODIFIED,
    header::RETRY_AFTER,
    header::ALLOW,
    header::HeaderName::from_static("x-request-id"),
    header::HeaderName::from_static("x-cache"),
    // A page can pace itself (issue 17) and read the timings.
    header::HeaderName::from_static("ratelimit"),
    header::HeaderName::from_static("ratelimit-policy"),
    header::HeaderName::from_static("server-timing"),
];

/// Request headers a page's script may send.
const ALLOWED_HEADERS: [header::HeaderName; 7] = [
    header::ACCEPT,
    header::ACCEPT_LANGUAGE,
    header::CONTENT_TYPE,
    header::AUTHORIZATION,
    header::IF_MATCH,
    header::IF_NONE_MATCH,
    header::CACHE_CONTROL,
];

/// Request headers a page of any origin may send: [`ALLOWED_HEADERS`]
/// without those of writes.
const READ_HEADERS: &str = "accept, accept-language, content-type, if-none-match, cache-control";

/// The origins that may write (`--cors-write-origins`), shared with
/// [`preflight_no_content`] as app data.
#[derive(Debug, Clone)]
pub struct WriteOrigins(pub Arc<Vec<String>>);

impl WriteOrigins {
    fn allows(&self, origin: &str) -> bool {
        self.0
            .iter()
            .any(|allowed| allowed.eq_ignore_ascii_case(origin))
    }
}

/// The CORS middleware. `write_origins` (e.g. `https://redaktion.example`,
/// compared exactly, case-insensitively) may also write; every origin may
/// read.
///
/// A refused preflight is a 400 problem; an actual request from an origin
/// that may not make it is served without CORS headers, so the browser keeps
/// the answer from the page while other clients (curl) are not affected.
pub fn cors(write_origins: Arc<Vec<String>>) -> Cors {
    Cors::default()
        .allowed_origin_fn(move |origin, head| {
            is_public(head)
                || origin
                    .to_str()
                    .is_ok_and(|origin| WriteOrigins(write_origins.clone()).allows(origin))
        })
        .allowed_methods([
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers(ALLOWED_HEADERS)
        .expose_headers(EXPOSED)
        .max_age(PREFLIGHT_MAX_AGE)
}

/// A read anyone may make from a page: `GET`/`HEAD` anywhere, `POST` of a
/// query to `/graphql` or of a profile to `/api/v1/match`, without
/// credentials. For a preflight, the method and headers it asks about count.
fn is_public(head: &RequestHead) -> bool {
    let preflight = head.method == Method::OPTIONS;
    let method = if preflight {
        head.headers
            .get(header::ACCESS_CONTROL_REQUEST_METHOD)
            .and_then(|m| Method::from_bytes(m.as_bytes()).ok())
    } else {
        Some(head.method.clone())
    };
    let credentials = head.headers.contains_key(header::AUTHORIZATION)
        || (preflight
            && head
                .headers
                .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
                .and_then(|h| h.to_str().ok())
                .is_some_and(|h| {
                    h.split(',')
                        .any(|name| name.trim().eq_ignore_ascii_case("authorization"))
                }));
    let path = head.uri.path();
    let reading = match method {
        Some(Method::GET | Method::HEAD) => true,
        Some(Method::POST) => path == "/graphql" || path == "/api/v1/match",
        _ => false,
    };
    reading && !credentials
}

/// Whether `origin` is the request's own (scheme aside: behind a proxy the
/// server cannot know it): the `/docs/` page writes to its own server.
fn same_origin(req: &ServiceRequest, origin: &str) -> bool {
    let authority = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    req.headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|host| host.eq_ignore_ascii_case(authority))
}

/// The part of the CORS policy actix-cors cannot express, around it:
/// - a write, or a request with `Authorization`, from a page of an origin
///   that may not write is refused with a 403 problem
///   ([`AppError::ForbiddenOrigin`]) before it runs. Without it the write
///   would run and only its answer be hidden from the page;
/// - a preflight from such an origin is told only the read methods and
///   headers (actix-cors lists one set for all origins, and a browser
///   keeps the list for [`PREFLIGHT_MAX_AGE`]);
/// - an accepted preflight is a 204 No Content rather than actix-cors'
///   200: it has no content, and the Fetch standard takes any 2xx.
pub async fn preflight_no_content(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .map(str::to_owned);
    let writer = match (&origin, req.app_data::<web::Data<WriteOrigins>>()) {
        (Some(origin), Some(origins)) => origins.allows(origin) || same_origin(&req, origin),
        (None, _) => true,
        (Some(_), None) => false,
    };
    let preflight = req.method() == Method::OPTIONS
        && origin.is_some()
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if let (false, false, Some(origin)) = (writer, preflight, &origin)
        && !is_public(req.head())
    {
        let refusal = AppError::ForbiddenOrigin {
            origin: origin.clone(),
        };
        return Ok(req.error_response(refusal).map_into_right_body());
    }
    let mut response = next.call(req).await?;
    if preflight && response.status() == StatusCode::OK {
        *response.response_mut().status_mut() = StatusCode::NO_CONTENT;
        if !writer {
            let headers = response.headers_mut();
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, HEAD, POST"),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static(READ_HEADERS),
            );
        }
    }
    Ok(response.map_into_left_body())
}
