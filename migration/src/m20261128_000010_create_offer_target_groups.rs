//! `offer_target_groups`: who an offer is for (sme, works_council …).
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
            .table(OfferTargetGroups::Table)
            .if_not_exists()
            .col(uuid(OfferTargetGroups::OfferId))
            .col(string(OfferTargetGroups::TargetGroup))
            .primary_key(
                Index::create()
                    .col(OfferTargetGroups::OfferId)
                    .col(OfferTargetGroups::TargetGroup),
            )
            .foreign_key(&mut fk(
                "fk_offer_target_groups_offer",
                OfferTargetGroups::Table,
                OfferTargetGroups::OfferId,
                Offers::Table,
                Offers::Id,
                ForeignKeyAction::Cascade,
            ));

        manager.create_table(table).await?;
        // The primary key serves "what does offer X have"; this index serves
        // the list filter "which offers have X".
        manager
            .create_index(index_on(
                OfferTargetGroups::Table,
                OfferTargetGroups::TargetGroup,
                "idx_offer_target_groups_target_group",
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OfferTargetGroups::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum OfferTargetGroups {
    Table,
    OfferId,
    TargetGroup,
}
