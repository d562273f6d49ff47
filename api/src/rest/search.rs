//! `/api/v1/search`: the finder's full-text search.
use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{AppState, LangParam, json_response, page_response, tags};
use crate::dto::HitKind;
use crate::dto::SearchPage;
use crate::error::{AppResult, Problem};
use crate::service::offers::OfferFilter;
use crate::service::search::{self, SearchRequest};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(search_all);
}

/// Search parameters besides the offer filters.
///
/// Documentation only: `SearchRequest::parse` reads them, strictly.
#[allow(dead_code)]
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Kinds of records: `offer`, `project`, `partner` (comma-separated; all by default).
    #[param(style = Form, explode = false, required = false, inline)]
    pub r#type: Vec<HitKind>,
    /// Hits per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u64>,
    /// Opaque position from the previous page's `next_cursor`, for the same
    /// `q` (as analysed), `type` and filters (else 400). It names the last
    /// hit shown and a digest of the hits shown so far: if records were
    /// written since, the next page continues after that hit only if
    /// exactly the hits shown still rank before it (no hit repeated, none
    /// that still matches skipped); otherwise 409 `stale_cursor`: start
    /// again without `cursor`. Offset cursors of earlier versions are a 400.
    pub cursor: Option<String>,
}

/// Search offers, projects and partners, best match first.
///
/// German full-text search: inflected forms match ("Betriebsräte" finds
/// "Betriebsrat"), umlauts may be written out ("Foerderung"), and a word of
/// five or more letters matches with one typo ("Digitalisirung"). `q` is
/// required. The offer filters of `GET /api/v1/offers` (`topic`, `region` …)
/// combine with it; when any is given, only offers are returned. Titles and
/// snippets come HTML-escaped with matched terms in `<b>…</b>`.
#[utoipa::path(
    tag = tags::SEARCH,
    params(OfferFilter, SearchParams, LangParam),
    responses(
        (status = 200, description = "Ranked hits; `Link: <…>; rel=\"next\"` points to the next page.", body = SearchPage),
        (status = 400, description = "`q` missing, an unknown parameter or a bad value (a `cursor` not issued for this search).", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`stale_cursor`: the hits moved since `cursor` was issued, so the next page would repeat or skip hits; start again from the first page.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/search")]
pub async fn search_all(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    let (request, ctx) = super::query::<SearchRequest>(&state, &req)?;
    let body = search::search(&request, &ctx).await?;
    if body.next_cursor.is_some() {
        Ok(page_response(
            &req,
            &ctx,
            body.next_cursor.as_deref(),
            &body,
        ))
    } else {
        Ok(json_response(&ctx, &body))
    }
}
