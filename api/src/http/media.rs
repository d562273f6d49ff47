//! Request media types, compared as RFC 9110 §8.3.1 says: type and subtype
//! case-insensitively, parameters parsed (`application/json; charset=utf-8`
//! is JSON), nothing by prefix (`application/jsonx` is not JSON).
use actix_web::HttpRequest;
use actix_web::http::header;

use crate::error::AppError;

/// Checks that the request body is one of `accepted` (lowercase essences such
/// as `application/json`).
///
/// Errors: 415 [`AppError::UnsupportedMediaType`] naming the accepted
/// types when `Content-Type` is missing, unparsable or another type, or when
/// it names a `charset` other than UTF-8 (RFC 8259 §8.1: JSON is UTF-8).
pub fn require(req: &HttpRequest, accepted: &'static [&'static str]) -> Result<(), AppError> {
    let refused = AppError::UnsupportedMediaType(accepted);
    let mut values = req.headers().get_all(header::CONTENT_TYPE);
    // Two media types for one body: which one holds cannot be known.
    let (Some(value), None) = (values.next(), values.next()) else {
        return Err(refused);
    };
    // RFC 9110 §5.6.6: whitespace around `;` and empty parameters are
    // allowed, which the mime parser refuses; the parts are tidied first.
    let tidy = value.to_str().ok().map(|v| {
        v.split(';')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join("; ")
    });
    let Some(mime) = tidy.and_then(|v| v.parse::<actix_web::mime::Mime>().ok()) else {
        return Err(refused);
    };
    let charset_ok = mime
        .get_param(actix_web::mime::CHARSET)
        .is_none_or(|c| c.as_str().eq_ignore_ascii_case("utf-8"));
    if charset_ok && accepted.contains(&mime.essence_str()) {
        Ok(())
    } else {
        Err(refused)
    }
}

/// The JSON media type every JSON request body is sent as.
pub const JSON: &str = "application/json";

/// The one of `offered` (lowercase essences, the preferred first) that the
/// request's `Accept` ranks highest (RFC 9110 §12.5.1): each offered type
/// gets the weight of the most specific media range naming it (`text/csv`
/// before `text/*` before `*/*`), ties go to the earlier offered type. No
/// `Accept` accepts anything: the first. `None` when every offered type has
/// weight 0 or is not named; callers then answer with their default anyway,
/// as §12.5.1 allows, rather than 406.
pub fn negotiate(req: &HttpRequest, offered: &[&'static str]) -> Option<&'static str> {
    let lines: Vec<&str> = req
        .headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .collect();
    if lines.is_empty() {
        return offered.first().copied();
    }
    let ranges: Vec<(String, f32)> = lines
        .iter()
        .flat_map(|line| line.split(','))
        .filter_map(|range| {
            let mut parts = range.split(';').map(str::trim);
            let essence = parts.next()?.to_ascii_lowercase();
            if essence.is_empty() {
                return None;
            }
            let q = parts
                .filter_map(|p| p.split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
                .map_or(Some(1.0), |(_, value)| value.trim().parse::<f32>().ok())?;
            Some((essence, q.clamp(0.0, 1.0)))
        })
        .collect();
    let weight = |offer: &str| -> f32 {
        let (kind, _) = offer.split_once('/').unwrap_or((offer, ""));
        let specificity = |range: &str| match range {
            r if r == offer => Some(3),
            "*/*" => Some(1),
            r => (r.strip_suffix("/*") == Some(kind)).then_some(2),
        };
        ranges
            .iter()
            .filter_map(|(range, q)| Some((specificity(range)?, *q)))
            .max_by_key(|(specificity, _)| *specificity)
            .map_or(0.0, |(_, q)| q)
    };
    let mut best: Option<(&'static str, f32)> = None;
    for offer in offered {
        let q = weight(offer);
        if q > 0.0 && best.is_none_or(|(_, b)| q > b) {
            best = Some((offer, q));
        }
    }
    best.map(|(offer, _)| offer)
}

#[cfg(test)]
mod tests {
    use super::negotiate;
    use actix_web::test::TestRequest;

    const OFFERED: &[&str] = &["text/turtle", "application/ld+json", "application/rdf+xml"];

    fn pick(accept: Option<&str>) -> Option<&'static str> {
        let mut req = TestRequest::default();
        if let Some(accept) = accept {
            req = req.insert_header(("accept", accept));
        }
        negotiate(&req.to_http_request(), OFFERED)
    }

    #[test]
    fn ranks_by_weight_then_specificity_then_our_order() {
        assert_eq!(pick(None), Some("text/turtle"));
        assert_eq!(pick(Some("*/*")), Some("text/turtle"));
        assert_eq!(
            pick(Some("application/ld+json")),
            Some("application/ld+json")
        );
        assert_eq!(
            pick(Some("text/turtle;q=0.5, application/rdf+xml")),
            Some("application/rdf+xml")
        );
        assert_eq!(pick(Some("application/*")), Some("application/ld+json"));
        assert_eq!(
            pick(Some("*/*;q=0.1, text/turtle;q=0")),
            Some("application/ld+json")
        );
        assert_eq!(pick(Some("TEXT/Turtle")), Some("text/turtle"));
        assert_eq!(pick(Some("text/html")), None);
        assert_eq!(pick(Some("text/turtle;q=x")), None);
    }
}
