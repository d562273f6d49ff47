//! `offers`: transfer and support offers for SMEs, works councils and others.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "offers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub slug: String,
    pub title_de: String,
    pub title_en: Option<String>,
    pub summary_de: String,
    pub summary_en: Option<String>,
    pub description_de: Option<String>,
    pub description_en: Option<String>,
    pub provider_id: Uuid,
    pub provider_note: Option<String>,
    pub project_id: Option<Uuid>,
    pub kind: String,
    pub cost: String,
    pub valid_from: Option<Date>,
    pub valid_until: Option<Date>,
    pub application_deadline: Option<Date>,
    pub url: Option<String>,
    pub source: String,
    pub verified: bool,
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
