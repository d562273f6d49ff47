//! The query layer: the ONLY code that builds database queries.
//!
//! REST handlers (and GraphQL resolvers, later) parse input, call a function
//! here and map its [`AppError`]. One module per resource, each with a filter
//! type, `list` and `get`; rows are turned into DTOs with a constant number of
//! batched queries per page (`hydrate`), never one query per row.

pub mod import;
pub mod matching;
pub mod meetings;
pub mod offers;
pub mod overview;
pub mod page;
pub mod params;
pub mod partners;
pub mod projects;
pub mod refs;
pub mod regions;
pub mod search;
pub mod stats;
pub mod topics;

use std::sync::Arc;

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{ColumnTrait, Condition};
use uuid::Uuid;

use crate::vocab::Lang;

/// Per-request context that shapes DTOs: response language and the public
/// base URL used in record URIs.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Language of human-readable text.
    pub lang: Lang,
    /// Public base URL without a trailing slash, e.g. `https://lotse.example`.
    pub base_url: Arc<str>,
    /// The search index, for `q` (absent in contexts without one: `q` then
    /// falls back to a substring match).
    pub search: Option<Arc<crate::search::SearchIndex>>,
}

impl Ctx {
    /// `{base_url}/api/v1/{collection}/{id}`: the record's canonical URI.
    pub fn uri(&self, collection: &str, id: Uuid) -> String {
        format!("{}/api/v1/{collection}/{id}", self.base_url)
    }
}

/// Matches a record by id (if `key` is a UUID) or by slug.
pub fn key_condition<C: ColumnTrait>(key: &str, id_column: C, slug_column: C) -> Condition {
    match Uuid::parse_str(key) {
        Ok(id) => Condition::any()
            .add(id_column.eq(id))
            .add(slug_column.eq(key)),
        Err(_) => Condition::all().add(slug_column.eq(key)),
    }
}

/// Records of `kind` matching `q`: through the search index when there is
/// one (stemming, umlaut folding, typos), else a substring match on `columns`.
pub async fn q_condition<Db: sea_orm::ConnectionTrait, C: ColumnTrait>(
    db: &Db,
    ctx: &Ctx,
    q: &str,
    kind: crate::search::HitKind,
    id_column: C,
    columns: &[C],
) -> crate::error::AppResult<Condition> {
    match &ctx.search {
        Some(index) => {
            index.ensure_fresh(db).await?;
            Ok(Condition::all().add(id_column.is_in(index.ids(q, kind)?)))
        }
        None => Ok(text_condition(q, columns)),
    }
}

/// Case-insensitive substring match of `needle` in any of `columns`.
///
/// Portable across SQLite and PostgreSQL (`LOWER(col) LIKE '%needle%'`,
/// with `%`, `_` and `\` escaped). This is a stop-gap for `q` on lists; the
/// finder issue replaces it with the tantivy index.
pub fn text_condition<C: ColumnTrait>(needle: &str, columns: &[C]) -> Condition {
    let escaped = needle
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let pattern = format!("%{escaped}%");
    columns.iter().fold(Condition::any(), |any, column| {
        any.add(
            Expr::expr(Func::lower(Expr::col(column.as_column_ref())))
                .like(LikeExpr::new(pattern.clone()).escape('\\')),
        )
    })
}
