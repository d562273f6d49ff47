//! REST adapters: thin handlers that parse the request, call [`crate::service`]
//! and shape the HTTP response. Each resource module registers its own routes
//! (`configure`), documented with `#[utoipa::path]` so the OpenAPI document is
//! generated from the same code that serves the requests.

mod matching;
mod meetings;
mod offers;
mod partners;
mod projects;
mod regions;
mod root;
mod search;
mod stats;
mod topics;

use std::sync::Arc;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{AppError, AppResult};
use crate::service::Ctx;
use crate::service::params::QueryParams;
use crate::vocab::Lang;

/// Tag names, as they appear in the OpenAPI document.
pub mod tags {
    pub const META: &str = "meta";
    pub const PARTNERS: &str = "partners";
    pub const REGIONS: &str = "regions";
    pub const TOPICS: &str = "topics";
    pub const PROJECTS: &str = "projects";
    pub const OFFERS: &str = "offers";
    pub const MEETINGS: &str = "meetings";
    pub const STATS: &str = "stats";
    pub const SEARCH: &str = "search";
}

/// Shared state of every worker.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The connection pool.
    pub db: DatabaseConnection,
    /// Public base URL without trailing slash.
    pub base_url: Arc<str>,
    /// Statements run through the pool since start.
    pub statements: Arc<std::sync::atomic::AtomicU64>,
    /// The full-text index.
    pub search: Arc<crate::search::SearchIndex>,
}

impl AppState {
    /// Response context: language from `lang` (which wins) or
    /// `Accept-Language`, and the base URL.
    pub fn ctx(&self, req: &HttpRequest, params: &mut QueryParams) -> Ctx {
        let lang = params
            .one::<Lang>("lang")
            .unwrap_or_else(|| accept_language(req));
        Ctx {
            lang,
            base_url: self.base_url.clone(),
            search: Some(self.search.clone()),
        }
    }
}

/// `lang`: the response language.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LangParam {
    /// Language of human-readable text: `de` (default) or `en` (German where
    /// no English text exists). Overrides `Accept-Language`.
    pub lang: Option<Lang>,
}

/// Paging and sorting of every list.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u64>,
    /// Opaque position from the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Also return `total`, the number of matching items (costs a count).
    #[param(default = false)]
    pub include_total: Option<bool>,
    /// Sort field, `-` for descending: e.g. `title`, `-updated_at`. Each list
    /// names its fields in its description.
    pub sort: Option<String>,
}

/// Picks `en` or `de` from an `Accept-Language` header by quality; `de` if
/// neither is acceptable.
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

/// A JSON response with the language headers.
pub fn json_response<T: Serialize>(ctx: &Ctx, body: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_LANGUAGE, ctx.lang.as_str()))
        .insert_header((header::VARY, HeaderValue::from_static("Accept-Language")))
        .json(body)
}

/// A list page: JSON plus an RFC 8288 `Link: <…>; rel="next"` header.
pub fn page_response<T: Serialize>(
    req: &HttpRequest,
    ctx: &Ctx,
    next_cursor: Option<&str>,
    body: &T,
) -> HttpResponse {
    let mut response = json_response(ctx, body);
    if let Some(cursor) = next_cursor {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (key, value) in form_urlencoded::parse(req.query_string().as_bytes()) {
            if key != "cursor" {
                query.append_pair(&key, &value);
            }
        }
        query.append_pair("cursor", cursor);
        let link = format!(
            "<{}{}?{}>; rel=\"next\"",
            ctx.base_url,
            req.path(),
            query.finish()
        );
        if let Ok(value) = HeaderValue::from_str(&link) {
            response.headers_mut().insert(header::LINK, value);
        }
    }
    response
}

/// Parses the query of an item request (only `lang` is allowed).
pub fn item_ctx(state: &AppState, req: &HttpRequest) -> AppResult<Ctx> {
    let mut params = QueryParams::parse(req.query_string());
    let ctx = state.ctx(req, &mut params);
    params.finish()?;
    Ok(ctx)
}

/// `/docs` → `/docs/`: Swagger UI resolves its assets relative to the slash.
pub async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}

/// Fallback for unmatched paths: a 404 problem instead of an empty body.
pub async fn no_route() -> Result<HttpResponse, AppError> {
    Err(AppError::NoRoute)
}

/// Registers every route.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.configure(root::configure);
    cfg.service(
        utoipa_actix_web::scope("/api/v1")
            .configure(partners::configure)
            .configure(regions::configure)
            .configure(topics::configure)
            .configure(projects::configure)
            .configure(offers::configure)
            .configure(meetings::configure)
            .configure(stats::configure)
            .configure(search::configure)
            .configure(matching::configure),
    );
}
