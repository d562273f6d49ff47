//! `GET /api/v1/changes`: the change feed, for portals that mirror the data.
use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::params::{FromQuery, QueryParams};
use super::{AppState, tags};
use crate::dto::{AuditPage, ChangeFeed};
use crate::error::{AppResult, Problem};
use crate::service::changes::{self, AuditFilter};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_changes).service(list_audit);
}

/// Where to read the feed from.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesParams {
    /// Continue after this position: a `next_cursor` (or any `seq`) seen
    /// before, a whole number. Omitted: from the beginning.
    #[param(example = "1042", pattern = "^[0-9]{1,18}$")]
    pub since: Option<String>,
    /// Entries per page, 1 to 1000.
    #[param(minimum = 1, maximum = 1000, default = 100)]
    pub limit: Option<u64>,
}

struct ChangesRequest {
    since: i64,
    limit: u64,
}

impl FromQuery for ChangesRequest {
    fn from_query(p: &mut QueryParams) -> Self {
        let since = p
            .integer("since", 0, i64::MAX as u64)
            .and_then(|n| i64::try_from(n).ok())
            .unwrap_or(0);
        let limit = p
            .integer("limit", 1, changes::MAX_LIMIT)
            .unwrap_or(changes::DEFAULT_LIMIT);
        Self { since, limit }
    }
}

/// The change feed: every record created, changed or deleted, in commit
/// order.
///
/// Mirror the data by replaying it: start without `since`, apply each entry
/// in order (`upsert`: store `record`, which is in the format `POST`/`PUT`
/// and `lotse import` accept, its references to records earlier entries
/// created; `delete`: remove the record), then ask again with
/// `since=next_cursor` — at once while `has_more`, later otherwise.
/// Replaying from the beginning, or from any cursor a mirror has reached,
/// ends at the current data. A cursor stays valid forever: the feed is not
/// compacted (yet), and it starts with the records loaded on first start.
/// The feed is public: it holds nothing the item endpoints do not show.
#[utoipa::path(
    tag = tags::CHANGES,
    params(ChangesParams),
    responses(
        (status = 200, description = "One page of changes; `Link: <…>; rel=\"next\"` while `has_more`.", body = ChangeFeed),
        (status = 400, description = "A bad `since` or `limit`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/changes")]
pub async fn list_changes(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    let (request, ctx) = super::query::<ChangesRequest>(&state, &req)?;
    let feed = changes::feed(&state.reader, request.since, request.limit).await?;
    let next = feed.has_more.then(|| feed.next_cursor.clone());
    Ok(super::page_response_with(
        &req,
        &ctx,
        "since",
        next.as_deref(),
        &feed,
    ))
}

/// Which writes to list, and where to continue.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Of this collection only (a key of the import format, e.g. `offers`).
    pub collection: Option<String>,
    /// Of this record only (its id).
    pub id: Option<uuid::Uuid>,
    /// By this API key only (its name).
    pub actor: Option<String>,
    /// Committed at or after this time (RFC 3339; a day, `2026-11-30`, is
    /// also accepted).
    #[param(format = DateTime)]
    pub since: Option<String>,
    /// Committed before this time (RFC 3339; a day is also accepted).
    #[param(format = DateTime)]
    pub until: Option<String>,
    /// Position from the previous page's `next_cursor` (a whole number).
    #[param(pattern = "^[1-9][0-9]{0,17}$")]
    pub cursor: Option<String>,
    /// Entries per page, 1 to 1000.
    #[param(minimum = 1, maximum = 1000, default = 100)]
    pub limit: Option<u64>,
}

struct AuditRequest {
    filter: AuditFilter,
    before: Option<i64>,
    limit: u64,
}

impl FromQuery for AuditRequest {
    fn from_query(p: &mut QueryParams) -> Self {
        let collection = p.text("collection");
        if let Some(c) = &collection
            && !crate::service::import::collections::COLLECTIONS.contains(&c.as_str())
        {
            p.error(
                "collection",
                format!(
                    "must be one of {}",
                    crate::service::import::collections::COLLECTIONS.join(", ")
                ),
            );
        }
        let id = p
            .raw("id")
            .and_then(|raw| match uuid::Uuid::parse_str(&raw) {
                Ok(id) => Some(id),
                Err(_) => {
                    p.error("id", "must be a record id (UUID)");
                    None
                }
            });
        let filter = AuditFilter {
            collection,
            id,
            actor: p.text("actor"),
            since: p.timestamp("since"),
            until: p.timestamp("until"),
        };
        let before = p
            .integer("cursor", 1, i64::MAX as u64)
            .and_then(|n| i64::try_from(n).ok());
        let limit = p
            .integer("limit", 1, changes::MAX_LIMIT)
            .unwrap_or(changes::DEFAULT_LIMIT);
        Self {
            filter,
            before,
            limit,
        }
    }
}

/// The audit trail: every write, newest first, with who made it (the API
/// key's name) and the fields it changed, old and new values.
///
/// Needs an API key with the scope `admin`. Writes by `lotse import` and
/// the seed are listed with `actor: null` and without fields.
#[utoipa::path(
    tag = tags::CHANGES,
    params(AuditParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of the audit trail; `Link: <…>; rel=\"next\"` while there are older entries.", body = AuditPage),
        (status = 400, description = "A bad parameter; `errors` names each.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid API key.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The key lacks the scope `admin`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit")]
pub async fn list_audit(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    let principal = super::write::principal(&state, &req).await?;
    principal.may_administer()?;
    let (request, ctx) = super::query::<AuditRequest>(&state, &req)?;
    let page = changes::audit(
        &state.reader,
        &request.filter,
        request.before,
        request.limit,
    )
    .await?;
    Ok(super::page_response(
        &req,
        &ctx,
        page.next_cursor.as_deref(),
        &page,
    ))
}
