//! Every request timed: its route's metrics, a `Server-Timing` header, and a
//! log line when it was slow; and its id, the client's or a new one.
//!
//! The time a request spends in the database and in the search index is
//! summed in a task-local [`Timing`] while its handler runs: the pool's
//! metric callback and the search service add to it, without a parameter
//! through every layer. Rejected: tracing spans per statement, which cost a
//! span per statement on the hot path and need a subscriber to sum them.
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};

use super::metrics::Metrics;

tokio::task_local! {
    static TIMING: Arc<Timing>;
    static UNCOUNTED: ();
}

/// Runs `work` with its statements left out of the statement metrics: the
/// scrape's own read, so a test or an operator counting the statements of
/// a request by two scrapes counts only the request's.
pub async fn uncounted<F: std::future::Future>(work: F) -> F::Output {
    UNCOUNTED.scope((), work).await
}

/// Whether the statements run now are counted (see [`uncounted`]).
pub fn counted() -> bool {
    UNCOUNTED.try_with(|_| ()).is_err()
}

/// Time one request spent in the database and in the search index, in
/// microseconds.
#[derive(Debug, Default)]
pub struct Timing {
    db_us: AtomicU64,
    search_us: AtomicU64,
}

fn micros(elapsed: Duration) -> u64 {
    u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX)
}

/// Adds a statement's time to the current request's `db` timing (nothing
/// outside a request).
pub fn add_db(elapsed: Duration) {
    let _ = TIMING.try_with(|t| t.db_us.fetch_add(micros(elapsed), Ordering::Relaxed));
}

/// Runs `work` (a search of the index) and adds its time to the current
/// request's `search` timing.
pub fn timed_search<T>(work: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let result = work();
    let elapsed = started.elapsed();
    let _ = TIMING.try_with(|t| t.search_us.fetch_add(micros(elapsed), Ordering::Relaxed));
    result
}

/// Settings of [`observe`].
#[derive(Debug, Clone, Copy)]
pub struct ObserveSettings {
    /// A request that takes at least this long is logged at WARN with its
    /// route and timings (`--slow-request-ms`).
    pub slow: Duration,
    /// Longest a read may take to produce its response head
    /// (`--request-timeout-secs`).
    pub deadline: Duration,
}

/// Whether the deadline applies: reads only (`GET`, `HEAD`, and the
/// `POST` of a match, which writes nothing), but not `/graphql`. A write is
/// not cut off by the request's clock: stopped after its commit, it would
/// say 503 for a change that was made. Its statements are bounded by the
/// statement timeout, and a write the database stops answering by the
/// write's own bound (`service::import::edit`), which says so.
fn has_deadline(req: &ServiceRequest) -> bool {
    match *req.method() {
        // GraphQL queries have theirs in the handler (`graphql::routes`).
        Method::GET | Method::HEAD => req.path() != "/graphql",
        Method::POST => req.path() == "/api/v1/match",
        _ => false,
    }
}

/// The request id of one request: the client's `X-Request-Id` when it is
/// sane (see [`sane_request_id`]), else the id tracing-actix-web generated.
/// It is in every log line of the request (the root span's `request_id`)
/// and echoed as `X-Request-Id`.
#[derive(Debug, Clone)]
pub struct RequestIdValue(pub Arc<str>);

/// The `method` label: one of RFC 9110's methods (and `PATCH`), else
/// `other`, so a client cannot add series to `/metrics` by inventing
/// methods (an extension method is any token).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "other",
    }
}

/// Longest client-supplied request id taken.
pub const MAX_REQUEST_ID: usize = 128;

/// A client's `X-Request-Id`, if it is 1 to [`MAX_REQUEST_ID`] characters
/// of letters, digits and `-_.:/+=@` (a UUID, a W3C trace id, a load
/// balancer's id); anything else is replaced by a generated id, so no
/// client can put spaces, quotes or control characters into the log.
pub fn sane_request_id(value: &HeaderValue) -> Option<&str> {
    let text = value.to_str().ok()?;
    let sane = (1..=MAX_REQUEST_ID).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=@".contains(&b));
    sane.then_some(text)
}

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id for `req` (see [`RequestIdValue`]), kept in its extensions.
pub fn request_id(req: &ServiceRequest) -> Arc<str> {
    if let Some(id) = req.extensions().get::<RequestIdValue>() {
        return id.0.clone();
    }
    let id: Arc<str> = match req.headers().get(X_REQUEST_ID).and_then(sane_request_id) {
        Some(id) => Arc::from(id),
        None => Arc::from(
            req.extensions()
                .get::<tracing_actix_web::RequestId>()
                .map(ToString::to_string)
                .unwrap_or_default(),
        ),
    };
    req.extensions_mut().insert(RequestIdValue(id.clone()));
    id
}

