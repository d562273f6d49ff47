//! `projects`: the alliance, pilot projects, clusters, networks, programmes, portals.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    pub name_en: Option<String>,
    pub kind: String,
    pub status: String,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub start_year: Option<i32>,
    pub summary_de: String,
    pub summary_en: Option<String>,
    pub description_de: Option<String>,
    pub description_en: Option<String>,
    pub website: Option<String>,
    pub region_id: Option<Uuid>,
    pub member_count: Option<i32>,
    pub facts: Json,
    pub source: String,
    pub verified: bool,
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
