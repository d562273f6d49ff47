//! Projects: the alliance, pilot projects, clusters, networks, programmes, portals.
use std::collections::HashMap;

use entity::{project, project_participant};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};
use uuid::Uuid;

use super::page::{PageRequest, SortField, SortValue, sort_fields};
use super::refs::{partner_refs, region_refs, resolve_partners, stored};
use super::resource::{Resource, by_ids, describe, id_and_slug};
use super::{Ctx, q_condition};
use crate::dto::{HitKind, Participant, Project};
use crate::error::{AppError, AppResult, FieldError};
use crate::vocab::{ParticipantRole, ProjectKind, ProjectStatus};

/// Filters of `GET /api/v1/projects`. A list holds at most 50 values.
#[derive(Debug, Default, Clone, utoipa::IntoParams, async_graphql::InputObject)]
#[into_params(parameter_in = Query)]
pub struct ProjectFilter {
    /// Any of these kinds.
    #[param(style = Form, explode = false, required = false)]
    #[graphql(default)]
    pub kind: Vec<ProjectKind>,
    /// Any of these statuses.
    #[param(style = Form, explode = false, required = false)]
    #[graphql(default)]
    pub status: Vec<ProjectStatus>,
    /// Region in (or containing) any of these regions.
    #[param(style = Form, explode = false, required = false)]
    #[graphql(default)]
    pub region: Vec<String>,
    /// Any of these partners takes part (slug or id).
    #[param(style = Form, explode = false, required = false)]
    #[graphql(default)]
    pub partner: Vec<String>,
    /// Text in name, summary or description: 1 to 200 characters, not all
    /// blank, on one line (no tabs or line breaks).
    #[graphql(default)]
    pub q: Option<String>,
}

impl ProjectFilter {
    /// Checks the filter's bounds (the same for REST and GraphQL).
    pub fn validate(&self) -> AppResult<()> {
        crate::limits::check_filter(
            self.q.as_deref(),
            &[("region", &self.region), ("partner", &self.partner)],
            &[],
        )
    }
}

/// Sort fields of the project list.
pub static SORTS: [SortField<project::Entity>; 3] =
    sort_fields!(project, "name", Name, Text, |m| SortValue::Text(
        m.name.clone()
    ));

/// Projects: the alliance, pilot projects, clusters, networks, programmes,
/// portals.
pub struct Projects;

impl Resource for Projects {
    describe!(project => Project, filter ProjectFilter, "projects" / "project", sort "name");
    id_and_slug!(project, Project);

    async fn filtered<C: ConnectionTrait>(
        db: &C,
        filter: &ProjectFilter,
        ctx: &Ctx,
        _page: Option<&PageRequest>,
    ) -> AppResult<Select<project::Entity>> {
        filter.validate()?;
        let mut select = project::Entity::find();
        let mut errors: Vec<FieldError> = Vec::new();
        if !filter.kind.is_empty() {
            select =
                select.filter(project::Column::Kind.is_in(filter.kind.iter().map(|k| k.as_str())));
        }
        if !filter.status.is_empty() {
            select = select
                .filter(project::Column::Status.is_in(filter.status.iter().map(|s| s.as_str())));
        }
        if !filter.region.is_empty() {
            let graph = &ctx.reference().await?.regions;
            match graph.expand("region", &filter.region) {
                Ok(ids) => select = select.filter(project::Column::RegionId.is_in(ids)),
                Err(mut e) => errors.append(&mut e),
            }
        }
        if !filter.partner.is_empty() {
            let (ids, unknown) = resolve_partners(db, &filter.partner).await?;
            errors.extend(unknown.into_iter().map(|k| {
                FieldError::new(
                    "partner",
                    format!("unknown partner `{}`", crate::limits::quote(&k)),
                )
            }));
            select = select.filter(
                project::Column::Id.in_subquery(
                    Query::select()
                        .column(project_participant::Column::ProjectId)
                        .from(project_participant::Entity)
                        .and_where(project_participant::Column::PartnerId.is_in(ids))
                        .to_owned(),
                ),
            );
        }
        if !errors.is_empty() {
            return Err(AppError::InvalidParameters(errors));
        }
        if let Some(q) = &filter.q {
            select =
                select.filter(q_condition(ctx, q, HitKind::Project, project::Column::Id).await?);
        }
        Ok(select)
    }

