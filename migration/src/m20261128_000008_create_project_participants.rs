//! `project_participants`: partners in a project, with their role.
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
                    .table(ProjectParticipants::Table)
                    .if_not_exists()
                    .col(uuid(ProjectParticipants::ProjectId))
                    .col(uuid(ProjectParticipants::PartnerId))
                    .col(string(ProjectParticipants::Role))
                    .primary_key(
                        Index::create()
                            .col(ProjectParticipants::ProjectId)
                            .col(ProjectParticipants::PartnerId),
                    )
                    .foreign_key(&mut fk(
                        "fk_project_participants_project",
                        ProjectParticipants::Table,
                        ProjectParticipants::ProjectId,
                        Projects::Table,
                        Projects::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_project_participants_partner",
                        ProjectParticipants::Table,
                        ProjectParticipants::PartnerId,
                        Partners::Table,
                        Partners::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        // Serves the `partner` filter on projects.
        manager
            .create_index(index_on(
                ProjectParticipants::Table,
                ProjectParticipants::PartnerId,
                "idx_project_participants_partner_id",
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ProjectParticipants::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum ProjectParticipants {
    Table,
    ProjectId,
    PartnerId,
    Role,
}
