//! Shared state of every worker, built at start-up and read by both
//! front-ends (REST and GraphQL).
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest};
use sea_orm::DatabaseConnection;

use crate::service::Ctx;
use crate::service::store::{Snapshot, Store};
use crate::vocab::Lang;

/// Shared state of every worker.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The connection pool of the primary database: writes, and the reads
    /// a write depends on (`If-Match`, the record it returns, API keys).
    pub db: DatabaseConnection,
    /// The pool that serves reads: the read replica's
    /// (`--database-read-url`), else the primary's.
    pub reader: DatabaseConnection,
    /// Public base URL without trailing slash.
    pub base_url: Arc<str>,
    /// The data's generation and what derives from it.
    pub store: Arc<Store>,
    /// Writes must send `If-Match` (`--require-if-match`).
    pub require_if_match: bool,
    /// The Prometheus families (`/metrics`).
    pub metrics: Arc<crate::ops::metrics::Metrics>,
    /// How long `/ready` waits for the database (`--ready-timeout-ms`).
    pub ready_timeout: std::time::Duration,
    /// Longest a write may take before it is abandoned
    /// (`--request-timeout-secs`).
    pub write_deadline: std::time::Duration,
}

impl AppState {
    /// Response context in `lang` if given, else in the language the
    /// request's `Accept-Language` prefers; it reads the snapshot the
    /// response cache took for this request, if it took one.
    pub fn ctx(&self, req: &HttpRequest, lang: Option<Lang>) -> Ctx {
        let ctx = Ctx::new(
            lang.unwrap_or_else(|| accept_language(req)),
            self.base_url.clone(),
            self.store.clone(),
        );
        // Taken by the response cache, which keys the answer on it.
        match req.extensions().get::<Arc<Snapshot>>() {
            Some(snapshot) => ctx.reading(snapshot.clone()),
            None => ctx,
        }
    }
}

/// The response language an `Accept-Language` header asks for; `de` when
/// the header is absent or accepts neither.
pub fn accept_language(req: &HttpRequest) -> Lang {
    // Several field lines are one list (RFC 9110 §5.3).
    let lines: Vec<&str> = req
        .headers()
        .get_all(header::ACCEPT_LANGUAGE)
        .filter_map(|v| v.to_str().ok())
        .collect();
    negotiate_language(&lines.join(", ")).unwrap_or(Lang::De)
}

/// Picks `de` or `en` from an `Accept-Language` value (RFC 9110 §12.5.4),
/// or `None` if it accepts neither.
///
/// - A weight is `q=` or `Q=` (parameter names are case-insensitive, RFC
///   9110 §5.6.6) with a `qvalue` (§12.4.2: `0` to `1`, at most three
///   decimals). A range with a malformed range or weight (`q=2`, `q=high`)
///   is ignored, not read as `q=1`.
/// - `q=0` means "not this language".
/// - A range with a region or script (`de-DE`, `en-GB`) asks for its
///   language; of several ranges of one language the highest weight counts.
/// - `*` weighs every language no other range names.
/// - Equal weights: the range listed first wins (`*`: German).
pub fn negotiate_language(header: &str) -> Option<Lang> {
    // (weight, position in the header) per language, and for `*`.
    let mut de: Option<(u16, usize)> = None;
    let mut en: Option<(u16, usize)> = None;
    let mut any: Option<(u16, usize)> = None;
    for (position, element) in header.split(',').enumerate() {
        let mut parts = element.split(';');
        let range = parts.next().unwrap_or("").trim();
        if range.is_empty() {
            continue;
        }
        let mut weight = Some(1000);
        for parameter in parts {
            let (name, value) = parameter.split_once('=').unwrap_or((parameter, ""));
            if name.trim().eq_ignore_ascii_case("q") {
                weight = qvalue(value.trim());
            }
        }
        let Some(weight) = weight else {
            continue;
        };
        let slot = if range == "*" {
            &mut any
        } else if !is_language_range(range) {
            continue;
        } else {
            let primary = range.split('-').next().unwrap_or("");
            if primary.eq_ignore_ascii_case("de") {
                &mut de
            } else if primary.eq_ignore_ascii_case("en") {
                &mut en
            } else {
                continue;
            }
        };
        if slot.is_none_or(|(best, _)| weight > best) {
            *slot = Some((weight, position));
        }
    }
    let de = de.or(any);
    let en = en.or(any);
    // Higher weight first, then the earlier range; German wins a tie of `*`.
    let rank =
        |w: Option<(u16, usize)>| w.filter(|(q, _)| *q > 0).map(|(q, p)| (q, usize::MAX - p));
    match (rank(de), rank(en)) {
        (None, None) => None,
        (Some(_), None) => Some(Lang::De),
        (None, Some(_)) => Some(Lang::En),
        (Some(d), Some(e)) => Some(if e > d { Lang::En } else { Lang::De }),
    }
}

/// A `qvalue` in thousandths (RFC 9110 §12.4.2): `0`, `0.5`, `0.125`, `1`,
/// `1.000`; `None` for anything else.
fn qvalue(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths: u16 = format!("{fraction:0<3}").parse().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// `1*8ALPHA *("-" 1*8alphanum)` (RFC 4647 §2.1).
fn is_language_range(range: &str) -> bool {
    range.split('-').enumerate().all(|(i, subtag)| {
        (1..=8).contains(&subtag.len())
            && if i == 0 {
                subtag.bytes().all(|b| b.is_ascii_alphabetic())
            } else {
                subtag.bytes().all(|b| b.is_ascii_alphanumeric())
            }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_ranges_and_wildcards_follow_rfc_9110() {
        for (header, expected) in [
            ("en;Q=0.1, de;q=0.5", Some(Lang::De)),
            ("en;q=0.9, de;q=0.5", Some(Lang::En)),
            ("de-DE", Some(Lang::De)),
            ("en-GB;q=0.8, de-AT;q=0.7", Some(Lang::En)),
            ("fr, en;q=0.1", Some(Lang::En)),
            ("fr", None),
            ("de;q=0, *", Some(Lang::En)),
            ("en;q=0, de;q=0", None),
            ("*", Some(Lang::De)),
            ("en, de", Some(Lang::En)),
            ("de, en", Some(Lang::De)),
            ("en;q=2, de;q=0.5", Some(Lang::De)),
            ("en;q=high, de;q=0.5", Some(Lang::De)),
            ("en;q=0.1234, de;q=0.01", Some(Lang::De)),
            ("en;q=1.000", Some(Lang::En)),
            ("en_US, de;q=0.1", Some(Lang::De)),
            ("EN-us;q=0.9, de;q=0.8", Some(Lang::En)),
            ("", None),
        ] {
            assert_eq!(negotiate_language(header), expected, "{header}");
        }
    }
}
