//! `/api/v1/regions`
use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{AppState, LangParam, PageParams, item_ctx, json_response, page_response, tags};
use crate::dto::{Region, RegionPage};
use crate::error::{AppResult, Problem};
use crate::service::page::{PageRequest, Sort};
use crate::service::params::QueryParams;
use crate::service::regions::{self, RegionFilter};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_regions).service(get_region);
}

/// List regions: Germany, NRW, its five Regierungsbezirke, 53 districts and
/// the economic regions (OWL, Metropole Ruhr, Südwestfalen …).
///
/// Each region carries its official key (ARS), NUTS code, parent, members and
/// the economic regions it belongs to.
///
/// Sort fields: `name` (default), `created_at`, `updated_at`.
#[utoipa::path(
    tag = tags::REGIONS,
    params(RegionFilter, PageParams, LangParam),
    responses(
        (status = 200, description = "One page of regions.", body = RegionPage),
        (status = 400, description = "An unknown parameter or a bad value.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/regions")]
pub async fn list_regions(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    let mut params = QueryParams::parse(req.query_string());
    let ctx = state.ctx(&req, &mut params);
    let filter = RegionFilter::parse(&mut params);
    let sort = Sort::parse(&mut params, &regions::SORTS, "name");
    let page = PageRequest::parse(&mut params);
    params.finish()?;
    let listing = regions::list(&state.db, &filter, &sort, &page, &ctx).await?;
    let body = RegionPage {
        items: listing.items,
        next_cursor: listing.next_cursor,
        total: listing.total,
    };
    Ok(page_response(
        &req,
        &ctx,
        body.next_cursor.as_deref(),
        &body,
    ))
}

/// Get one region by id, slug, official key (ARS) or NUTS code.
#[utoipa::path(
    tag = tags::REGIONS,
    params(("key" = String, Path, description = "The region's id, slug, official key (e.g. `05711`) or NUTS code (e.g. `DEA41`).", example = "05711"), LangParam),
    responses(
        (status = 200, description = "The region.", body = Region),
        (status = 400, description = "A bad query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No region has this key.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/regions/{key}")]
pub async fn get_region(
    state: web::Data<AppState>,
    req: HttpRequest,
    key: web::Path<String>,
) -> AppResult<HttpResponse> {
    let ctx = item_ctx(&state, &req)?;
    let region = regions::get(&state.db, &key, &ctx).await?;
    Ok(json_response(&ctx, &region))
}