    fn held(
        reference: &crate::service::reference::Reference,
    ) -> Option<&HashMap<Uuid, project::Model>> {
        Some(&reference.projects)
    }

    /// Rows to DTOs from the snapshot's reference data (regions,
    /// participants, partners); only projects it does not hold yet (written
    /// by another process since) cost a query for their participants.
    async fn hydrate<C: ConnectionTrait>(
        db: &C,
        rows: Vec<project::Model>,
        ctx: &Ctx,
    ) -> AppResult<Vec<Project>> {
        let reference = ctx.reference().await?;
        let unheld: Vec<Uuid> = rows
            .iter()
            .map(|p| p.id)
            .filter(|id| !reference.projects.contains_key(id))
            .collect();
        let regions = region_refs(db, rows.iter().filter_map(|p| p.region_id), ctx).await?;
        let mut participations: Vec<project_participant::Model> = rows
            .iter()
            .filter_map(|p| reference.participants.get(&p.id))
            .flatten()
            .cloned()
            .collect();
        if !unheld.is_empty() {
            participations.extend(
                project_participant::Entity::find()
                    .filter(project_participant::Column::ProjectId.is_in(unheld))
                    .all(db)
                    .await?,
            );
        }
        let partners = partner_refs(db, participations.iter().map(|p| p.partner_id), ctx).await?;
        let mut participants: HashMap<Uuid, Vec<Participant>> = HashMap::new();
        for p in participations {
            if let Some(partner) = partners.get(&p.partner_id) {
                participants
                    .entry(p.project_id)
                    .or_default()
                    .push(Participant {
                        lang: ctx.lang,
                        partner: partner.clone(),
                        role: stored(&p.role, ParticipantRole::Partner),
                    });
            }
        }
        for list in participants.values_mut() {
            // Initiators and leads first, then by name: the order a reader expects.
            list.sort_by(|a, b| {
                a.role
                    .cmp(&b.role)
                    .then_with(|| a.partner.name.cmp(&b.partner.name))
            });
        }
        Ok(rows
            .into_iter()
            .map(|m| Project {
                lang: ctx.lang,
                id: m.id,
                uri: ctx.uri("projects", m.id),
                name: ctx.lang.pick(&m.name, m.name_en.as_deref()).to_owned(),
                kind: stored(&m.kind, ProjectKind::Network),
                status: stored(&m.status, ProjectStatus::Unknown),
                start_date: m.start_date,
                end_date: m.end_date,
                start_year: m.start_year,
                summary: ctx
                    .lang
                    .pick(&m.summary_de, m.summary_en.as_deref())
                    .to_owned(),
                description: ctx
                    .lang
                    .pick_opt(m.description_de.as_deref(), m.description_en.as_deref()),
                website: m.website,
                region: m.region_id.and_then(|id| regions.get(&id).cloned()),
                member_count: m.member_count,
                facts: m.facts,
                participants: participants.remove(&m.id).unwrap_or_default(),
                slug: m.slug,
                source: m.source,
                verified: m.verified,
                note: m.note,
                created_at: m.created_at,
                updated_at: m.updated_at,
            })
            .collect())
    }
}

/// The projects each partner takes part in, ordered by name.
pub async fn by_partners<C: ConnectionTrait>(
    db: &C,
    partner_ids: &[Uuid],
    ctx: &Ctx,
) -> AppResult<HashMap<Uuid, Vec<Project>>> {
    if partner_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let links = project_participant::Entity::find()
        .filter(project_participant::Column::PartnerId.is_in(partner_ids.to_vec()))
        .all(db)
        .await?;
    let project_ids: Vec<Uuid> = links.iter().map(|l| l.project_id).collect();
    let projects = by_ids::<Projects, _>(db, &project_ids, ctx).await?;
    let mut grouped: HashMap<Uuid, Vec<Project>> = HashMap::new();
    for link in links {
        if let Some(project) = projects.get(&link.project_id) {
            grouped
                .entry(link.partner_id)
                .or_default()
                .push(project.clone());
        }
    }
    for list in grouped.values_mut() {
        list.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    }
    Ok(grouped)
}
