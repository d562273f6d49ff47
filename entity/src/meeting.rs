//! `meetings`: sessions of the alliance.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "meetings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub slug: String,
    pub title_de: String,
    pub title_en: Option<String>,
    pub date: Date,
    pub place: String,
    pub host_id: Option<Uuid>,
    pub summary_de: String,
    pub summary_en: Option<String>,
    /// JSON array of strings (German).
    pub outcomes_de: Json,
    /// JSON array of strings (English).
    pub outcomes_en: Json,
    pub source: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
