//! `/api/v1/meetings`
use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{AppState, LangParam, PageParams, item_ctx, json_response, page_response, tags};
use crate::dto::{Meeting, MeetingPage};
use crate::error::{AppResult, Problem};
use crate::service::meetings;
use crate::service::page::{PageRequest, Sort};
use crate::service::params::QueryParams;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_meetings).service(get_meeting);
}

/// List the alliance's meetings, newest first.
///
/// Sort fields: `date` (default `-date`), `created_at`, `updated_at`.
#[utoipa::path(
    tag = tags::MEETINGS,
    params(PageParams, LangParam),
    responses(
        (status = 200, description = "One page of meetings.", body = MeetingPage),
        (status = 400, description = "An unknown parameter or a bad value.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/meetings")]
pub async fn list_meetings(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let mut params = QueryParams::parse(req.query_string());
    let ctx = state.ctx(&req, &mut params);
    let sort = Sort::parse(&mut params, &meetings::SORTS, "-date");
    let page = PageRequest::parse(&mut params);
    params.finish()?;
    let listing = meetings::list(&state.db, &sort, &page, &ctx).await?;
    let body = MeetingPage {
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

/// Get one meeting by id or slug.
#[utoipa::path(
    tag = tags::MEETINGS,
    params(("key" = String, Path, description = "The meeting's id (UUID) or slug.", example = "zweite-sitzung-2016-11-21"), LangParam),
    responses(
        (status = 200, description = "The meeting.", body = Meeting),
        (status = 400, description = "A bad query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No meeting has this id or slug.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/meetings/{key}")]
pub async fn get_meeting(
    state: web::Data<AppState>,
    req: HttpRequest,
    key: web::Path<String>,
) -> AppResult<HttpResponse> {
    let ctx = item_ctx(&state, &req)?;
    let meeting = meetings::get(&state.db, &key, &ctx).await?;
    Ok(json_response(&ctx, &meeting))
}
