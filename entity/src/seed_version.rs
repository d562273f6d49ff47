//! `seed_versions`: the versions of the shipped seed this database has taken in.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "seed_versions")]
pub struct Model {
    /// `meta.version` of the seed, a semantic version such as `1.1.0`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: String,
    /// When the import of this version was committed.
    pub applied_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
