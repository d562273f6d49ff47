//! `changes.record` and `changes.fields`: what the change feed and the
//! audit trail show of a change.
//!
//! - `record`: the record as this change wrote it, in the import format
//!   (JSON), so that replaying the feed in order re-creates every state,
//!   each record's references already in place. `NULL` for deletes and
//!   for entries from before this column (the feed shows the current
//!   record for those).
//! - `fields`: what a write through the API changed, a JSON object
//!   `{field: {"old": …, "new": …}}`; `NULL` for imports.
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261130_000015_create_changes::Changes;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for column in [Added::Record, Added::Fields] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Changes::Table)
                        .add_column(text_null(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Added::Fields, Added::Record] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Changes::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Added {
    Record,
    Fields,
}
