//! `offer_topics`: the topics an offer is tagged with.
use crate::m20261128_000003_create_topics::Topics;
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
            .table(OfferTopics::Table)
            .if_not_exists()
            .col(uuid(OfferTopics::OfferId))
            .col(uuid(OfferTopics::TopicId))
            .primary_key(
                Index::create()
                    .col(OfferTopics::OfferId)
                    .col(OfferTopics::TopicId),
            )
            .foreign_key(&mut fk(
                "fk_offer_topics_offer",
                OfferTopics::Table,
                OfferTopics::OfferId,
                Offers::Table,
                Offers::Id,
                ForeignKeyAction::Cascade,
            ));
        table.foreign_key(&mut fk(
            "fk_offer_topics_topic",
            OfferTopics::Table,
            OfferTopics::TopicId,
            Topics::Table,
            Topics::Id,
            ForeignKeyAction::Cascade,
        ));
        manager.create_table(table).await?;
        // The primary key serves "what does offer X have"; this index serves
        // the list filter "which offers have X".
        manager
            .create_index(index_on(
                OfferTopics::Table,
                OfferTopics::TopicId,
                "idx_offer_topics_topic_id",
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OfferTopics::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum OfferTopics {
    Table,
    OfferId,
    TopicId,
}
