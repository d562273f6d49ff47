//! `contacts`: organisational press/citizen contacts of a partner.
use crate::m20261128_000004_create_partners::Partners;
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
                    .table(Contacts::Table)
                    .if_not_exists()
                    .col(pk_uuid(Contacts::Id))
                    .col(string(Contacts::Slug).unique_key())
                    .col(uuid(Contacts::PartnerId))
                    .col(string(Contacts::Kind))
                    .col(string(Contacts::LabelDe))
                    .col(string_null(Contacts::LabelEn))
                    .col(string_null(Contacts::Phone))
                    .col(string_null(Contacts::Email))
                    .col(string_null(Contacts::Url))
                    .col(text(Contacts::Source))
                    .col(timestamp_with_time_zone(Contacts::CreatedAt))
                    .col(timestamp_with_time_zone(Contacts::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_contacts_partner",
                        Contacts::Table,
                        Contacts::PartnerId,
                        Partners::Table,
                        Partners::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index_on(
                Contacts::Table,
                Contacts::PartnerId,
                "idx_contacts_partner_id",
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Contacts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Contacts {
    Table,
    Id,
    Slug,
    PartnerId,
    Kind,
    LabelDe,
    LabelEn,
    Phone,
    Email,
    Url,
    Source,
    CreatedAt,
    UpdatedAt,
}
