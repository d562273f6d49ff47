//! `partners`: organisations, with kind, alliance group and home region.
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
                    .table(Partners::Table)
                    .if_not_exists()
                    .col(pk_uuid(Partners::Id))
                    .col(string(Partners::Slug).unique_key())
                    .col(string(Partners::Name))
                    .col(string_null(Partners::NameEn))
                    .col(string_null(Partners::ShortName))
                    .col(string(Partners::Kind))
                    .col(string_null(Partners::AllianceGroup))
                    .col(boolean(Partners::AllianceMember))
                    .col(string_null(Partners::Website))
                    .col(text_null(Partners::DescriptionDe))
                    .col(text_null(Partners::DescriptionEn))
                    .col(uuid_null(Partners::RegionId))
                    .col(text(Partners::Source))
                    .col(boolean(Partners::Verified))
                    .col(text_null(Partners::Note))
                    .col(timestamp_with_time_zone(Partners::CreatedAt))
                    .col(timestamp_with_time_zone(Partners::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_partners_region",
                        Partners::Table,
                        Partners::RegionId,
                        Regions::Table,
                        Regions::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        for (column, name) in [
            (Partners::Kind, "idx_partners_kind"),
            (Partners::AllianceGroup, "idx_partners_alliance_group"),
            (Partners::AllianceMember, "idx_partners_alliance_member"),
            (Partners::RegionId, "idx_partners_region_id"),
            (Partners::Name, "idx_partners_name"),
            (Partners::UpdatedAt, "idx_partners_updated_at"),
        ] {
            manager
                .create_index(index_on(Partners::Table, column, name))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Partners::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Partners {
    Table,
    Id,
    Slug,
    Name,
    NameEn,
    ShortName,
    Kind,
    AllianceGroup,
    AllianceMember,
    Website,
    DescriptionDe,
    DescriptionEn,
    RegionId,
    Source,
    Verified,
    Note,
    CreatedAt,
    UpdatedAt,
}
