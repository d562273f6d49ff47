//! `/api/v1/stats`: aggregates for dashboards.
use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{AppState, LangParam, json_response, tags};
use crate::dto::{OfferStats, PartnerStats, ProjectStats, Stats};
use crate::error::{AppResult, Problem};
use crate::service::offers::OfferFilter;
use crate::service::partners::PartnerFilter;
use crate::service::projects::ProjectFilter;
use crate::service::stats;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(all_stats)
        .service(offer_stats)
        .service(partner_stats)
        .service(project_stats);
}

/// Counts of offers, partners and projects by category, over everything.
///
/// For filtered counts use `/api/v1/stats/offers`, `/stats/partners` or
/// `/stats/projects`, which take the filters of the matching list.
#[utoipa::path(
    tag = tags::STATS,
    params(LangParam),
    responses(
        (status = 200, description = "All aggregates.", body = Stats),
        (status = 400, description = "An unknown parameter.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats")]
pub async fn all_stats(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    let ctx = super::item_ctx(&state, &req)?;
    let body = Stats {
        offers: stats::offer_stats(&OfferFilter::default(), &ctx).await?,
        partners: stats::partner_stats(&state.reader, &PartnerFilter::default(), &ctx).await?,
        projects: stats::project_stats(&state.reader, &ProjectFilter::default(), &ctx).await?,
    };
    Ok(json_response(&ctx, &body))
}

/// Offers counted by topic, region, kind, target group and cost, over the
/// offers that match the filters of `GET /api/v1/offers`.
///
/// Takes every filter of the offer list (a dashboard's facets: the counts
/// next to each filter value). Counted from the same in-memory selection as
/// the list, so the counts agree with `total` of the list with the same
/// filters.
#[utoipa::path(
    tag = tags::STATS,
    params(OfferFilter, LangParam),
    responses(
        (status = 200, description = "Offer aggregates.", body = OfferStats),
        (status = 400, description = "An unknown parameter or a bad value.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats/offers")]
pub async fn offer_stats(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    let (filter, ctx) = super::query::<OfferFilter>(&state, &req)?;
    let body = stats::offer_stats(&filter, &ctx).await?;
    Ok(json_response(&ctx, &body))
}

/// Partners counted by alliance group and kind, over the partners that match
/// the filters of `GET /api/v1/partners`.
///
/// Takes every filter of the partner list; the counts agree with `total` of
/// the list with the same filters.
#[utoipa::path(
    tag = tags::STATS,
    params(PartnerFilter, LangParam),
    responses(
        (status = 200, description = "Partner aggregates.", body = PartnerStats),
        (status = 400, description = "An unknown parameter or a bad value.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats/partners")]
pub async fn partner_stats(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let (filter, ctx) = super::query::<PartnerFilter>(&state, &req)?;
    let body = stats::partner_stats(&state.reader, &filter, &ctx).await?;
    Ok(json_response(&ctx, &body))
}

/// Projects counted by kind and status, over the projects that match the
/// filters of `GET /api/v1/projects`.
///
/// Takes every filter of the project list; the counts agree with `total` of
/// the list with the same filters.
#[utoipa::path(
    tag = tags::STATS,
    params(ProjectFilter, LangParam),
    responses(
        (status = 200, description = "Project aggregates.", body = ProjectStats),
        (status = 400, description = "An unknown parameter or a bad value.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/stats/projects")]
pub async fn project_stats(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let (filter, ctx) = super::query::<ProjectFilter>(&state, &req)?;
    let body = stats::project_stats(&state.reader, &filter, &ctx).await?;
    Ok(json_response(&ctx, &body))
}
