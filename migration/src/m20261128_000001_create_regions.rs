//! `regions`: a tree (parent_id) with official keys (ARS/AGS, NUTS).
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
                    .table(Regions::Table)
                    .if_not_exists()
                    .col(pk_uuid(Regions::Id))
                    .col(string(Regions::Slug).unique_key())
                    .col(string(Regions::Name))
                    .col(string_null(Regions::NameEn))
                    .col(string(Regions::Kind))
                    .col(string_null(Regions::Ars).unique_key())
                    .col(string_null(Regions::Nuts).unique_key())
                    .col(uuid_null(Regions::ParentId))
                    .col(text(Regions::Source))
                    .col(boolean(Regions::Verified))
                    .col(text_null(Regions::Note))
                    .col(timestamp_with_time_zone(Regions::CreatedAt))
                    .col(timestamp_with_time_zone(Regions::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_regions_parent",
                        Regions::Table,
                        Regions::ParentId,
                        Regions::Table,
                        Regions::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index_on(Regions::Table, Regions::Kind, "idx_regions_kind"))
            .await?;
        manager
            .create_index(index_on(
                Regions::Table,
                Regions::ParentId,
                "idx_regions_parent_id",
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Regions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Regions {
    Table,
    Id,
    Slug,
    Name,
    NameEn,
    Kind,
    Ars,
    Nuts,
    ParentId,
    Source,
    Verified,
    Note,
    CreatedAt,
    UpdatedAt,
}
