//! `changes`: the change log. One row per record written, in commit order;
//! the data's generation is `MAX(seq)` (ARCHITECTURE.md decision 15).
use crate::index_on;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Changes::Table)
                    .if_not_exists()
                    // `big_integer` + auto increment: BIGSERIAL on PostgreSQL,
                    // INTEGER PRIMARY KEY AUTOINCREMENT on SQLite (never reuses
                    // a number, even after the newest row is deleted).
                    .col(big_pk_auto(Changes::Seq))
                    .col(string(Changes::Collection))
                    .col(uuid(Changes::RecordId))
                    .col(string(Changes::Op))
                    .col(timestamp_with_time_zone(Changes::ChangedAt))
                    .col(string_null(Changes::Actor))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index_on(
                Changes::Table,
                Changes::RecordId,
                "idx_changes_record_id",
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Changes::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Changes {
    Table,
    Seq,
    Collection,
    RecordId,
    Op,
    ChangedAt,
    Actor,
}
