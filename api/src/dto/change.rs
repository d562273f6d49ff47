use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// What happened to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema, async_graphql::Enum)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    /// Created or changed (its fields or links).
    Upsert,
    /// Deleted, with its links.
    Delete,
}

/// One entry of the change feed: a record written, in commit order.
#[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
#[graphql(complex)]
pub struct Change {
    /// Position in the feed: strictly increasing in commit order, never
    /// reused. Pass the last one seen as `since` to continue after it.
    #[schema(example = 1042)]
    pub seq: i64,
    /// The record's collection: one of the keys of a `lotse import` file
    /// (`regions`, `topics`, `partners`, `contacts`, `people`, `projects`,
    /// `offers`, `meetings`).
    #[schema(example = "offers")]
    pub collection: String,
    /// The record's id.
    #[graphql(
        name = "id",
        skip,
        derived(name = "gql_id", into = "crate::graphql::scalars::Uuid", owned)
    )]
    pub id: Uuid,
    /// `upsert` or `delete`.
    pub op: ChangeOp,
    /// When the change was committed.
    #[graphql(
        name = "changedAt",
        skip,
        derived(
            name = "gql_changed_at",
            into = "crate::graphql::scalars::DateTime",
            owned
        )
    )]
    pub changed_at: DateTime<Utc>,
    /// For an upsert, the record as this change wrote it, in the format of
    /// `lotse import` files and of `POST`/`PUT` bodies (references by slug,
    /// to records that earlier entries created); `null` for a delete.
    #[schema(value_type = Option<Object>)]
    #[graphql(skip)]
    pub record: Option<serde_json::Value>,
}

#[async_graphql::ComplexObject]
impl Change {
    /// For an upsert, the record as this change wrote it, in the format of
    /// `lotse import` files (references by slug); `null` for a delete.
    async fn record(&self) -> Option<crate::graphql::scalars::Json> {
        self.record.clone().map(crate::graphql::scalars::Json)
    }
}

/// One page of the change feed.
#[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
pub struct ChangeFeed {
    /// Changes after `since`, oldest first.
    pub items: Vec<Change>,
    /// Where to continue: pass it as `since` (the `seq` of the last item,
    /// or `since` itself when there was nothing new). Valid forever.
    #[schema(example = "1042")]
    pub next_cursor: String,
    /// More changes are waiting now; when `false`, poll `next_cursor` later.
    pub has_more: bool,
}

/// One write in the audit trail: who changed what, when, and how.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    /// The change's position in the change feed.
    pub seq: i64,
    /// The record's collection.
    #[schema(example = "offers")]
    pub collection: String,
    /// The record's id.
    pub id: Uuid,
    /// `upsert` or `delete`.
    pub op: ChangeOp,
    /// The name of the API key that wrote it; `null` for `lotse import`
    /// and the seed.
    #[schema(example = "redaktion-mags")]
    pub actor: Option<String>,
    /// When the change was committed.
    pub changed_at: DateTime<Utc>,
    /// The fields a write through the API changed, each with its old and
    /// new value in the import format: `{"title_de": {"old": "…", "new":
    /// "…"}}`; `null` for imports.
    #[schema(value_type = Option<Object>)]
    pub fields: Option<serde_json::Value>,
}

/// One page of the audit trail, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    /// Pass as `cursor` for the next (older) page; `null` on the last.
    pub next_cursor: Option<String>,
}
