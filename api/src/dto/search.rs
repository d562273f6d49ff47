use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::search::HitKind;

/// One search hit.
#[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
pub struct SearchHit {
    /// What the hit is.
    #[serde(rename = "type")]
    #[graphql(name = "type")]
    pub kind: HitKind,
    /// Stable id.
    pub id: Uuid,
    /// Human key.
    #[schema(example = "tbs-beratung")]
    pub slug: String,
    /// Canonical URI of the record.
    pub uri: String,
    /// Relevance (BM25; higher is better; comparable within one result only).
    pub score: f32,
    /// Title, HTML-escaped, with matched terms in `<b>…</b>`.
    #[schema(example = "TBS-Beratung für <b>Betriebsräte</b>")]
    pub title: String,
    /// A passage of the text, HTML-escaped, with matched terms in `<b>…</b>`.
    pub snippet: String,
}

/// One page of search hits, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchPage {
    /// The hits on this page.
    pub items: Vec<SearchHit>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// Number of hits (of the best 1000 ranked) matching the filters.
    pub total: u64,
}
