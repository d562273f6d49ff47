//! Partners: organisations with their contacts and named office holders.
use std::collections::HashMap;

use entity::{contact, partner, person};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::page::{Listing, PageRequest, Sort, SortField, SortKind, SortValue, fetch_page};
use super::params::QueryParams;
use super::refs::{region_refs, stored};
use super::regions::RegionGraph;
use super::{Ctx, key_condition, q_condition};
use crate::dto::{Contact, Partner, Person};
use crate::error::{AppError, AppResult};
use crate::search::HitKind;
use crate::vocab::{AllianceGroup, ContactKind, PartnerKind};

/// Filters of `GET /api/v1/partners`.
#[derive(Debug, Default, Clone, utoipa::IntoParams, async_graphql::InputObject)]
#[into_params(parameter_in = Query)]
pub struct PartnerFilter {
    /// Any of these kinds.
    #[param(style = Form, explode = false, required = false)]
    #[graphql(default)]
    pub kind: Vec<PartnerKind>,
    /// Any of these alliance groups.
    #[param(style = Form, explode = false, required = false)]
    #[graphql(default)]
    pub alliance_group: Vec<AllianceGroup>,
    /// Only confirmed alliance members (`true`) or only others (`false`).
    #[graphql(default)]
    pub alliance_member: Option<bool>,
    /// Home region in (or containing) any of these regions.
    #[param(style = Form, explode = false, required = false)]
    #[graphql(default)]
    pub region: Vec<String>,
    /// Text in name, short name or description.
    #[graphql(default)]
    pub q: Option<String>,
}

impl PartnerFilter {
    /// Reads the filter's query parameters.
    pub fn parse(p: &mut QueryParams) -> Self {
        Self {
            kind: p.list("kind"),
            alliance_group: p.list("alliance_group"),
            alliance_member: p.boolean("alliance_member"),
            region: p.keys("region"),
            q: p.text("q"),
        }
    }
}

/// Sort fields of the partner list.
pub static SORTS: [SortField<partner::Entity>; 3] = [
    SortField {
        name: "name",
        column: partner::Column::Name,
        kind: SortKind::Text,
        value: |m| SortValue::Text(m.name.clone()),
    },
    SortField {
        name: "created_at",
        column: partner::Column::CreatedAt,
        kind: SortKind::Time,
        value: |m| SortValue::Time(m.created_at),
    },
    SortField {
        name: "updated_at",
        column: partner::Column::UpdatedAt,
        kind: SortKind::Time,
        value: |m| SortValue::Time(m.updated_at),
    },
];

/// The rows matching `filter`, as a query (shared by the list and the stats).
pub(crate) async fn filtered<C: ConnectionTrait>(
    db: &C,
    filter: &PartnerFilter,
    ctx: &Ctx,
) -> AppResult<sea_orm::Select<partner::Entity>> {
    crate::limits::check_filter(filter.q.as_deref(), &[("region", &filter.region)], &[])?;
    let mut select = partner::Entity::find();
    if !filter.kind.is_empty() {
        select = select.filter(partner::Column::Kind.is_in(filter.kind.iter().map(|k| k.as_str())));
    }
    if !filter.alliance_group.is_empty() {
        select = select.filter(
            partner::Column::AllianceGroup.is_in(filter.alliance_group.iter().map(|g| g.as_str())),
        );
    }
    if let Some(member) = filter.alliance_member {
        select = select.filter(partner::Column::AllianceMember.eq(member));
    }
    if !filter.region.is_empty() {
        let graph = RegionGraph::load(db).await?;
        let ids = graph
            .expand("region", &filter.region)
            .map_err(AppError::InvalidParameters)?;
        select = select.filter(partner::Column::RegionId.is_in(ids));
    }
    if let Some(q) = &filter.q {
        select = select.filter(
            q_condition(
                db,
                ctx,
                q,
                HitKind::Partner,
                partner::Column::Id,
                &[
                    partner::Column::Name,
                    partner::Column::NameEn,
                    partner::Column::ShortName,
                    partner::Column::DescriptionDe,
                    partner::Column::DescriptionEn,
                ],
            )
            .await?,
        );
    }
    Ok(select)
}

