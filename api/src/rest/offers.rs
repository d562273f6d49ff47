//! `/api/v1/offers`
use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{AppState, LangParam, PageParams, item_ctx, json_response, page_response, tags};
use crate::dto::{Offer, OfferPage};
use crate::error::{AppResult, Problem};
use crate::service::offers::{self, OfferFilter};
use crate::service::page::{PageRequest, Sort};
use crate::service::params::QueryParams;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_offers).service(get_offer);
}

/// List transfer and support offers.
///
/// Each offer embeds its provider, project, topics and regions, so one request
/// fills a portal page. Filters combine with AND; comma-separated values within
/// one filter mean "any of". `region` follows the hierarchy: asking for
/// Bielefeld (`05711`) also finds offers for OWL, the Regierungsbezirk Detmold,
/// all of NRW and Germany, and asking for a region also finds offers for places
/// inside it. `topic` includes narrower topics.
///
/// Sort fields: `title` (default), `created_at`, `updated_at`; prefix `-` for
/// descending. For incremental sync use `updated_since` with `sort=updated_at`.
#[utoipa::path(
    tag = tags::OFFERS,
    params(OfferFilter, PageParams, LangParam),
    responses(
        (status = 200, description = "One page of offers; `Link: <…>; rel=\"next\"` points to the next page.", body = OfferPage),
        (status = 400, description = "An unknown parameter or a bad value; `errors` names each.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/offers")]
pub async fn list_offers(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    let mut params = QueryParams::parse(req.query_string());
    let ctx = state.ctx(&req, &mut params);
    let filter = OfferFilter::parse(&mut params);
    let sort = Sort::parse(&mut params, &offers::SORTS, "title");
    let page = PageRequest::parse(&mut params);
    params.finish()?;
    let listing = offers::list(&state.db, &filter, &sort, &page, &ctx).await?;
    let body = OfferPage {
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

/// Get one offer by id or slug.
#[utoipa::path(
    tag = tags::OFFERS,
    params(("key" = String, Path, description = "The offer's id (UUID) or slug.", example = "tbs-beratung"), LangParam),
    responses(
        (status = 200, description = "The offer.", body = Offer),
        (status = 400, description = "A bad query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No offer has this id or slug.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/offers/{key}")]
pub async fn get_offer(
    state: web::Data<AppState>,
    req: HttpRequest,
    key: web::Path<String>,
) -> AppResult<HttpResponse> {
    let ctx = item_ctx(&state, &req)?;
    let offer = offers::get(&state.db, &key, &ctx).await?;
    Ok(json_response(&ctx, &offer))
}
