//! `people`: public office holders and guests named in the sources.
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
                    .table(People::Table)
                    .if_not_exists()
                    .col(pk_uuid(People::Id))
                    .col(string(People::Slug).unique_key())
                    .col(string(People::Name))
                    .col(text(People::RoleDe))
                    .col(text_null(People::RoleEn))
                    .col(uuid_null(People::PartnerId))
                    .col(integer_null(People::Year))
                    .col(text(People::Source))
                    .col(text_null(People::Note))
                    .col(timestamp_with_time_zone(People::CreatedAt))
                    .col(timestamp_with_time_zone(People::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_people_partner",
                        People::Table,
                        People::PartnerId,
                        Partners::Table,
                        Partners::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index_on(
                People::Table,
                People::PartnerId,
                "idx_people_partner_id",
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(People::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum People {
    Table,
    Id,
    Slug,
    Name,
    RoleDe,
    RoleEn,
    PartnerId,
    Year,
    Source,
    Note,
    CreatedAt,
    UpdatedAt,
}
