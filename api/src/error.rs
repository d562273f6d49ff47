//! The one error type of the API, rendered as RFC 9457 problem details.
//!
//! Every handler and service function returns [`AppError`]. Each variant
//! documents the HTTP status it maps to and carries a stable machine-readable
//! `code` (also used as the GraphQL `extensions.code`), so clients can branch on
//! codes instead of parsing prose. Database and unexpected errors become a 500
//! whose body never echoes internals: the cause is logged, together with the
//! request id, and the client gets the id to quote (ARCHITECTURE.md decision 6).
//!
//! We chose one enum over per-handler error types (as in zero-to-production)
//! because the set of failure modes is the same for every resource and one
//! mapping keeps REST and GraphQL consistent.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use sea_orm::{DbErr, SqlErr};
use serde::Serialize;
use utoipa::ToSchema;

use crate::limits;

/// Field errors summarised in a problem's `detail` (all of them, up to
/// [`limits::MAX_LISTED_ERRORS`], are in `errors`).
const DETAIL_ERRORS: usize = 5;

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Result alias used across the crate.
pub type AppResult<T> = Result<T, AppError>;

/// One problem with one input field (query parameter, body field or record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The parameter or field at fault, e.g. `limit` or `offers[3].provider`.
    #[schema(example = "limit")]
    pub field: String,
    /// What is wrong with it, in English.
    #[schema(example = "must be between 1 and 100, got 1000")]
    pub message: String,
}

