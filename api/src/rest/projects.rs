//! `/api/v1/projects`
use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{AppState, LangParam, PageParams, item_ctx, json_response, page_response, tags};
use crate::dto::{Project, ProjectPage};
use crate::error::{AppResult, Problem};
use crate::service::page::{PageRequest, Sort};
use crate::service::params::QueryParams;
use crate::service::projects::{self, ProjectFilter};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_projects).service(get_project);
}

/// List projects: the alliance, pilot projects (Arbeit 2020), clusters
/// (it's OWL), networks, programmes and portals.
///
/// Each project embeds its region and its participants with their roles.
///
/// Sort fields: `name` (default), `created_at`, `updated_at`.
#[utoipa::path(
    tag = tags::PROJECTS,
    params(ProjectFilter, PageParams, LangParam),
    responses(
        (status = 200, description = "One page of projects.", body = ProjectPage),
        (status = 400, description = "An unknown parameter or a bad value.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/projects")]
pub async fn list_projects(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let mut params = QueryParams::parse(req.query_string());
    let ctx = state.ctx(&req, &mut params);
    let filter = ProjectFilter::parse(&mut params);
    let sort = Sort::parse(&mut params, &projects::SORTS, "name");
    let page = PageRequest::parse(&mut params);
    params.finish()?;
    let listing = projects::list(&state.db, &filter, &sort, &page, &ctx).await?;
    let body = ProjectPage {
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

/// Get one project by id or slug.
#[utoipa::path(
    tag = tags::PROJECTS,
    params(("key" = String, Path, description = "The project's id (UUID) or slug.", example = "arbeit-2020"), LangParam),
    responses(
        (status = 200, description = "The project.", body = Project),
        (status = 400, description = "A bad query parameter.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No project has this id or slug.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/projects/{key}")]
pub async fn get_project(
    state: web::Data<AppState>,
    req: HttpRequest,
    key: web::Path<String>,
) -> AppResult<HttpResponse> {
    let ctx = item_ctx(&state, &req)?;
    let project = projects::get(&state.db, &key, &ctx).await?;
    Ok(json_response(&ctx, &project))
}
