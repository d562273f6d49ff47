//! `region_members`: member districts of economic and administrative regions.
use crate::fk;
use crate::m20261128_000001_create_regions::Regions;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RegionMembers::Table)
                    .if_not_exists()
                    .col(uuid(RegionMembers::RegionId))
                    .col(uuid(RegionMembers::MemberId))
                    .primary_key(
                        Index::create()
                            .col(RegionMembers::RegionId)
                            .col(RegionMembers::MemberId),
                    )
                    .foreign_key(&mut fk(
                        "fk_region_members_region",
                        RegionMembers::Table,
                        RegionMembers::RegionId,
                        Regions::Table,
                        Regions::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_region_members_member",
                        RegionMembers::Table,
                        RegionMembers::MemberId,
                        Regions::Table,
                        Regions::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        // The primary key serves lookups by region; this one serves "which
        // regions contain district X", used by the region hierarchy filter.
        manager
            .create_index(crate::index_on(
                RegionMembers::Table,
                RegionMembers::MemberId,
                "idx_region_members_member_id",
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RegionMembers::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum RegionMembers {
    Table,
    RegionId,
    MemberId,
}