impl FieldError {
    /// A field error for `field` with `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Everything that can go wrong while serving a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 404: no record of this kind has this id or slug.
    #[error("no {resource} with id or slug `{}`", crate::limits::quote(.key))]
    NotFound {
        /// The kind of record, e.g. `offer`.
        resource: &'static str,
        /// The id or slug that was asked for.
        key: String,
    },
    /// 404: the path matches no route.
    #[error("no resource at this path")]
    NoRoute,
    /// 405: the path exists but not with this method; `Allow` lists the
    /// methods it has (RFC 9110 §15.5.6).
    #[error("this method is not allowed here; allowed: {allow}")]
    MethodNotAllowed {
        /// The methods the path is served with, as in `Allow`.
        allow: String,
    },
    /// 400: one or more query parameters are unknown or have a bad value.
    #[error("invalid query parameters")]
    InvalidParameters(Vec<FieldError>),
    /// 400: the request is malformed in a way not tied to one parameter.
    #[error("{0}")]
    BadRequest(String),
    /// 422: a document (an import file, a request body) is well-formed but
    /// one or more records in it are invalid.
    #[error("invalid data")]
    InvalidData(Vec<FieldError>),
    /// 413: the request body is larger than allowed.
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// 414: the request target (path and query) is longer than allowed.
    #[error("the request target is longer than {0} bytes")]
    UriTooLong(usize),
    /// 431: one header, or all headers together, are larger than allowed.
    #[error("{0}")]
    HeaderTooLarge(String),
    /// 408: the client took too long to send the request body.
    #[error("the request body did not arrive within {0} seconds")]
    RequestTimeout(u64),
    /// 415: the request body's media type is not one of those accepted
    /// here (named, e.g. `application/json`; the first is the preferred).
    /// A `PATCH` answer also lists them in `Accept-Patch` (RFC 5789 §2.2).
    #[error("the request body must be {}", media_types(.0))]
    UnsupportedMediaType(&'static [&'static str]),
    /// 409: the change conflicts with existing data (e.g. a duplicate key).
    #[error("{0}")]
    Conflict(String),
    /// 409: a record that is valid on its own conflicts with the stored
    /// data, field by field: its slug or another unique value is taken, it
    /// would rename its key, it names records that do not exist, or its
    /// parent would close a cycle. RFC 9110 §15.5.10 ("a conflict with the
    /// current state of the target resource"); PostgREST answers unique
    /// and foreign-key violations with 409 too. Rejected: 422, which says
    /// the body itself is wrong, so a client could not tell "fix the
    /// record" from "fix the data it meets" (`InvalidData` is for that).
    #[error("conflicting data")]
    ConflictingData(Vec<FieldError>),
    /// 401: a write without a valid API key (RFC 6750 §3: answered with
    /// `WWW-Authenticate: Bearer`).
    #[error("{reason}")]
    Unauthorized {
        /// Why, e.g. "this request needs an API key".
        reason: String,
        /// A key was presented (and is not valid): `error="invalid_token"`.
        presented: bool,
    },
    /// 403: the key is valid but lacks the scope this request needs.
    #[error("this API key lacks the scope `{scope}` this request needs")]
    Forbidden {
        /// The scope needed, e.g. `write:offers`.
        scope: String,
    },
    /// 403: a write (or a request with credentials) from a page of another
    /// origin that is not among `--cors-write-origins`. Browsers send
    /// `Origin` with every such request; clients that are not browsers send
    /// none and are not affected.
    #[error(
        "writes from pages of `{}` are not allowed: this server takes them only from the origins configured with --cors-write-origins",
        crate::limits::quote(.origin)
    )]
    ForbiddenOrigin {
        /// The request's `Origin`.
        origin: String,
    },
    /// 412: `If-Match` names a version of the record that is not the
    /// current one (RFC 9110 §13.1.1): someone else changed it first.
    #[error(
        "the record has changed since the version in If-Match; its current ETag is {current}: read it again and reapply the change"
    )]
    PreconditionFailed {
        /// The record's current `ETag`.
        current: String,
    },
    /// 428: this server requires `If-Match` on writes (RFC 6585 §3).
    #[error("this server requires If-Match on writes: send the record's ETag from a GET")]
    PreconditionRequired,
    /// 429: the client used up its rate limit (`--rate-limit-per-minute`,
    /// `--rate-limit-key-per-minute`); `Retry-After` says when to come
    /// back (RFC 6585 §4).
    #[error(
        "too many requests: the {policy} quota is {per_minute} requests per minute; retry after {retry_after} s"
    )]
    TooManyRequests {
        /// The policy used up: `anonymous` (per IP address) or `key`.
        policy: &'static str,
        /// Its quota.
        per_minute: u32,
        /// Seconds until the next request is allowed.
        retry_after: u64,
    },
    /// 503: a read took longer than the server allows
    /// (`--request-timeout-secs`); it was stopped. Retrying later may
    /// succeed; a narrower request (a smaller page, fewer fields) more so.
    #[error("the request took longer than the server's limit of {} and was stopped", duration_text(*.0))]
    DeadlineExceeded(std::time::Duration),
    /// 503: the database did not finish a write within the server's limit
    /// (`--request-timeout-secs`; a network that stopped answering) and it
    /// was abandoned. Its outcome is not known: read the record (its
    /// `ETag`) before repeating it; a repeat with `If-Match` cannot apply
    /// twice.
    #[error("the database did not finish the write within the server's limit of {} and it was abandoned; it may or may not have been made: read the record before you repeat it", duration_text(*.0))]
    WriteAbandoned(std::time::Duration),
    /// 503: the database cannot be reached, or is busy (SQLite: another
    /// process holds the write lock; PostgreSQL: a lock wait or statement
    /// timeout, too many connections, the server shutting down).
    #[error("{}", unavailable_text(.0))]
    Unavailable(#[source] DbErr),
    /// 500: a database error nobody expected. (Errors that mean the
    /// database is away or busy become [`AppError::Unavailable`]: see
    /// [`unavailable`].)
    #[error("database error")]
    Database(#[source] DbErr),
    /// 500: any other unexpected failure.
    #[error("unexpected error")]
    Unexpected(#[from] anyhow::Error),
    /// 409: a search cursor (`cursor`, GraphQL `after`) whose position can
    /// no longer be continued: the data changed since it was issued so that
    /// the next page would repeat or skip hits. The client starts again
    /// from the first page.
    #[error(
        "the hits of this search changed since `{field}` was issued, so the next page would repeat or skip hits: start again from the first page, without `{field}`"
    )]
    StaleCursor {
        /// The parameter that carried the cursor: `cursor` or `after`.
        field: &'static str,
    },
}

/// `Retry-After` (RFC 9110 §10.2.3) of a 503: the database away or busy,
/// a read past its deadline. Five seconds: long enough for a pool to
/// reconnect, short enough that a client does not give up.
pub const RETRY_AFTER_SECS: &str = "5";

/// `a`, `` `a` or `b` ``, `` `a`, `b` or `c` ``.
fn media_types(types: &[&str]) -> String {
    let quoted: Vec<String> = types.iter().map(|t| format!("`{t}`")).collect();
    match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => "of another media type".to_owned(),
    }
}

