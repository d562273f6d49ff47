//! `/api/v1/partners`
use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{AppState, LangParam, PageParams, item_ctx, json_response, page_response, tags};
use crate::dto::{Partner, PartnerPage};
use crate::error::{AppResult, Problem};
use crate::service::page::{PageRequest, Sort};
use crate::service::params::QueryParams;
use crate::service::partners::{self, PartnerFilter};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_partners).service(get_partner);
}

/// List partners: ministries, unions, chambers, universities, companies …
///
/// Each partner embeds its home region, organisational contacts and the office
/// holders named in the sources. `region` follows the region hierarchy.
///
/// Sort fields: `name` (default), `created_at`, `updated_at`.
#[utoipa::path(
    tag = tags::PARTNERS,
    params(PartnerFilter, PageParams, LangParam),
    responses(
        (status = 200, description = "One page of partners.", body = PartnerPage),
        (status = 400, description = "An unknown parameter or a bad value.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partners")]
pub async fn list_partners(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let mut params = QueryParams::parse(req.query_string());
    let ctx = state.ctx(&req, &mut params);
    let filter = PartnerFilter::parse(&mut params);
    let sort = Sort::parse(&mut params, &partners::SORTS, "name");
    let page = PageRequest::parse(&mut params);
    params.finish()?;
    let listing = partners::list(&state.db, &filter, &sort, &page, &ctx).await?;
    let body = PartnerPage {
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

/// Get one partner by id or slug.
#[utoipa::path(
    tag = tags::PARTNERS,
    params(("key" = String, Path, description = "The partner's id (UUID) or slug.", example = "mags"), LangParam),
    responses(
        (status = 200, description = "The partner.", body = Partner),
        (status = 400, description = "A bad query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No partner has this id or slug.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partners/{key}")]
pub async fn get_partner(
    state: web::Data<AppState>,
    req: HttpRequest,
    key: web::Path<String>,
) -> AppResult<HttpResponse> {
    let ctx = item_ctx(&state, &req)?;
    let partner = partners::get(&state.db, &key, &ctx).await?;
    Ok(json_response(&ctx, &partner))
}
