//! `offer_regions`: the regions an offer serves.
use crate::m20261128_000001_create_regions::Regions;
use crate::m20261128_000009_create_offers::Offers;
use crate::{fk, index_on};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table(OfferRegions::Table)
            .if_not_exists()
            .col(uuid(OfferRegions::OfferId))
            .col(uuid(OfferRegions::RegionId))
            .primary_key(
                Index::create()
                    .col(OfferRegions::OfferId)
                    .col(OfferRegions::RegionId),
            )
            .foreign_key(&mut fk(
                "fk_offer_regions_offer",
                OfferRegions::Table,
                OfferRegions::OfferId,
                Offers::Table,
                Offers::Id,
                ForeignKeyAction::Cascade,
            ));
        table.foreign_key(&mut fk(
            "fk_offer_regions_region",
            OfferRegions::Table,
            OfferRegions::RegionId,
            Regions::Table,
            Regions::Id,
            ForeignKeyAction::Cascade,
        ));
        manager.create_table(table).await?;
        // The primary key serves "what does offer X have"; this index serves
        // the list filter "which offers have X".
        manager
            .create_index(index_on(
                OfferRegions::Table,
                OfferRegions::RegionId,
                "idx_offer_regions_region_id",
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OfferRegions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum OfferRegions {
    Table,
    OfferId,
    RegionId,
}
