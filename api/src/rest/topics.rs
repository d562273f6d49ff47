//! `/api/v1/topics`
use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{AppState, LangParam, PageParams, item_ctx, json_response, page_response, tags};
use crate::dto::{Topic, TopicPage};
use crate::error::{AppResult, Problem};
use crate::service::page::{PageRequest, Sort};
use crate::service::params::QueryParams;
use crate::service::topics;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_topics).service(get_topic);
}

/// List the topics offers are tagged with (Digitalisierung, Industrie 4.0,
/// Arbeit 4.0, Qualifizierung …).
///
/// Sort fields: `label` (default), `created_at`, `updated_at`.
#[utoipa::path(
    tag = tags::TOPICS,
    params(PageParams, LangParam),
    responses(
        (status = 200, description = "One page of topics.", body = TopicPage),
        (status = 400, description = "An unknown parameter or a bad value.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/topics")]
pub async fn list_topics(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    let mut params = QueryParams::parse(req.query_string());
    let ctx = state.ctx(&req, &mut params);
    let sort = Sort::parse(&mut params, &topics::SORTS, "label");
    let page = PageRequest::parse(&mut params);
    params.finish()?;
    let listing = topics::list(&state.db, &sort, &page, &ctx).await?;
    let body = TopicPage {
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

/// Get one topic by id or slug.
#[utoipa::path(
    tag = tags::TOPICS,
    params(("key" = String, Path, description = "The topic's id (UUID) or slug.", example = "industrie-40"), LangParam),
    responses(
        (status = 200, description = "The topic.", body = Topic),
        (status = 400, description = "A bad query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No topic has this id or slug.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/topics/{key}")]
pub async fn get_topic(
    state: web::Data<AppState>,
    req: HttpRequest,
    key: web::Path<String>,
) -> AppResult<HttpResponse> {
    let ctx = item_ctx(&state, &req)?;
    let topic = topics::get(&state.db, &key, &ctx).await?;
    Ok(json_response(&ctx, &topic))
}
