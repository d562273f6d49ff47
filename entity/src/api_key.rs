//! `api_keys`: keys that may write, each with its scopes. Only a hash of the
//! secret is stored.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    /// The key's public id, the part of the key between `lotse_` and `_`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Who holds the key; the actor of its writes in the audit trail.
    #[sea_orm(unique)]
    pub name: String,
    /// SHA-256 of the key's secret part, hex.
    pub secret_hash: String,
    /// Space-separated scopes: `write`, `write:<collection>`, `admin`.
    pub scopes: String,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
    /// Set when the key was revoked; a revoked key authenticates nothing.
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
