//! The query layer: the ONLY code that builds database queries.
//!
//! REST handlers and GraphQL resolvers parse input, call a function
//! here and map its [`AppError`]. One module per resource, each with a filter
//! type, `list` and `get`; rows are turned into DTOs with a constant number of
//! batched queries per page (`hydrate`), never one query per row.

pub mod import;
pub mod matching;
pub mod meetings;
pub mod offers;
pub mod overview;
pub mod page;
pub mod partners;
pub mod projects;
pub mod reference;
pub mod refs;
pub mod regions;
pub mod resource;
pub mod search;
pub mod stats;
pub mod store;
pub mod topics;

use std::sync::Arc;

use sea_orm::{ColumnTrait, Condition};
use uuid::Uuid;

use crate::error::AppResult;
use crate::vocab::Lang;

/// Per-request context that shapes DTOs: response language and the public
/// base URL used in record URIs.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Language of human-readable text.
    pub lang: Lang,
    /// Public base URL without a trailing slash, e.g. `https://lotse.example`.
    pub base_url: Arc<str>,
    /// The data's generation and what derives from it (search index,
    /// reference data, match corpus).
    pub store: Arc<store::Store>,
}

impl Ctx {
    /// `{base_url}/api/v1/{collection}/{id}`: the record's canonical URI.
    pub fn uri(&self, collection: &str, id: Uuid) -> String {
        format!("{}/api/v1/{collection}/{id}", self.base_url)
    }

    /// The snapshot of the current data (see [`store::Store::snapshot`]).
    pub async fn snapshot(&self) -> AppResult<Arc<store::Snapshot>> {
        self.store.snapshot().await
    }

    /// Regions and topics of the current data.
    pub async fn reference(&self) -> AppResult<Arc<store::Reference>> {
        Ok(self.snapshot().await?.reference.clone())
    }
}

/// Records of `kind` matching `q`, through the search index (stemming,
/// umlaut folding, typos).
pub async fn q_condition<C: ColumnTrait>(
    ctx: &Ctx,
    q: &str,
    kind: crate::dto::HitKind,
    id_column: C,
) -> AppResult<Condition> {
    ctx.snapshot().await?;
    Ok(Condition::all().add(id_column.is_in(ctx.store.index().ids(q, kind)?)))
}
