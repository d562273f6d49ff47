//! `meetings`: sessions of the alliance.
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
                    .table(Meetings::Table)
                    .if_not_exists()
                    .col(pk_uuid(Meetings::Id))
                    .col(string(Meetings::Slug).unique_key())
                    .col(string(Meetings::TitleDe))
                    .col(string_null(Meetings::TitleEn))
                    .col(date(Meetings::Date))
                    .col(string(Meetings::Place))
                    .col(uuid_null(Meetings::HostId))
                    .col(text(Meetings::SummaryDe))
                    .col(text_null(Meetings::SummaryEn))
                    .col(json_binary(Meetings::OutcomesDe))
                    .col(json_binary(Meetings::OutcomesEn))
                    .col(text(Meetings::Source))
                    .col(timestamp_with_time_zone(Meetings::CreatedAt))
                    .col(timestamp_with_time_zone(Meetings::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_meetings_host",
                        Meetings::Table,
                        Meetings::HostId,
                        Partners::Table,
                        Partners::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index_on(
                Meetings::Table,
                Meetings::Date,
                "idx_meetings_date",
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Meetings::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Meetings {
    Table,
    Id,
    Slug,
    TitleDe,
    TitleEn,
    Date,
    Place,
    HostId,
    SummaryDe,
    SummaryEn,
    OutcomesDe,
    OutcomesEn,
    Source,
    CreatedAt,
    UpdatedAt,
}
