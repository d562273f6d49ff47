//! Response headers every answer carries: security headers, and the
//! exemption of tiny bodies from compression.
use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;

/// The policy of the pages (the API documentation, GraphiQL): only the
/// server's own scripts, styles and connections; Swagger UI and GraphiQL set
/// inline styles and show `data:` icons and fonts.
const PAGE_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; frame-ancestors 'none'";

/// Adds, where the answer has none:
/// - `X-Content-Type-Options: nosniff` (browsers take the declared type;
///   a JSON answer is never run as script),
/// - `Referrer-Policy: no-referrer` (an API's URLs hold queries that
///   other sites need not see),
/// - on `/docs/…` and `/graphiql`, a `Content-Security-Policy` that allows
///   only the server's own scripts ([`PAGE_POLICY`]); not on a GraphiQL
///   built to load from a CDN (`X-GraphiQL-Mode: cdn`), whose scripts are
///   not the server's.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let page = req.path() == "/docs"
        || req.path().starts_with("/docs/")
        || (req.path() == "/graphiql" && crate::graphql::routes::GRAPHIQL_SELF_CONTAINED);
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "no-referrer");
    if page {
        set(header::CONTENT_SECURITY_POLICY, PAGE_POLICY);
    }
    Ok(response)
}

/// Bodies smaller than this many bytes are sent as they are: coding them
/// saves less than the coding's own framing and CPU (gzip's header and
/// trailer alone are 18 bytes). The figure is nginx's `gzip_min_length`
/// advice and Cloudflare's threshold.
pub const MIN_COMPRESSED_BYTES: u64 = 1024;

/// A coding marker actix-web's `Compress` respects (it leaves answers with a
/// `Content-Encoding` alone); [`after_compression`] removes it again.
fn identity() -> HeaderValue {
    HeaderValue::from_static("identity")
}

/// Runs inside `Compress`: marks answers too small to code (see
/// [`MIN_COMPRESSED_BYTES`]) so that it leaves them alone. Rejected: a
/// compression middleware of our own, for one threshold.
pub async fn mark_small_bodies(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(req).await?;
    let small =
        matches!(response.response().body().size(), BodySize::Sized(n) if n < MIN_COMPRESSED_BYTES);
    if small && !response.headers().contains_key(header::CONTENT_ENCODING) {
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, identity());
    }
    Ok(response)
}

/// Runs outside `Compress`: drops the marker of [`mark_small_bodies`]
/// (RFC 9110 §8.4.1: `identity` is not sent as a `Content-Encoding`), and
/// folds the `Vary` that `Compress` appends into the first one, which is the
/// one actix-cors extends (it would drop the second).
pub async fn after_compression(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    if headers.get(header::CONTENT_ENCODING) == Some(&identity()) {
        headers.remove(header::CONTENT_ENCODING);
    }
    let vary: Vec<&str> = headers
        .get_all(header::VARY)
        .filter_map(|v| v.to_str().ok())
        .collect();
    if vary.len() > 1
        && let Ok(folded) = HeaderValue::from_str(&vary.join(", "))
    {
        headers.insert(header::VARY, folded);
    }
    Ok(response)
}
