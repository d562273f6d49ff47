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
