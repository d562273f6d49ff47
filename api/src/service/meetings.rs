//! Meetings: sessions of the alliance.
use std::collections::HashMap;

use entity::{meeting, meeting_participant, person};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::Ctx;
use super::page::{SortField, SortValue, sort_fields};
use super::refs::{partner_refs, stored};
use super::resource::{Resource, describe, id_and_slug};
use crate::dto::{Meeting, MeetingParticipant, PersonRef};
use crate::error::AppResult;
use crate::vocab::MeetingRole;

/// Sort fields of the meeting list.
pub static SORTS: [SortField<meeting::Entity>; 3] =
    sort_fields!(meeting, "date", Date, Date, |m| SortValue::Date(m.date));

/// Meetings: sessions of the alliance.
pub struct Meetings;

impl Resource for Meetings {
    describe!(meeting => Meeting, filter (), "meetings" / "meeting", sort "-date");
    id_and_slug!(meeting, Meeting);

    /// Rows to DTOs with up to three batched queries (participants, partners
    /// not in the snapshot, people), the first and last only when
    /// `participants` is read.
    async fn hydrate<C: ConnectionTrait>(
        db: &C,
        rows: Vec<meeting::Model>,
        ctx: &Ctx,
    ) -> AppResult<Vec<Meeting>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = rows.iter().map(|m| m.id).collect();
        // Only when asked for: a list without `participants` (REST
        // `fields`, a GraphQL selection) reads neither them nor people.
        let participations = match ctx.selects("participants") {
            true => {
                meeting_participant::Entity::find()
                    .filter(meeting_participant::Column::MeetingId.is_in(ids))
                    .order_by_asc(meeting_participant::Column::Position)
                    .all(db)
                    .await?
            }
            false => Vec::new(),
        };
        let partners = partner_refs(
            db,
            participations
                .iter()
                .filter_map(|p| p.partner_id)
                .chain(rows.iter().filter_map(|m| m.host_id)),
            ctx,
        )
        .await?;
        let person_ids: Vec<Uuid> = participations.iter().filter_map(|p| p.person_id).collect();
        let people: HashMap<Uuid, PersonRef> = if person_ids.is_empty() {
            HashMap::new()
        } else {
            person::Entity::find()
                .filter(person::Column::Id.is_in(person_ids))
                .all(db)
                .await?
                .into_iter()
                .map(|p| {
                    let role = ctx.lang.pick(&p.role_de, p.role_en.as_deref()).to_owned();
                    (
                        p.id,
                        PersonRef {
                            id: p.id,
                            slug: p.slug,
                            name: p.name,
                            role,
                        },
                    )
                })
                .collect()
        };
        let mut participants_of: HashMap<Uuid, Vec<MeetingParticipant>> = HashMap::new();
        for p in participations {
            participants_of
                .entry(p.meeting_id)
                .or_default()
                .push(MeetingParticipant {
                    lang: ctx.lang,
                    role: stored(&p.role, MeetingRole::Participant),
                    label: ctx.lang.pick(&p.label_de, p.label_en.as_deref()).to_owned(),
                    partner: p.partner_id.and_then(|id| partners.get(&id).cloned()),
                    person: p.person_id.and_then(|id| people.get(&id).cloned()),
                });
        }
        Ok(rows
            .into_iter()
            .map(|m| {
                let outcomes = match ctx.lang {
                    crate::vocab::Lang::En if !strings(&m.outcomes_en).is_empty() => {
                        strings(&m.outcomes_en)
                    }
                    _ => strings(&m.outcomes_de),
                };
                Meeting {
                    lang: ctx.lang,
                    id: m.id,
                    uri: ctx.uri("meetings", m.id),
                    title: ctx.lang.pick(&m.title_de, m.title_en.as_deref()).to_owned(),
                    date: m.date,
                    place: m.place,
                    host: m.host_id.and_then(|id| partners.get(&id).cloned()),
                    summary: ctx
                        .lang
                        .pick(&m.summary_de, m.summary_en.as_deref())
                        .to_owned(),
                    outcomes,
                    participants: participants_of.remove(&m.id).unwrap_or_default(),
                    slug: m.slug,
                    source: m.source,
                    created_at: m.created_at,
                    updated_at: m.updated_at,
                }
            })
            .collect())
    }
}

fn strings(json: &serde_json::Value) -> Vec<String> {
    json.as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
