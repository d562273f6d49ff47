//! The request guard: bounds on the request head, problems for every error
//! response, and the client-error log line.
//!
//! It runs before routing, so every route — and every route added later — is
//! covered without a line of its own (issue 9, ARCHITECTURE.md decision 17).
//! actix-http's parser has hard limits of its own (request targets over
//! 65,534 bytes, heads over 128 KiB): those requests are refused before any
//! middleware with a body-less 400 or 431, which `SECURITY.md` notes. The
//! limits here are far lower, so every realistic oversize request gets a
//! problem document instead.
use actix_web::ResponseError;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::middleware::Next;

use crate::error::{AppError, PROBLEM_JSON, Problem};
use crate::graphql::routes::GRAPHQL_RESPONSE;
use crate::limits::{
    MAX_HEADER_BYTES, MAX_HEADERS_TOTAL_BYTES, MAX_URI_BYTES, percent_decode, truncate,
};

/// Checks the request head before routing, turns error responses that are
/// not yet problem documents into problems, and logs client errors at INFO.
///
/// Why INFO and not WARN/ERROR: a 4xx is the client's fault and any client
/// can cause as many as it likes; only server faults (5xx, logged at ERROR
/// where they happen, with their cause) should page an operator. The
/// rejected alternative, tracing-actix-web's `emit_event_on_error`, logs
/// every 4xx at WARN with the error's whole `Debug` text, which echoes input.
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if let Err(err) = check_head(&req) {
        let response = err.error_response();
        log_client_error(req.request(), response.status(), err.code());
        return Ok(req.into_response(response));
    }
    // No clone of the request may be held across this call: routing needs
    // the only reference (actix-web panics otherwise). Inner middleware
    // therefore answers its own errors as responses (the response cache).
    let response = next.call(req).await?.map_into_boxed_body();
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return Ok(response.map_into_boxed_body());
    }
    let response = if is_error_document(response.headers()) {
        response.map_into_boxed_body()
    } else {
        // An extractor's or an asset service's plain-text refusal.
        let (request, _) = response.into_parts();
        ServiceResponse::new(request, Problem::for_status(status).response())
    };
    if status.is_client_error() {
        let code = response
            .response()
            .error()
            .and_then(|e| e.as_error::<AppError>())
            .map_or("client_error", AppError::code);
        log_client_error(response.request(), status, code);
    }
    Ok(response)
}

fn is_error_document(headers: &HeaderMap) -> bool {
    // A page's own error (the finder's 422 names the faults in the form) is
    // HTML with the pages' policy; any other HTML error becomes a problem.
    let page = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .is_some_and(|v| v.as_bytes() == crate::pages::PAGE_POLICY.as_bytes());
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.starts_with(PROBLEM_JSON)
                || v.starts_with(GRAPHQL_RESPONSE)
                || (page && v.starts_with("text/html"))
        })
}

/// One bounded INFO line; the request span around it (tracing-actix-web)
/// carries the request id.
fn log_client_error(req: &actix_web::HttpRequest, status: StatusCode, code: &str) {
    tracing::info!(
        status = status.as_u16(),
        code,
        method = %req.method(),
        path = %truncate(req.path(), 120),
        "client error"
    );
}

/// The request head's bounds: target length, header sizes, and a path that
/// percent-decodes to UTF-8 without control characters (NUL would reach
/// PostgreSQL, which refuses it in `text`: a 500).
fn check_head(req: &ServiceRequest) -> Result<(), AppError> {
    let target = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if target > MAX_URI_BYTES {
        return Err(AppError::UriTooLong(MAX_URI_BYTES));
    }
    let mut total = 0;
    for (name, value) in req.headers() {
        let size = name.as_str().len() + value.len();
        if size > MAX_HEADER_BYTES {
            return Err(AppError::HeaderTooLarge(format!(
                "the header `{}` is larger than {MAX_HEADER_BYTES} bytes",
                truncate(name.as_str(), 40)
            )));
        }
        total += size;
    }
    if total > MAX_HEADERS_TOTAL_BYTES {
        return Err(AppError::HeaderTooLarge(format!(
            "the headers are larger than {MAX_HEADERS_TOTAL_BYTES} bytes together"
        )));
    }
    match percent_decode(req.path(), false) {
        Ok(path) if !path.chars().any(char::is_control) => Ok(()),
        Ok(_) => Err(AppError::BadRequest(
            "the path must not contain control characters".to_owned(),
        )),
        Err(why) => Err(AppError::BadRequest(format!("the path {why}"))),
    }
}

/// Longest time a client may take to send a request body; then 408. The
/// head has actix-web's own timeout (`client_request_timeout`, 5 s), the
/// body none: a client announcing 10,000 bytes and sending one held its
/// connection and worker task for good.
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Reads a request body of at most `limit` bytes within [`BODY_TIMEOUT`].
///
/// Errors: 413 [`AppError::PayloadTooLarge`] over the limit (naming it),
/// 408 [`AppError::RequestTimeout`] when too slow, 400 when the stream fails.
pub async fn read_body(
    payload: actix_web::web::Payload,
    limit: usize,
) -> Result<actix_web::web::Bytes, AppError> {
    match tokio::time::timeout(BODY_TIMEOUT, payload.to_bytes_limited(limit)).await {
        Err(_) => Err(AppError::RequestTimeout(BODY_TIMEOUT.as_secs())),
        Ok(Err(_)) => Err(AppError::PayloadTooLarge(limit)),
        Ok(Ok(Err(e))) => Err(AppError::BadRequest(format!(
            "cannot read the body: {}",
            crate::limits::shorten_quotes(&e.to_string())
        ))),
        Ok(Ok(Ok(bytes))) => Ok(bytes),
    }
}
