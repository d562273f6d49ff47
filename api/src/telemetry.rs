//! Logging and tracing set-up.
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, fmt};

use crate::config::LogFormat;

/// Default filter when `RUST_LOG` is not set.
///
/// actix-http's dispatcher logs every malformed request it refuses before
/// any middleware (`stream error: request parse error …`) at ERROR: client
/// input must not reach the error log (issue 9), so it is off by default.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm=warn,actix_http::h1::dispatcher=off";

/// Installs the global subscriber: `RUST_LOG` filter, pretty or JSON lines.
/// Fails if a subscriber is already installed (tests ignore that).
pub fn init(format: LogFormat) -> anyhow::Result<()> {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let registry = tracing_subscriber::registry().with(filter);
    match format {
        LogFormat::Pretty => registry.with(fmt::layer().with_target(false)).try_init()?,
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true),
            )
            .try_init()?,
    }
    Ok(())
}

/// The root span of every request, as tracing-actix-web's default but with
/// the client-supplied fields bounded (target 200, user agent 100
/// characters) and no `exception.details`: the default records the whole
/// target (up to 64 KiB) and the error's `Debug` text, so one request could
/// write a log line as large as itself (issue 9). Errors are logged where
/// they happen instead: 5xx at ERROR with their cause, 4xx as one INFO line
/// (`crate::guard`).
#[derive(Debug)]
pub struct BoundedRootSpan;

impl tracing_actix_web::RootSpanBuilder for BoundedRootSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        // The client's `X-Request-Id` when sane, else the generated one.
        let request_id = crate::ops::observe::request_id(request);
        let target = request.uri().path_and_query().map_or("", |p| p.as_str());
        let user_agent = request
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.target = %crate::limits::truncate(target, 200),
            http.user_agent = %crate::limits::truncate(user_agent, 100),
            http.status_code = tracing::field::Empty,
            request_id = %request_id,
        )
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        let status = match outcome {
            Ok(response) => response.status(),
            Err(error) => error.as_response_error().status_code(),
        };
        span.record("http.status_code", status.as_u16());
    }
}