/// One page of partners.
#[tracing::instrument(name = "service.partners.list", skip_all)]
pub async fn list<C: ConnectionTrait>(
    db: &C,
    filter: &PartnerFilter,
    sort: &Sort<partner::Entity>,
    page: &PageRequest,
    ctx: &Ctx,
) -> AppResult<Listing<Partner>> {
    let select = filtered(db, filter, ctx).await?;
    let mut rows = fetch_page(db, select, sort, partner::Column::Id, |m| m.id, page).await?;
    let items = hydrate(db, std::mem::take(&mut rows.rows), ctx).await?;
    Ok(rows.with_items(items))
}

/// One partner by id or slug.
#[tracing::instrument(name = "service.partners.get", skip(db, ctx))]
pub async fn get<C: ConnectionTrait>(db: &C, key: &str, ctx: &Ctx) -> AppResult<Partner> {
    let not_found = || AppError::NotFound {
        resource: "partner",
        key: key.to_owned(),
    };
    let model = partner::Entity::find()
        .filter(key_condition(
            key,
            partner::Column::Id,
            partner::Column::Slug,
        ))
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    hydrate(db, vec![model], ctx)
        .await?
        .pop()
        .ok_or_else(not_found)
}

/// Partners by id (for GraphQL loaders).
pub async fn by_ids<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
    ctx: &Ctx,
) -> AppResult<HashMap<Uuid, Partner>> {
    let rows =
        super::refs::rows_by_ids::<partner::Entity, _>(db, partner::Column::Id, ids.to_vec())
            .await?;
    Ok(hydrate(db, rows, ctx)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect())
}

/// Turns a page of rows into DTOs with three batched queries (regions,
/// contacts, people), whatever the page size.
async fn hydrate<C: ConnectionTrait>(
    db: &C,
    rows: Vec<partner::Model>,
    ctx: &Ctx,
) -> AppResult<Vec<Partner>> {
    let ids: Vec<Uuid> = rows.iter().map(|p| p.id).collect();
    let regions = region_refs(db, rows.iter().filter_map(|p| p.region_id), ctx).await?;
    let mut contacts: HashMap<Uuid, Vec<Contact>> = HashMap::new();
    if !ids.is_empty() {
        for c in contact::Entity::find()
            .filter(contact::Column::PartnerId.is_in(ids.clone()))
            .order_by_asc(contact::Column::Slug)
            .all(db)
            .await?
        {
            contacts.entry(c.partner_id).or_default().push(Contact {
                id: c.id,
                kind: stored(&c.kind, ContactKind::General),
                label: ctx.lang.pick(&c.label_de, c.label_en.as_deref()).to_owned(),
                phone: c.phone,
                email: c.email,
                url: c.url,
                source: c.source,
            });
        }
    }
    let mut people: HashMap<Uuid, Vec<Person>> = HashMap::new();
    if !ids.is_empty() {
        for p in person::Entity::find()
            .filter(person::Column::PartnerId.is_in(ids))
            .order_by_asc(person::Column::Name)
            .all(db)
            .await?
        {
            if let Some(partner_id) = p.partner_id {
                people.entry(partner_id).or_default().push(Person {
                    id: p.id,
                    role: ctx.lang.pick(&p.role_de, p.role_en.as_deref()).to_owned(),
                    slug: p.slug,
                    name: p.name,
                    year: p.year,
                    source: p.source,
                });
            }
        }
    }
    Ok(rows
        .into_iter()
        .map(|m| Partner {
            lang: ctx.lang,
            id: m.id,
            uri: ctx.uri("partners", m.id),
            name: ctx.lang.pick(&m.name, m.name_en.as_deref()).to_owned(),
            short_name: m.short_name,
            kind: stored(&m.kind, PartnerKind::Other),
            alliance_group: m
                .alliance_group
                .as_deref()
                .and_then(|g| g.parse::<AllianceGroup>().ok()),
            alliance_member: m.alliance_member,
            website: m.website,
            description: ctx
                .lang
                .pick_opt(m.description_de.as_deref(), m.description_en.as_deref()),
            region: m.region_id.and_then(|id| regions.get(&id).cloned()),
            contacts: contacts.remove(&m.id).unwrap_or_default(),
            people: people.remove(&m.id).unwrap_or_default(),
            slug: m.slug,
            source: m.source,
            verified: m.verified,
            note: m.note,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
        .collect())
}