/// Decrements the in-flight gauge however the request ends (a dropped
/// connection cancels the future).
struct InFlight(Arc<Metrics>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.dec();
    }
}

/// The middleware: times the request, records its metrics, writes
/// `Server-Timing` (W3C Server Timing: `db`, `search`, `render` — the rest
/// of the handler's time — and `total`, in milliseconds), logs it at WARN
/// when slow, and echoes the request id as `X-Request-Id`.
///
/// An error that reaches this middleware (the [`deadline`]'s, or one an
/// inner middleware returned) has no request to make a response of: a
/// middleware before routing may hold no copy of the request while the
/// handler runs (actix-web's router needs the only one). Its response is
/// built here — with the headers the middlewares it passed added as
/// response mappers (CORS, the rate limit) and those every answer carries —
/// and handed to actix-web as the error's. Rejected: leaving it to
/// actix-web, which answered without the request id, timings and security
/// headers, counted under `unmatched`.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let metrics = req
        .app_data::<web::Data<Arc<Metrics>>>()
        .map(|m| m.get_ref().clone());
    let settings = req
        .app_data::<web::Data<ObserveSettings>>()
        .map(|s| *s.get_ref());
    let routes = req
        .app_data::<web::Data<crate::http::methods::RouteTable>>()
        .cloned();
    // A cheap copy (shared bytes): the route of an error, found by path.
    let uri = req.uri().clone();
    let id = request_id(&req);
    let method = req.method().clone();
    let timing = Arc::new(Timing::default());
    let _in_flight = metrics.clone().map(|m| {
        m.in_flight.inc();
        InFlight(m)
    });
    let started = Instant::now();
    let result = TIMING.scope(timing.clone(), next.call(req)).await;
    let total = started.elapsed();
    let (status, route) = match &result {
        Ok(response) => (response.status(), response.request().match_pattern()),
        Err(err) => (
            err.as_response_error().status_code(),
            routes.and_then(|r| r.template(uri.path()).map(str::to_owned)),
        ),
    };
    let route = route.unwrap_or_else(|| "unmatched".to_owned());
    let db = Duration::from_micros(timing.db_us.load(Ordering::Relaxed));
    let search = Duration::from_micros(timing.search_us.load(Ordering::Relaxed));
    let render = total.saturating_sub(db).saturating_sub(search);
    if let Some(metrics) = &metrics {
        metrics
            .requests
            .with_label_values(&[method_label(&method), &route, status.as_str()])
            .inc();
        metrics
            .request_duration
            .with_label_values(&[method_label(&method), &route])
            .observe(total.as_secs_f64());
        if status.as_u16() == 503 {
            metrics.unavailable.inc();
        }
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    if settings.is_some_and(|s| total >= s.slow) {
        tracing::warn!(
            method = %method,
            route = %route,
            status = status.as_u16(),
            total_ms = ms(total),
            db_ms = ms(db),
            search_ms = ms(search),
            render_ms = ms(render),
            "slow request"
        );
    }
    let timings = format!(
        "db;dur={:.3}, search;dur={:.3}, render;dur={:.3}, total;dur={:.3}",
        ms(db),
        ms(search),
        ms(render),
        ms(total)
    );
    let stamp = |headers: &mut actix_web::http::header::HeaderMap| {
        if let Ok(value) = HeaderValue::from_str(&timings) {
            headers.insert(HeaderName::from_static("server-timing"), value);
        }
        if let Ok(value) = HeaderValue::from_str(&id) {
            headers.insert(X_REQUEST_ID, value);
        }
    };
    match result {
        Ok(mut response) => {
            stamp(response.headers_mut());
            Ok(response)
        }
        Err(err) => {
            // Rendered here, inside the request's span: a 5xx is logged
            // with its request id.
            let mut response = err.error_response();
            stamp(response.headers_mut());
            crate::http::headers::add_security_headers(response.headers_mut(), uri.path());
            Err(actix_web::error::InternalError::from_response(err, response).into())
        }
    }
}

/// Middleware: stops a read that outlives `--request-timeout-secs` (see
/// [`has_deadline`]) with a 503 problem (`code: timeout`) and
/// `Retry-After`. Dropping the handler's future ends its work, statements
/// included (a read's transaction rolls back).
///
/// It sits inside CORS and the rate limiter, so the 503 carries their
/// headers like any other answer: a page of another origin can read it
/// and its `RateLimit` fields. Rejected: the deadline in [`observe`], the
/// outermost layer, where the 503 bypassed both.
pub async fn deadline(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let limit = req
        .app_data::<web::Data<ObserveSettings>>()
        .map(|s| s.deadline)
        .filter(|_| has_deadline(&req));
    match limit {
        Some(limit) => tokio::time::timeout(limit, next.call(req))
            .await
            .unwrap_or_else(|_| Err(crate::error::AppError::DeadlineExceeded(limit).into())),
        None => next.call(req).await,
    }
}
