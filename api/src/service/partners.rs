//! Partners: organisations with their contacts and named office holders.
use std::collections::HashMap;

use entity::{contact, partner, person};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select};
use uuid::Uuid;

use super::page::{PageRequest, SortField, SortValue, sort_fields};
use super::refs::{region_refs, stored};
use super::resource::{Resource, describe, id_and_slug};
use super::{Ctx, q_condition};
use crate::dto::{Contact, HitKind, Partner, Person};
use crate::error::{AppError, AppResult};
use crate::vocab::{AllianceGroup, ContactKind, PartnerKind};

/// Filters of `GET /api/v1/partners`. A list holds at most 50 values.
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
    /// Text in name, short name or description: 1 to 200 characters, not
    /// all blank, on one line (no tabs or line breaks).
    #[graphql(default)]
    pub q: Option<String>,
}

impl PartnerFilter {
    /// Checks the filter's bounds (the same for REST and GraphQL).
    pub fn validate(&self) -> AppResult<()> {
        crate::limits::check_filter(self.q.as_deref(), &[("region", &self.region)], &[])
    }
}

/// Sort fields of the partner list.
pub static SORTS: [SortField<partner::Entity>; 3] =
    sort_fields!(partner, "name", Name, Text, |m| SortValue::Text(
        m.name.clone()
    ));

/// Partners: organisations with their contacts and named office holders.
pub struct Partners;

impl Resource for Partners {
    describe!(partner => Partner, filter PartnerFilter, "partners" / "partner", sort "name");
    id_and_slug!(partner, Partner);

    async fn filtered<C: ConnectionTrait>(
        _db: &C,
        filter: &PartnerFilter,
        ctx: &Ctx,
        _page: Option<&PageRequest>,
    ) -> AppResult<Select<partner::Entity>> {
        filter.validate()?;
        let mut select = partner::Entity::find();
        if !filter.kind.is_empty() {
            select =
                select.filter(partner::Column::Kind.is_in(filter.kind.iter().map(|k| k.as_str())));
        }
        if !filter.alliance_group.is_empty() {
            select = select.filter(
                partner::Column::AllianceGroup
                    .is_in(filter.alliance_group.iter().map(|g| g.as_str())),
            );
        }
        if let Some(member) = filter.alliance_member {
            select = select.filter(partner::Column::AllianceMember.eq(member));
        }
        if !filter.region.is_empty() {
            let ids = ctx
                .reference()
                .await?
                .regions
                .expand("region", &filter.region)
                .map_err(AppError::InvalidParameters)?;
            select = select.filter(partner::Column::RegionId.is_in(ids));
        }
        if let Some(q) = &filter.q {
            select =
                select.filter(q_condition(ctx, q, HitKind::Partner, partner::Column::Id).await?);
        }
        Ok(select)
    }

    fn held(
        reference: &crate::service::reference::Reference,
    ) -> Option<&HashMap<Uuid, partner::Model>> {
        Some(&reference.partners)
    }

    /// Turns a page of rows into DTOs from the snapshot's reference data
    /// (regions, contacts, people); only partners it does not hold yet
    /// (written by another process since) cost two batched queries.
    async fn hydrate<C: ConnectionTrait>(
        db: &C,
        rows: Vec<partner::Model>,
        ctx: &Ctx,
    ) -> AppResult<Vec<Partner>> {
        let regions = region_refs(db, rows.iter().filter_map(|p| p.region_id), ctx).await?;
        let reference = ctx.reference().await?;
        let unheld: Vec<Uuid> = rows
            .iter()
            .map(|p| p.id)
            .filter(|id| !reference.partners.contains_key(id))
            .collect();
        let mut read_contacts: HashMap<Uuid, Vec<contact::Model>> = HashMap::new();
        let mut read_people: HashMap<Uuid, Vec<person::Model>> = HashMap::new();
        if !unheld.is_empty() {
            for c in contact::Entity::find()
                .filter(contact::Column::PartnerId.is_in(unheld.clone()))
                .order_by_asc(contact::Column::Slug)
                .all(db)
                .await?
            {
                read_contacts.entry(c.partner_id).or_default().push(c);
            }
            for p in person::Entity::find()
                .filter(person::Column::PartnerId.is_in(unheld))
                .order_by_asc(person::Column::Name)
                .all(db)
                .await?
            {
                if let Some(partner_id) = p.partner_id {
                    read_people.entry(partner_id).or_default().push(p);
                }
            }
        }
        let contacts_of = |id: &Uuid| -> Vec<Contact> {
            let rows = reference.contacts.get(id).or_else(|| read_contacts.get(id));
            rows.into_iter()
                .flatten()
                .map(|c| contact(c, ctx))
                .collect()
        };
        let people_of = |id: &Uuid| -> Vec<Person> {
            let rows = reference.people.get(id).or_else(|| read_people.get(id));
            rows.into_iter().flatten().map(|p| person(p, ctx)).collect()
        };
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
                contacts: contacts_of(&m.id),
                people: people_of(&m.id),
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

/// A stored contact as its public type.
fn contact(c: &contact::Model, ctx: &Ctx) -> Contact {
    Contact {
        id: c.id,
        kind: stored(&c.kind, ContactKind::General),
        label: ctx.lang.pick(&c.label_de, c.label_en.as_deref()).to_owned(),
        phone: c.phone.clone(),
        email: c.email.clone(),
        url: c.url.clone(),
        source: c.source.clone(),
    }
}

/// A stored person as its public type.
fn person(p: &person::Model, ctx: &Ctx) -> Person {
    Person {
        id: p.id,
        role: ctx.lang.pick(&p.role_de, p.role_en.as_deref()).to_owned(),
        slug: p.slug.clone(),
        name: p.name.clone(),
        year: p.year,
        source: p.source.clone(),
    }
}
