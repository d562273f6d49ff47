//! `changes`: the change log, one row per record written, in commit order.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "changes")]
pub struct Model {
    /// Position in the log: increases with every change, never reused.
    #[sea_orm(primary_key)]
    pub seq: i64,
    /// The collection (table) of the record, e.g. `offers`.
    pub collection: String,
    /// The record's id.
    pub record_id: Uuid,
    /// `upsert` or `delete`.
    pub op: String,
    pub changed_at: DateTimeUtc,
    /// Who made the change (API key name); `None` for imports.
    pub actor: Option<String>,
    /// The record as this change wrote it, in the import format (JSON);
    /// `None` for deletes and for entries older than this column.
    pub record: Option<String>,
    /// What a write through the API changed: a JSON object
    /// `{field: {"old": …, "new": …}}`; `None` for imports.
    pub fields: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
