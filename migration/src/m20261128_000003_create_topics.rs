//! `topics`: the topic taxonomy (German labels, optional English).
use crate::{fk, index_on};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Topics::Table)
                    .if_not_exists()
                    .col(pk_uuid(Topics::Id))
                    .col(string(Topics::Slug).unique_key())
                    .col(string(Topics::LabelDe))
                    .col(string_null(Topics::LabelEn))
                    .col(text_null(Topics::DescriptionDe))
                    .col(text_null(Topics::DescriptionEn))
                    .col(uuid_null(Topics::ParentId))
                    .col(text(Topics::Source))
                    .col(timestamp_with_time_zone(Topics::CreatedAt))
                    .col(timestamp_with_time_zone(Topics::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_topics_parent",
                        Topics::Table,
                        Topics::ParentId,
                        Topics::Table,
                        Topics::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index_on(
                Topics::Table,
                Topics::ParentId,
                "idx_topics_parent_id",
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Topics::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Topics {
    Table,
    Id,
    Slug,
    LabelDe,
    LabelEn,
    DescriptionDe,
    DescriptionEn,
    ParentId,
    Source,
    CreatedAt,
    UpdatedAt,
}
