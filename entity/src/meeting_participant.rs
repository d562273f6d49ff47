//! `meeting_participants`: who took part in a meeting, and how.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "meeting_participants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub meeting_id: Uuid,
    /// Position in the source's list; also keeps the order stable.
    #[sea_orm(primary_key, auto_increment = false)]
    pub position: i32,
    pub partner_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub role: String,
    pub label_de: String,
    pub label_en: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
