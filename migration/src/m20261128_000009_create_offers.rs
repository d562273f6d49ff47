//! `offers`: transfer and support offers, with validity dates for `open_on`.
use crate::m20261128_000004_create_partners::Partners;
use crate::m20261128_000007_create_projects::Projects;
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
                    .table(Offers::Table)
                    .if_not_exists()
                    .col(pk_uuid(Offers::Id))
                    .col(string(Offers::Slug).unique_key())
                    .col(string(Offers::TitleDe))
                    .col(string_null(Offers::TitleEn))
                    .col(text(Offers::SummaryDe))
                    .col(text_null(Offers::SummaryEn))
                    .col(text_null(Offers::DescriptionDe))
                    .col(text_null(Offers::DescriptionEn))
                    .col(uuid(Offers::ProviderId))
                    .col(text_null(Offers::ProviderNote))
                    .col(uuid_null(Offers::ProjectId))
                    .col(string(Offers::Kind))
                    .col(string(Offers::Cost))
                    .col(date_null(Offers::ValidFrom))
                    .col(date_null(Offers::ValidUntil))
                    .col(date_null(Offers::ApplicationDeadline))
                    .col(string_null(Offers::Url))
                    .col(text(Offers::Source))
                    .col(boolean(Offers::Verified))
                    .col(text_null(Offers::Note))
                    .col(timestamp_with_time_zone(Offers::CreatedAt))
                    .col(timestamp_with_time_zone(Offers::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_offers_provider",
                        Offers::Table,
                        Offers::ProviderId,
                        Partners::Table,
                        Partners::Id,
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_offers_project",
                        Offers::Table,
                        Offers::ProjectId,
                        Projects::Table,
                        Projects::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        for (column, name) in [
            (Offers::ProviderId, "idx_offers_provider_id"),
            (Offers::ProjectId, "idx_offers_project_id"),
            (Offers::Kind, "idx_offers_kind"),
            (Offers::Cost, "idx_offers_cost"),
            (Offers::ValidFrom, "idx_offers_valid_from"),
            (Offers::ValidUntil, "idx_offers_valid_until"),
            (Offers::TitleDe, "idx_offers_title_de"),
            (Offers::CreatedAt, "idx_offers_created_at"),
            (Offers::UpdatedAt, "idx_offers_updated_at"),
        ] {
            manager
                .create_index(index_on(Offers::Table, column, name))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Offers::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
pub enum Offers {
    Table,
    Id,
    Slug,
    TitleDe,
    TitleEn,
    SummaryDe,
    SummaryEn,
    DescriptionDe,
    DescriptionEn,
    ProviderId,
    ProviderNote,
    ProjectId,
    Kind,
    Cost,
    ValidFrom,
    ValidUntil,
    ApplicationDeadline,
    Url,
    Source,
    Verified,
    Note,
    CreatedAt,
    UpdatedAt,
}