impl AppError {
    /// The stable, machine-readable code of this error (REST `code`, GraphQL
    /// `extensions.code`).
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound { .. } | AppError::NoRoute => "not_found",
            AppError::MethodNotAllowed { .. } => "method_not_allowed",
            AppError::InvalidParameters(_) => "invalid_parameter",
            AppError::BadRequest(_) => "bad_request",
            AppError::InvalidData(_) => "invalid_data",
            AppError::Conflict(_) | AppError::ConflictingData(_) => "conflict",
            AppError::Unauthorized { .. } => "unauthorized",
            AppError::Forbidden { .. } => "forbidden",
            AppError::ForbiddenOrigin { .. } => "forbidden_origin",
            AppError::PreconditionFailed { .. } => "precondition_failed",
            AppError::PreconditionRequired => "precondition_required",
            AppError::PayloadTooLarge(_) => "payload_too_large",
            AppError::UriTooLong(_) => "uri_too_long",
            AppError::RequestTimeout(_) => "request_timeout",
            AppError::HeaderTooLarge(_) => "header_too_large",
            AppError::UnsupportedMediaType(_) => "unsupported_media_type",
            AppError::TooManyRequests { .. } => "rate_limited",
            AppError::Unavailable(_) => "unavailable",
            AppError::DeadlineExceeded(_) | AppError::WriteAbandoned(_) => "timeout",
            AppError::Database(_) | AppError::Unexpected(_) => "internal",
            AppError::StaleCursor { .. } => "stale_cursor",
        }
    }

    /// A short, human-readable summary of the problem type (RFC 9457 `title`).
    pub fn title(&self) -> &'static str {
        match self {
            AppError::NotFound { .. } | AppError::NoRoute => "Not found",
            AppError::MethodNotAllowed { .. } => "Method not allowed",
            AppError::InvalidParameters(_) => "Invalid query parameter",
            AppError::BadRequest(_) => "Bad request",
            AppError::InvalidData(_) => "Invalid data",
            AppError::Conflict(_) | AppError::ConflictingData(_) => "Conflict",
            AppError::Unauthorized { .. } => "Unauthorized",
            AppError::Forbidden { .. } => "Forbidden",
            AppError::ForbiddenOrigin { .. } => "Origin not allowed to write",
            AppError::PreconditionFailed { .. } => "Precondition failed",
            AppError::PreconditionRequired => "Precondition required",
            AppError::PayloadTooLarge(_) => "Payload too large",
            AppError::UriTooLong(_) => "URI too long",
            AppError::RequestTimeout(_) => "Request timeout",
            AppError::HeaderTooLarge(_) => "Request header fields too large",
            AppError::UnsupportedMediaType(_) => "Unsupported media type",
            AppError::TooManyRequests { .. } => "Too many requests",
            AppError::Unavailable(_) => "Service unavailable",
            AppError::DeadlineExceeded(_) => "Request took too long",
            AppError::WriteAbandoned(_) => "Write abandoned",
            AppError::Database(_) | AppError::Unexpected(_) => "Internal server error",
            AppError::StaleCursor { .. } => "Stale cursor",
        }
    }

    /// The field errors, for variants that have them.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            AppError::InvalidParameters(errors)
            | AppError::InvalidData(errors)
            | AppError::ConflictingData(errors) => errors,
            _ => &[],
        }
    }

    /// Shorthand for a single invalid parameter.
    pub fn invalid_parameter(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::InvalidParameters(vec![FieldError::new(field, message)])
    }

    /// The human-readable explanation of this occurrence (RFC 9457 `detail`).
    /// Internal errors get a fixed text: their cause is logged, not shown.
    pub fn detail(&self) -> String {
        match self {
            AppError::InvalidParameters(errors)
            | AppError::InvalidData(errors)
            | AppError::ConflictingData(errors) => {
                let mut detail = errors
                    .iter()
                    .take(DETAIL_ERRORS)
                    .map(|e| {
                        format!(
                            "{}: {}",
                            limits::field_name(&e.field),
                            limits::shorten_quotes(&e.message)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                if errors.len() > DETAIL_ERRORS {
                    detail.push_str(&format!(
                        "; and {} more (see `errors`)",
                        errors.len() - DETAIL_ERRORS
                    ));
                }
                limits::truncate(&detail, 3 * limits::MAX_MESSAGE_CHARS)
            }
            AppError::Database(_) | AppError::Unexpected(_) => {
                "The server failed to handle this request. The cause has been logged; \
                 quote the X-Request-Id response header when reporting it."
                    .to_owned()
            }
            other => limits::shorten_quotes(&other.to_string()),
        }
    }

    /// The field errors as shown to clients: at most
    /// [`limits::MAX_LISTED_ERRORS`], each shortened, plus one entry saying
    /// how many more there were, so no answer grows with the request.
    pub fn listed_errors(&self) -> Vec<FieldError> {
        let errors = self.field_errors();
        let mut listed: Vec<FieldError> = errors
            .iter()
            .take(limits::MAX_LISTED_ERRORS)
            .map(|e| FieldError {
                field: limits::field_name(&e.field),
                message: limits::shorten_quotes(&e.message),
            })
            .collect();
        if errors.len() > limits::MAX_LISTED_ERRORS {
            listed.push(FieldError::new(
                "…",
                format!(
                    "and {} more errors not listed",
                    errors.len() - limits::MAX_LISTED_ERRORS
                ),
            ));
        }
        listed
    }

    /// Turns a unique-constraint violation into a 409 with `message`, and
    /// leaves every other database error as it is (realworld's `on_constraint`).
    pub fn on_unique_violation(err: DbErr, message: impl FnOnce(&str) -> String) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => AppError::Conflict(message(&detail)),
            _ => AppError::Database(err),
        }
    }
}

