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
    /// The connection pool.
    pub db: DatabaseConnection,
    /// Public base URL without trailing slash.
    pub base_url: Arc<str>,
    /// Statements run through the pool since start.
    pub statements: Arc<std::sync::atomic::AtomicU64>,
    /// The data's generation and what derives from it.
    pub store: Arc<Store>,
    /// Writes must send `If-Match` (`--require-if-match`).
    pub require_if_match: bool,
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

/// Picks `en` or `de` from an `Accept-Language` header by quality (RFC 9110
/// §12.5.4); `de` if neither is acceptable.
fn accept_language(req: &HttpRequest) -> Lang {
    let Some(header) = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
    else {
        return Lang::De;
    };
    let mut best: Option<(f32, Lang)> = None;
    for part in header.split(',') {
        let mut pieces = part.trim().split(';');
        let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let quality = pieces
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("");
        let lang = match primary {
            "en" => Lang::En,
            "de" => Lang::De,
            _ => continue,
        };
        if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, lang));
        }
    }
    best.map_or(Lang::De, |(_, lang)| lang)
}
