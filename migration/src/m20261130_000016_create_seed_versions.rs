//! `seed_versions`: which versions of the shipped seed (`meta.version` of
//! `api/seed/seed.json`) this database has taken in, so that a new release
//! upgrades an installation in place once, and never again on later starts.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SeedVersions::Table)
                    .if_not_exists()
                    .col(string(SeedVersions::Version).primary_key())
                    .col(timestamp_with_time_zone(SeedVersions::AppliedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SeedVersions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum SeedVersions {
    Table,
    Version,
    AppliedAt,
}