/// An RFC 9457 problem document, as every error response body.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/invalid_parameter",
    "title": "Invalid query parameter",
    "status": 400,
    "detail": "limit: must be between 1 and 100, got 1000",
    "code": "invalid_parameter",
    "errors": [{"field": "limit", "message": "must be between 1 and 100, got 1000"}]
}))]
pub struct Problem {
    /// A URI reference naming the problem type: `/problems/{code}`.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// Short summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Explanation of this occurrence.
    pub detail: String,
    /// Stable machine-readable code, the same as GraphQL `extensions.code`.
    pub code: String,
    /// One entry per invalid parameter or field (validation errors only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The record's current `ETag` (412 only), also in the `ETag` header.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub etag: Option<String>,
}

impl From<&AppError> for Problem {
    fn from(err: &AppError) -> Self {
        Problem {
            type_uri: format!("/problems/{}", err.code()),
            title: err.title().to_owned(),
            status: err.status_code().as_u16(),
            detail: err.detail(),
            code: err.code().to_owned(),
            errors: err.listed_errors(),
            etag: match err {
                AppError::PreconditionFailed { current } => Some(current.clone()),
                _ => None,
            },
        }
    }
}

impl Problem {
    /// The problem for an error response that the framework, not a handler,
    /// produced (an extractor's refusal, an asset's 404): only the status is
    /// known, so the text is the status's own.
    pub fn for_status(status: StatusCode) -> Self {
        let code = match status.as_u16() {
            400 => "bad_request",
            404 => "not_found",
            405 => "method_not_allowed",
            408 => "request_timeout",
            411 => "length_required",
            413 => "payload_too_large",
            414 => "uri_too_long",
            415 => "unsupported_media_type",
            401 => "unauthorized",
            403 => "forbidden",
            412 => "precondition_failed",
            428 => "precondition_required",
            429 => "rate_limited",
            431 => "header_too_large",
            500.. => "internal",
            _ => "client_error",
        };
        let title = status.canonical_reason().unwrap_or("Error").to_owned();
        Problem {
            type_uri: format!("/problems/{code}"),
            detail: format!("{title}."),
            title,
            status: status.as_u16(),
            code: code.to_owned(),
            errors: Vec::new(),
            etag: None,
        }
    }

