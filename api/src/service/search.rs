//! `GET /api/v1/search`: ranked hits over offers, projects and partners.
use std::collections::HashSet;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::offer;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Ctx;
use super::offers::{self, OfferFilter};
use super::page::{DEFAULT_LIMIT, MAX_LIMIT};
use super::params::QueryParams;
use crate::dto::{SearchHit, SearchPage};
use crate::error::{AppError, AppResult};
use crate::search::{HitKind, MAX_HITS};

/// A parsed search request.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// The words to look for.
    pub q: String,
    /// Kinds of records to return; all when empty.
    pub types: Vec<HitKind>,
    /// Offer filters; when any is set, only offers are returned.
    pub filter: OfferFilter,
    /// Hits per page.
    pub limit: u64,
    /// Hits to skip (from the cursor).
    pub offset: u64,
}

#[derive(Serialize, Deserialize)]
struct SearchCursor {
    q: String,
    o: u64,
}

impl SearchRequest {
    /// Reads `q`, `type`, the offer filters, `limit` and `cursor`.
    pub fn parse(p: &mut QueryParams) -> Self {
        // The offer filters include `q`; here it is the search itself.
        let mut filter = OfferFilter::parse(p);
        let q = match filter.q.take() {
            Some(q) => q,
            None => {
                if !p.has("q") {
                    p.error("q", "is required: the words to search for");
                }
                String::new()
            }
        };
        let types = p.list("type");
        let limit = p.integer("limit", 1, MAX_LIMIT).unwrap_or(DEFAULT_LIMIT);
        let offset = match p.raw("cursor") {
            None => 0,
            Some(raw) => match decode_cursor(&raw) {
                Some(c) if c.q == q => c.o,
                Some(_) => {
                    p.error("cursor", "was issued for another `q`");
                    0
                }
                None => {
                    p.error("cursor", "is not a cursor issued by this API");
                    0
                }
            },
        };
        Self {
            q,
            types,
            filter,
            limit,
            offset,
        }
    }
}

fn has_offer_filters(f: &OfferFilter) -> bool {
    !(f.topic.is_empty()
        && f.region.is_empty()
        && f.target_group.is_empty()
        && f.kind.is_empty()
        && f.cost.is_empty()
        && f.provider.is_empty()
        && f.project.is_empty()
        && f.open_on.is_none()
        && f.updated_since.is_none())
}

/// The cursor of the position after `offset` hits of the search for `q`.
pub fn cursor_at(q: &str, offset: u64) -> String {
    let cursor = SearchCursor {
        q: q.to_owned(),
        o: offset,
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cursor).unwrap_or_default())
}

/// A search cursor's content; `None` for text over
/// [`crate::limits::MAX_CURSOR_LEN`] bytes or not issued by [`cursor_at`].
fn decode_cursor(text: &str) -> Option<SearchCursor> {
    if text.len() > crate::limits::MAX_CURSOR_LEN {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The offset a cursor points at, if it was issued for `q`.
pub fn offset_of(cursor: &str, q: &str) -> Result<u64, AppError> {
    let decoded = decode_cursor(cursor).ok_or_else(|| {
        AppError::invalid_parameter("after", "is not a cursor issued by this API")
    })?;
    if decoded.q == q {
        Ok(decoded.o)
    } else {
        Err(AppError::invalid_parameter(
            "after",
            "was issued for another `q`",
        ))
    }
}

/// Ranks, filters and pages the hits for `request`.
#[tracing::instrument(name = "service.search", skip_all, fields(q = %request.q))]
pub async fn search<C: ConnectionTrait>(
    db: &C,
    request: &SearchRequest,
    ctx: &Ctx,
) -> AppResult<SearchPage> {
    let index = ctx
        .search
        .as_ref()
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("no search index")))?;
    index.ensure_fresh(db).await?;
    let offer_filters = has_offer_filters(&request.filter);
    let kinds = if offer_filters {
        vec![HitKind::Offer]
    } else {
        request.types.clone()
    };
    let mut hits = index.search(&request.q, &kinds, MAX_HITS)?;
    if offer_filters {
        let ids: Vec<Uuid> = hits.iter().map(|h| h.id).collect();
        let condition = offers::condition(db, &request.filter, ctx, offers::Access::Probe).await?;
        let allowed: HashSet<Uuid> = offer::Entity::find()
            .select_only()
            .column(offer::Column::Id)
            .filter(condition)
            .filter(offer::Column::Id.is_in(ids))
            .into_tuple::<Uuid>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        hits.retain(|h| allowed.contains(&h.id));
    }
    let total = hits.len() as u64;
    let start = usize::try_from(request.offset)
        .unwrap_or(usize::MAX)
        .min(hits.len());
    let end = start.saturating_add(request.limit as usize).min(hits.len());
    let next_cursor = (end < hits.len()).then(|| cursor_at(&request.q, end as u64));
    // Highlighting costs a document read and two snippets per hit: only for
    // the page shown, never for all ranked hits.
    let items = index
        .highlight(&request.q, &kinds, &hits[start..end], ctx.lang)?
        .iter()
        .map(|h| SearchHit {
            kind: h.kind,
            id: h.id,
            slug: h.slug.clone(),
            uri: ctx.uri(
                match h.kind {
                    HitKind::Offer => "offers",
                    HitKind::Project => "projects",
                    HitKind::Partner => "partners",
                },
                h.id,
            ),
            score: h.score,
            title: h.title_html.clone(),
            snippet: h.snippet_html.clone(),
        })
        .collect();
    Ok(SearchPage {
        items,
        next_cursor,
        total,
    })
}
