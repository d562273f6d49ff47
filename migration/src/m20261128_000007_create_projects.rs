//! `projects`: the alliance, pilot projects, clusters, networks, programmes and portals.
use crate::m20261128_000001_create_regions::Regions;
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
                    .table(Projects::Table)
                    .if_not_exists()
                    .col(pk_uuid(Projects::Id))
                    .col(string(Projects::Slug).unique_key())
                    .col(string(Projects::Name))
                    .col(string_null(Projects::NameEn))
                    .col(string(Projects::Kind))
                    .col(string(Projects::Status))
                    .col(date_null(Projects::StartDate))
                    .col(date_null(Projects::EndDate))
                    .col(integer_null(Projects::StartYear))
                    .col(text(Projects::SummaryDe))
                    .col(text_null(Projects::SummaryEn))
                    .col(text_null(Projects::DescriptionDe))
                    .col(text_null(Projects::DescriptionEn))
                    .col(string_null(Projects::Website))
                    .col(uuid_null(Projects::RegionId))
                    .col(integer_null(Projects::MemberCount))
                    .col(json_binary(Projects::Facts))
                    .col(text(Projects::Source))
                    .col(boolean(Projects::Verified))
                    .col(text_null(Projects::Note))
                    .col(timestamp_with_time_zone(Projects::CreatedAt))
                    .col(timestamp_with_time_zone(Projects::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_projects_region",
                        Projects::Table,
                        Projects::RegionId,
                        Regions::Table,
                        Regions::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        for (column, name) in [
            (Projects::Kind, "idx_projects_kind"),
            (Projects::Status, "idx_projects_status"),
            (Projects::RegionId, "idx_projects_region_id"),
            (Projects::Name, "idx_projects_name"),
            (Projects::UpdatedAt, "idx_projects_updated_at"),
        ] {
            manager
                .create_index(index_on(Projects::Table, column, name))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Projects::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Projects {
    Table,
    Id,
    Slug,
    Name,
    NameEn,
    Kind,
    Status,
    StartDate,
    EndDate,
    StartYear,
    SummaryDe,
    SummaryEn,
    DescriptionDe,
    DescriptionEn,
    Website,
    RegionId,
    MemberCount,
    Facts,
    Source,
    Verified,
    Note,
    CreatedAt,
    UpdatedAt,
}