    /// This problem as a response.
    pub fn response(&self) -> HttpResponse {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
            .body(serde_json::to_vec(self).unwrap_or_default())
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound { .. } | AppError::NoRoute => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::InvalidParameters(_) | AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::InvalidData(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) | AppError::ConflictingData(_) => StatusCode::CONFLICT,
            AppError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            AppError::Forbidden { .. } | AppError::ForbiddenOrigin { .. } => StatusCode::FORBIDDEN,
            AppError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            AppError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            AppError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            AppError::HeaderTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_)
            | AppError::DeadlineExceeded(_)
            | AppError::WriteAbandoned(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Database(_) | AppError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::StaleCursor { .. } => StatusCode::CONFLICT,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            // The cause chain goes to the log (inside the request span, which
            // carries the request id), never to the client.
            tracing::error!(error = ?self, cause = %error_chain(self), "request failed");
        }
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        match self {
            AppError::Unavailable(_)
            | AppError::DeadlineExceeded(_)
            | AppError::WriteAbandoned(_) => {
                response.insert_header((
                    header::RETRY_AFTER,
                    HeaderValue::from_static(RETRY_AFTER_SECS),
                ));
            }
            AppError::TooManyRequests { retry_after, .. } => {
                response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            // Only PATCH takes a patch format.
            AppError::UnsupportedMediaType(types)
                if types.contains(&crate::rest::write::MERGE_PATCH) =>
            {
                if let Ok(value) = HeaderValue::from_str(&types.join(", ")) {
                    response
                        .insert_header((header::HeaderName::from_static("accept-patch"), value));
                }
            }
            AppError::Unauthorized { presented, .. } => {
                let challenge = if *presented {
                    r#"Bearer realm="lotse", error="invalid_token""#
                } else {
                    r#"Bearer realm="lotse""#
                };
                response.insert_header((header::WWW_AUTHENTICATE, challenge));
            }
            AppError::Forbidden { scope } => {
                // RFC 6750 §3.1: the scope needed, in the challenge too.
                let challenge =
                    format!(r#"Bearer realm="lotse", error="insufficient_scope", scope="{scope}""#);
                response.insert_header((header::WWW_AUTHENTICATE, challenge));
            }
            AppError::PreconditionFailed { current } => {
                response.insert_header((header::ETAG, current.as_str()));
            }
            AppError::MethodNotAllowed { allow } => {
                response.insert_header((header::ALLOW, allow.as_str()));
            }
            _ => {}
        }
        // Serialising a struct of strings cannot fail; an empty body is the
        // harmless fallback rather than a panic.
        response.body(serde_json::to_vec(&Problem::from(self)).unwrap_or_default())
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        if unavailable(&err) {
            AppError::Unavailable(err)
        } else {
            AppError::Database(err)
        }
    }
}

/// Whether `err` says the database is away, overloaded or busy rather than
/// that the request or the code is wrong: then the answer is a 503 with
/// `Retry-After` (the same request may succeed later), not a 500.
///
/// - no pooled connection within the acquire timeout, a closed pool, a
///   connection that failed (refused, reset, TLS, a crashed SQLite worker);
/// - PostgreSQL SQLSTATE class `08` (connection exception), `53300`
///   (too many connections), `57014` (query cancelled: the statement
///   timeout), `57P01`–`57P03` (shutting down, cannot connect now),
///   `55P03` (lock not available) — PostgreSQL manual, appendix A;
/// - SQLite `SQLITE_BUSY` (5) and `SQLITE_LOCKED` (6), extended codes
///   included (<https://sqlite.org/rescode.html>): another writer held the
///   lock past the busy timeout.
///
/// Rejected: matching the error's text ("database is locked"), which
/// depends on the driver's wording.
pub fn unavailable(err: &DbErr) -> bool {
    outage(err).is_some()
}

/// Why the database did not serve a statement, for errors that are no
/// fault of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outage {
    /// Not reachable: no connection, a broken one, the server stopping.
    Away,
    /// There, but busy: a lock held by another writer (SQLite `BUSY`,
    /// `LOCKED`; PostgreSQL `55P03`), a statement timeout (`57014`), too
    /// many connections (`53300`).
    Busy,
}

fn outage(err: &DbErr) -> Option<Outage> {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error as Sqlx;
    let sqlx = match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return Some(Outage::Away),
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        _ => return None,
    };
    match sqlx.as_ref() {
        Sqlx::Io(_)
        | Sqlx::Tls(_)
        | Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::WorkerCrashed => Some(Outage::Away),
        Sqlx::Database(db) => {
            let code = db.code().unwrap_or_default();
            match db.try_downcast_ref::<sea_orm::sqlx::postgres::PgDatabaseError>() {
                Some(_) if matches!(&*code, "53300" | "57014" | "55P03") => Some(Outage::Busy),
                Some(_)
                    if code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03") =>
                {
                    Some(Outage::Away)
                }
                Some(_) => None,
                // SQLite: the primary result code is the low byte.
                None => code
                    .parse::<u32>()
                    .ok()
                    .filter(|code| matches!(code & 0xff, 5 | 6))
                    .map(|_| Outage::Busy),
            }
        }
        _ => None,
    }
}

/// `300 ms`, `1 s`, `30 s`: a limit as a client reads it.
fn duration_text(limit: std::time::Duration) -> String {
    match limit.subsec_millis() {
        0 if limit.as_secs() > 0 => format!("{} s", limit.as_secs()),
        _ => format!("{} ms", limit.as_millis()),
    }
}

/// What an [`AppError::Unavailable`] tells the client.
fn unavailable_text(err: &DbErr) -> &'static str {
    match outage(err) {
        Some(Outage::Busy) => {
            "the database is busy (another writer holds a lock, or a statement ran out of time)"
        }
        _ => "the database is not reachable",
    }
}

/// `error: cause: cause …`, for logs.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
