//! `meeting_participants`: who took part in a meeting (partner, person or a group label).
use crate::m20261128_000004_create_partners::Partners;
use crate::m20261128_000006_create_people::People;
use crate::m20261128_000013_create_meetings::Meetings;
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
                    .table(MeetingParticipants::Table)
                    .if_not_exists()
                    .col(uuid(MeetingParticipants::MeetingId))
                    .col(integer(MeetingParticipants::Position))
                    .col(uuid_null(MeetingParticipants::PartnerId))
                    .col(uuid_null(MeetingParticipants::PersonId))
                    .col(string(MeetingParticipants::Role))
                    .col(string(MeetingParticipants::LabelDe))
                    .col(string_null(MeetingParticipants::LabelEn))
                    .primary_key(
                        Index::create()
                            .col(MeetingParticipants::MeetingId)
                            .col(MeetingParticipants::Position),
                    )
                    .foreign_key(&mut fk(
                        "fk_meeting_participants_meeting",
                        MeetingParticipants::Table,
                        MeetingParticipants::MeetingId,
                        Meetings::Table,
                        Meetings::Id,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_meeting_participants_partner",
                        MeetingParticipants::Table,
                        MeetingParticipants::PartnerId,
                        Partners::Table,
                        Partners::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .foreign_key(&mut fk(
                        "fk_meeting_participants_person",
                        MeetingParticipants::Table,
                        MeetingParticipants::PersonId,
                        People::Table,
                        People::Id,
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index_on(
                MeetingParticipants::Table,
                MeetingParticipants::PartnerId,
                "idx_meeting_participants_partner_id",
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MeetingParticipants::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum MeetingParticipants {
    Table,
    MeetingId,
    Position,
    PartnerId,
    PersonId,
    Role,
    LabelDe,
    LabelEn,
}
