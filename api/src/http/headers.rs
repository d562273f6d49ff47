//! Response headers every answer carries: security headers, and what
//! compression may do (tiny bodies exempt, per-request coding in gzip).
use actix_web::HttpMessage;
use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, AcceptEncoding, Encoding, HeaderName, HeaderValue};
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
///   only the server's own scripts ([`PAGE_POLICY`]).
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let page = is_page(req.path());
    let mut response = next.call(req).await?;
    add_security_headers_to(response.headers_mut(), page);
    Ok(response)
}

/// Whether `path` is one of the HTML pages (they get a CSP).
fn is_page(path: &str) -> bool {
    path == "/docs" || path.starts_with("/docs/") || path == "/graphiql"
}

/// Adds the headers of [`security_headers`] to an answer to `path` that
/// did not pass through it (an error rendered outside the chain), keeping
/// any already set.
pub fn add_security_headers(headers: &mut actix_web::http::header::HeaderMap, path: &str) {
    add_security_headers_to(headers, is_page(path));
}

fn add_security_headers_to(headers: &mut actix_web::http::header::HeaderMap, page: bool) {
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
/// [`MIN_COMPRESSED_BYTES`]) so that it leaves them alone.
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

/// The largest body [`code_in_place`] codes on the worker's thread: gzip's
/// fastest level codes about 200 MB/s here, so up to ~1 ms; larger bodies
/// (the GraphiQL bundle) are left to `Compress`, which codes on the
/// blocking pool.
const MAX_CODED_IN_PLACE: u64 = 256 * 1024;

/// Runs inside `Compress` (after [`per_request_codings`] narrowed
/// `Accept-Encoding` to one coding): codes a whole body of 1 KiB to
/// [`MAX_CODED_IN_PLACE`] in gzip or deflate at the fastest level, as
/// `Compress` would, but at once, on the worker's thread.
///
/// `Compress` codes each chunk of 1 KiB and more on the blocking pool, so
/// every coded answer waits for a thread hop, and its encoder (~300 KB of
/// deflate state) lives until then: with 32 connections the server rose
/// from 97 to 111 MB resident under uncached gzip pages (wrk -c32,
/// bench/RESULTS.md, 2026-12-02, third session). Here an encoder lives
/// for the microseconds of one call. Images (but SVG) and video are left
/// alone, as `Compress` leaves them.
pub async fn code_in_place(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    // The one coding `per_request_codings` left.
    let coding = match req.headers().get(header::ACCEPT_ENCODING) {
        Some(v) if v == "gzip" => Some("gzip"),
        Some(v) if v == "deflate" => Some("deflate"),
        _ => None,
    };
    // `Compress` streams what it codes with chunked framing, which an
    // HTTP/1.0 client cannot read (RFC 9112 §6.1): for it, every body is
    // coded here or not at all.
    let http_10 = req.version() < actix_web::http::Version::HTTP_11;
    let mut response = next.call(req).await?;
    let size = response.response().body().size();
    let limit = if http_10 {
        u64::MAX
    } else {
        MAX_CODED_IN_PLACE
    };
    let worth = matches!(size, BodySize::Sized(n) if (MIN_COMPRESSED_BYTES..=limit).contains(&n));
    let (Some(coding), true) = (coding, worth) else {
        let uncoded = !response.headers().contains_key(header::CONTENT_ENCODING);
        // Sent as it is to this client, coded to another (RFC 9110 §12.5.5):
        // a shared cache must not hand this copy to a client that asked
        // for gzip, nor a gzip copy to this one.
        let could_code = matches!(size, BodySize::Sized(n) if n >= MIN_COMPRESSED_BYTES)
            && compressible(response.headers().get(header::CONTENT_TYPE));
        if uncoded && could_code {
            response
                .headers_mut()
                .append(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        if http_10 && uncoded {
            response
                .headers_mut()
                .insert(header::CONTENT_ENCODING, identity());
        }
        return Ok(response.map_into_boxed_body());
    };
    if response.headers().contains_key(header::CONTENT_ENCODING)
        || !compressible(response.headers().get(header::CONTENT_TYPE))
    {
        return Ok(response.map_into_boxed_body());
    }
    let (req, response) = response.into_parts();
    let (mut head, body) = response.into_parts();
    let body = actix_web::body::to_bytes(body)
        .await
        .map_err(|e| actix_web::error::ErrorInternalServerError(e.into().to_string()))?;
    let coded = code_fast(coding, &body).map_err(actix_web::error::ErrorInternalServerError)?;
    let headers = head.headers_mut();
    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    Ok(ServiceResponse::new(
        req,
        head.set_body(coded).map_into_boxed_body(),
    ))
}

/// `body` in `coding` (`gzip`, or HTTP's `deflate`, the zlib format) at
/// the fastest level, `Compress`'s per-request setting.
fn code_fast(coding: &str, body: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write as _;
    let (out, level) = (
        Vec::with_capacity(body.len() / 3),
        flate2::Compression::fast(),
    );
    if coding == "gzip" {
        let mut encoder = flate2::write::GzEncoder::new(out, level);
        encoder.write_all(body)?;
        encoder.finish()
    } else {
        let mut encoder = flate2::write::ZlibEncoder::new(out, level);
        encoder.write_all(body)?;
        encoder.finish()
    }
}

/// Whether a body of `content_type` is worth coding: `Compress`'s rule.
fn compressible(content_type: Option<&HeaderValue>) -> bool {
    let Some(mime) = content_type
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<actix_web::mime::Mime>().ok())
    else {
        return true;
    };
    match mime.type_() {
        actix_web::mime::IMAGE => mime.subtype() == actix_web::mime::SVG,
        actix_web::mime::VIDEO => false,
        _ => true,
    }
}

/// The client's `Accept-Encoding` as it was sent, kept in the request's
/// extensions by [`per_request_codings`] for the response cache, which
/// serves `br` and `gzip` bodies it coded once.
#[derive(Debug, Clone)]
pub struct SentAcceptEncoding(pub AcceptEncoding);

/// Runs outside `Compress`: an answer coded per request is coded in gzip or
/// deflate (or not at all), never in brotli or zstd; `br` comes only from
/// the response cache, which codes a body once per data version.
///
/// `Compress` builds a brotli encoder with a 4 MiB window for each answer
/// and has no setting for it: uncached list pages with
/// `Accept-Encoding: br` (every browser sends it) ran at 701 req/s with the
/// server at 402 MB resident, against 9,329 req/s in gzip (wrk -c32,
/// bench/RESULTS.md, 2026-12-02, third session). Rejected: brotli per
/// request with a smaller window ([`code_in_place`] could do it): not
/// measured yet; the cache's brotli (quality 6, coded once) already
/// serves the repeated answers, where its CPU pays.
pub async fn per_request_codings(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let Some(sent) = req.get_header::<AcceptEncoding>() {
        let per_request = [Encoding::gzip(), Encoding::deflate()];
        let coding = match choose_coding(&sent, &per_request) {
            Some(e) if e == Encoding::gzip() => "gzip",
            Some(e) if e == Encoding::deflate() => "deflate",
            _ => "identity",
        };
        req.extensions_mut().insert(SentAcceptEncoding(sent));
        req.headers_mut()
            .insert(header::ACCEPT_ENCODING, HeaderValue::from_static(coding));
    }
    next.call(req).await
}

/// The coding an answer is sent in: one of `offered` (listed in the
/// server's order of preference, smallest body first), or `None` for none
/// (identity). RFC 9110 §12.5.3: a coding's weight is that of its own entry
/// in `Accept-Encoding`, else that of `*`, else 0; the highest non-zero
/// weight wins, ties go to the server's order (and to a coding over an
/// `identity` entry of the same weight); identity is sent when it has the
/// higher weight or no coding has any.
///
/// Rejected: actix-web's `AcceptEncoding::negotiate`, which ignores `*` for
/// the codings it is offered (`*;q=0.5, identity;q=0` gave an uncoded
/// answer) and takes a coding the server lists but the caller cannot make.
/// When identity is excluded too (`identity;q=0` alone), the answer is
/// still sent uncoded rather than as a 406: as nginx and `Compress` do.
pub fn choose_coding(accept: &AcceptEncoding, offered: &[Encoding]) -> Option<Encoding> {
    use actix_web::http::header::{Preference, Quality};
    let weight = |coding: &Encoding| {
        let own = accept
            .0
            .iter()
            .find(|item| matches!(&item.item, Preference::Specific(e) if e == coding));
        let any = accept
            .0
            .iter()
            .find(|item| matches!(item.item, Preference::Any));
        own.or(any).map_or(Quality::ZERO, |item| item.quality)
    };
    // Unlisted, identity is the fallback, below every coding with a weight.
    let identity = accept
        .0
        .iter()
        .find(|item| matches!(&item.item, Preference::Specific(e) if *e == Encoding::identity()))
        .map_or(Quality::ZERO, |item| item.quality);
    let mut best: Option<(&Encoding, Quality)> = None;
    for coding in offered {
        let q = weight(coding);
        if q > Quality::ZERO && q >= identity && best.is_none_or(|(_, top)| q > top) {
            best = Some((coding, q));
        }
    }
    best.map(|(coding, _)| coding.clone())
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
    // One line, each name once (compare case-insensitively, RFC 9110 §5.1);
    // most answers have one line and skip this.
    if headers.get_all(header::VARY).nth(1).is_some() {
        let mut names: Vec<&str> = Vec::new();
        for line in headers
            .get_all(header::VARY)
            .filter_map(|v| v.to_str().ok())
        {
            for name in line.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                if !names.iter().any(|seen| seen.eq_ignore_ascii_case(name)) {
                    names.push(name);
                }
            }
        }
        if let Ok(folded) = HeaderValue::from_str(&names.join(", ")) {
            headers.insert(header::VARY, folded);
        }
    }
    Ok(response)
}
