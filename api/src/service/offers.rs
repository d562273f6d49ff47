//! Offers: transfer and support offers, the heart of the finder.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{offer, offer_region, offer_target_group, offer_topic};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::page::{Listing, PageRequest, Sort, SortField, SortKind, SortValue, fetch_page};
use super::params::QueryParams;
use super::refs::{
    partner_refs, project_refs, region_refs, resolve_partners, resolve_projects, stored, topic_refs,
};
use super::regions::RegionGraph;
use super::{Ctx, key_condition, q_condition, topics};
use crate::dto::{Offer, PartnerRef, RegionRef, TopicRef};
use crate::error::{AppError, AppResult, FieldError};
use crate::search::HitKind;
use crate::vocab::{Cost, OfferKind, PartnerKind, TargetGroup};

/// Filters of `GET /api/v1/offers`. Within one filter, values mean "any of";
/// different filters must all hold.
#[derive(Debug, Default, Clone, utoipa::IntoParams, async_graphql::InputObject)]
#[into_params(parameter_in = Query)]
pub struct OfferFilter {
    /// Tagged with any of these topics (slug or id) or a narrower one.
    #[param(style = Form, explode = false, required = false)]
    #[graphql(default)]
    pub topic: Vec<String>,
    /// Serves any of these regions, something containing them, or something inside them.
    #[param(style = Form, explode = false, required = false)]
    #[graphql(default)]
    pub region: Vec<String>,
    /// For any of these target groups.
    #[param(style = Form, explode = false, required = false)]
    #[graphql(default)]
    pub target_group: Vec<TargetGroup>,
    /// Any of these kinds.
    #[param(style = Form, explode = false, required = false)]
    #[graphql(default)]
    pub kind: Vec<OfferKind>,
    /// Any of these cost classes.
    #[param(style = Form, explode = false, required = false)]
    #[graphql(default)]
    pub cost: Vec<Cost>,
    /// Provided by any of these partners (slug or id).
    #[param(style = Form, explode = false, required = false)]
    #[graphql(default)]
    pub provider: Vec<String>,
    /// Part of any of these projects (slug or id).
    #[param(style = Form, explode = false, required = false)]
    #[graphql(default)]
    pub project: Vec<String>,
    /// Available on this day (not started later, not ended earlier).
    #[graphql(default)]
    pub open_on: Option<NaiveDate>,
    /// Text in title, summary, description or provider note.
    #[graphql(default)]
    pub q: Option<String>,
    /// Changed at or after this instant (incremental sync).
    #[graphql(default)]
    pub updated_since: Option<DateTime<Utc>>,
}

impl OfferFilter {
    /// Reads the filter's query parameters.
    pub fn parse(p: &mut QueryParams) -> Self {
        Self {
            topic: p.keys("topic"),
            region: p.keys("region"),
            target_group: p.list("target_group"),
            kind: p.list("kind"),
            cost: p.list("cost"),
            provider: p.keys("provider"),
            project: p.keys("project"),
            open_on: p.date("open_on"),
            q: p.text("q"),
            updated_since: p.timestamp("updated_since"),
        }
    }
}

/// Sort fields of the offer list.
pub static SORTS: [SortField<offer::Entity>; 3] = [
    SortField {
        name: "title",
        column: offer::Column::TitleDe,
        kind: SortKind::Text,
        value: |m| SortValue::Text(m.title_de.clone()),
    },
    SortField {
        name: "created_at",
        column: offer::Column::CreatedAt,
        kind: SortKind::Time,
        value: |m| SortValue::Time(m.created_at),
    },
    SortField {
        name: "updated_at",
        column: offer::Column::UpdatedAt,
        kind: SortKind::Time,
        value: |m| SortValue::Time(m.updated_at),
    },
];

/// `offers.id IN (SELECT offer_id FROM <join> WHERE <column> IN (values))`.
fn offers_linked<E, V>(join: E, offer_id: E::Column, column: E::Column, values: Vec<V>) -> Condition
where
    E: EntityTrait,
    V: Into<sea_orm::Value>,
{
    Condition::all().add(
        offer::Column::Id.in_subquery(
            Query::select()
                .column(offer_id)
                .from(join)
                .and_where(column.is_in(values))
                .to_owned(),
        ),
    )
}

/// Turns the filter into SQL conditions, resolving slugs and the region and
/// topic hierarchies; reports every unknown key at once.
pub(crate) async fn condition<C: ConnectionTrait>(
    db: &C,
    filter: &OfferFilter,
    ctx: &Ctx,
) -> AppResult<Condition> {
    let mut all = Condition::all();
    let mut errors: Vec<FieldError> = Vec::new();

    match topics::expand(db, "topic", &filter.topic).await? {
        Ok(ids) if !filter.topic.is_empty() => {
            all = all.add(offers_linked(
                offer_topic::Entity,
                offer_topic::Column::OfferId,
                offer_topic::Column::TopicId,
                ids,
            ));
        }
        Ok(_) => {}
        Err(mut e) => errors.append(&mut e),
    }
    if !filter.region.is_empty() {
        match RegionGraph::load(db)
            .await?
            .expand("region", &filter.region)
        {
            Ok(ids) => {
                all = all.add(offers_linked(
                    offer_region::Entity,
                    offer_region::Column::OfferId,
                    offer_region::Column::RegionId,
                    ids,
                ));
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if !filter.target_group.is_empty() {
        all = all.add(offers_linked(
            offer_target_group::Entity,
            offer_target_group::Column::OfferId,
            offer_target_group::Column::TargetGroup,
            filter.target_group.iter().map(|g| g.as_str()).collect(),
        ));
    }
    if !filter.kind.is_empty() {
        all = all.add(offer::Column::Kind.is_in(filter.kind.iter().map(|k| k.as_str())));
    }
    if !filter.cost.is_empty() {
        all = all.add(offer::Column::Cost.is_in(filter.cost.iter().map(|c| c.as_str())));
    }
    if !filter.provider.is_empty() {
        let (ids, unknown) = resolve_partners(db, &filter.provider).await?;
        errors.extend(
            unknown
                .into_iter()
                .map(|k| FieldError::new("provider", format!("unknown partner `{k}`"))),
        );
        all = all.add(offer::Column::ProviderId.is_in(ids));
    }
    if !filter.project.is_empty() {
        let (ids, unknown) = resolve_projects(db, &filter.project).await?;
        errors.extend(
            unknown
                .into_iter()
                .map(|k| FieldError::new("project", format!("unknown project `{k}`"))),
        );
        all = all.add(offer::Column::ProjectId.is_in(ids));
    }
    if let Some(day) = filter.open_on {
        all = all
            .add(
                Condition::any()
                    .add(offer::Column::ValidFrom.is_null())
                    .add(offer::Column::ValidFrom.lte(day)),
            )
            .add(
                Condition::any()
                    .add(offer::Column::ValidUntil.is_null())
                    .add(offer::Column::ValidUntil.gte(day)),
            );
    }
    if let Some(q) = &filter.q {
        all = all.add(
            q_condition(
                db,
                ctx,
                q,
                HitKind::Offer,
                offer::Column::Id,
                &[
                    offer::Column::TitleDe,
                    offer::Column::TitleEn,
                    offer::Column::SummaryDe,
                    offer::Column::SummaryEn,
                    offer::Column::DescriptionDe,
                    offer::Column::DescriptionEn,
                    offer::Column::ProviderNote,
                ],
            )
            .await?,
        );
    }
    if let Some(since) = filter.updated_since {
        all = all.add(offer::Column::UpdatedAt.gte(since));
    }
    if errors.is_empty() {
        Ok(all)
    } else {
        Err(AppError::InvalidParameters(errors))
    }
}

/// One page of offers.
#[tracing::instrument(name = "service.offers.list", skip_all)]
pub async fn list<C: ConnectionTrait>(
    db: &C,
    filter: &OfferFilter,
    sort: &Sort<offer::Entity>,
    page: &PageRequest,
    ctx: &Ctx,
) -> AppResult<Listing<Offer>> {
    let select = offer::Entity::find().filter(condition(db, filter, ctx).await?);
    let mut rows = fetch_page(db, select, sort, offer::Column::Id, |m| m.id, page).await?;
    let items = hydrate(db, std::mem::take(&mut rows.rows), ctx).await?;
    Ok(rows.with_items(items))
}

/// One offer by id or slug.
#[tracing::instrument(name = "service.offers.get", skip(db, ctx))]
pub async fn get<C: ConnectionTrait>(db: &C, key: &str, ctx: &Ctx) -> AppResult<Offer> {
    let not_found = || AppError::NotFound {
        resource: "offer",
        key: key.to_owned(),
    };
    let model = offer::Entity::find()
        .filter(key_condition(key, offer::Column::Id, offer::Column::Slug))
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    hydrate(db, vec![model], ctx)
        .await?
        .pop()
        .ok_or_else(not_found)
}

/// Offers by id (for GraphQL loaders): one batched load, whatever the count.
pub async fn by_ids<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
    ctx: &Ctx,
) -> AppResult<HashMap<Uuid, Offer>> {
    let rows =
        super::refs::rows_by_ids::<offer::Entity, _>(db, offer::Column::Id, ids.to_vec()).await?;
    Ok(hydrate(db, rows, ctx)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect())
}

/// The offers of each of `owners`, where `owner_of` reads the owner from an
/// offer row (provider or project), ordered by title.
async fn grouped_by<C: ConnectionTrait>(
    db: &C,
    condition: Condition,
    owner_of: fn(&offer::Model) -> Option<Uuid>,
    ctx: &Ctx,
) -> AppResult<HashMap<Uuid, Vec<Offer>>> {
    let rows = offer::Entity::find()
        .filter(condition)
        .order_by_asc(offer::Column::TitleDe)
        .order_by_asc(offer::Column::Id)
        .all(db)
        .await?;
    let owners: Vec<Option<Uuid>> = rows.iter().map(owner_of).collect();
    let mut grouped: HashMap<Uuid, Vec<Offer>> = HashMap::new();
    for (offer, owner) in hydrate(db, rows, ctx).await?.into_iter().zip(owners) {
        if let Some(owner) = owner {
            grouped.entry(owner).or_default().push(offer);
        }
    }
    Ok(grouped)
}

/// Offers of each provider (partner id).
pub async fn by_providers<C: ConnectionTrait>(
    db: &C,
    partner_ids: &[Uuid],
    ctx: &Ctx,
) -> AppResult<HashMap<Uuid, Vec<Offer>>> {
    let condition = Condition::all().add(offer::Column::ProviderId.is_in(partner_ids.to_vec()));
    grouped_by(db, condition, |o| Some(o.provider_id), ctx).await
}

/// Offers of each project.
pub async fn by_projects<C: ConnectionTrait>(
    db: &C,
    project_ids: &[Uuid],
    ctx: &Ctx,
) -> AppResult<HashMap<Uuid, Vec<Offer>>> {
    let condition = Condition::all().add(offer::Column::ProjectId.is_in(project_ids.to_vec()));
    grouped_by(db, condition, |o| o.project_id, ctx).await
}

/// Offers linked directly to each of `keys` through a join table (topics or
/// regions), ordered by title.
async fn linked<C: ConnectionTrait>(
    db: &C,
    links: Vec<(Uuid, Uuid)>,
    ctx: &Ctx,
) -> AppResult<HashMap<Uuid, Vec<Offer>>> {
    let offer_ids: Vec<Uuid> = links.iter().map(|(_, offer)| *offer).collect();
    let offers = by_ids(db, &offer_ids, ctx).await?;
    let mut grouped: HashMap<Uuid, Vec<Offer>> = HashMap::new();
    for (key, offer_id) in links {
        if let Some(offer) = offers.get(&offer_id) {
            grouped.entry(key).or_default().push(offer.clone());
        }
    }
    for list in grouped.values_mut() {
        list.sort_by(|a, b| a.title.cmp(&b.title).then(a.id.cmp(&b.id)));
    }
    Ok(grouped)
}

/// Offers tagged with each topic (directly).
pub async fn by_topics<C: ConnectionTrait>(
    db: &C,
    topic_ids: &[Uuid],
    ctx: &Ctx,
) -> AppResult<HashMap<Uuid, Vec<Offer>>> {
    let links = offer_topic::Entity::find()
        .filter(offer_topic::Column::TopicId.is_in(topic_ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.topic_id, l.offer_id))
        .collect();
    linked(db, links, ctx).await
}

/// Offers that name each region among the regions they serve (directly).
pub async fn by_regions<C: ConnectionTrait>(
    db: &C,
    region_ids: &[Uuid],
    ctx: &Ctx,
) -> AppResult<HashMap<Uuid, Vec<Offer>>> {
    let links = offer_region::Entity::find()
        .filter(offer_region::Column::RegionId.is_in(region_ids.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.region_id, l.offer_id))
        .collect();
    linked(db, links, ctx).await
}

/// Rows to DTOs with seven batched queries, whatever the page size:
/// providers, projects, topic links, topics, region links, regions, target groups.
async fn hydrate<C: ConnectionTrait>(
    db: &C,
    rows: Vec<offer::Model>,
    ctx: &Ctx,
) -> AppResult<Vec<Offer>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|o| o.id).collect();
    let providers = partner_refs(db, rows.iter().map(|o| o.provider_id), ctx).await?;
    let projects = project_refs(db, rows.iter().filter_map(|o| o.project_id), ctx).await?;

    let topic_links = offer_topic::Entity::find()
        .filter(offer_topic::Column::OfferId.is_in(ids.clone()))
        .all(db)
        .await?;
    let topics = topic_refs(db, topic_links.iter().map(|l| l.topic_id), ctx).await?;
    let mut topics_of: HashMap<Uuid, Vec<TopicRef>> = HashMap::new();
    for link in &topic_links {
        if let Some(t) = topics.get(&link.topic_id) {
            topics_of.entry(link.offer_id).or_default().push(t.clone());
        }
    }

    let region_links = offer_region::Entity::find()
        .filter(offer_region::Column::OfferId.is_in(ids.clone()))
        .all(db)
        .await?;
    let regions = region_refs(db, region_links.iter().map(|l| l.region_id), ctx).await?;
    let mut regions_of: HashMap<Uuid, Vec<RegionRef>> = HashMap::new();
    for link in &region_links {
        if let Some(r) = regions.get(&link.region_id) {
            regions_of.entry(link.offer_id).or_default().push(r.clone());
        }
    }

    let mut groups_of: HashMap<Uuid, Vec<TargetGroup>> = HashMap::new();
    for link in offer_target_group::Entity::find()
        .filter(offer_target_group::Column::OfferId.is_in(ids))
        .all(db)
        .await?
    {
        if let Ok(group) = link.target_group.parse::<TargetGroup>() {
            groups_of.entry(link.offer_id).or_default().push(group);
        }
    }

    Ok(rows
        .into_iter()
        .map(|m| {
            let mut topics = topics_of.remove(&m.id).unwrap_or_default();
            topics.sort_by(|a, b| a.slug.cmp(&b.slug));
            let mut regions = regions_of.remove(&m.id).unwrap_or_default();
            regions.sort_by(|a, b| a.kind.cmp(&b.kind).then_with(|| a.name.cmp(&b.name)));
            let mut target_groups = groups_of.remove(&m.id).unwrap_or_default();
            target_groups.sort();
            Offer {
                lang: ctx.lang,
                id: m.id,
                uri: ctx.uri("offers", m.id),
                title: ctx.lang.pick(&m.title_de, m.title_en.as_deref()).to_owned(),
                summary: ctx
                    .lang
                    .pick(&m.summary_de, m.summary_en.as_deref())
                    .to_owned(),
                description: ctx
                    .lang
                    .pick_opt(m.description_de.as_deref(), m.description_en.as_deref()),
                kind: stored(&m.kind, OfferKind::Information),
                cost: stored(&m.cost, Cost::Unknown),
                target_groups,
                provider: providers
                    .get(&m.provider_id)
                    .cloned()
                    .unwrap_or_else(|| missing_partner(m.provider_id)),
                provider_note: m.provider_note,
                project: m.project_id.and_then(|id| projects.get(&id).cloned()),
                topics,
                regions,
                valid_from: m.valid_from,
                valid_until: m.valid_until,
                application_deadline: m.application_deadline,
                url: m.url,
                slug: m.slug,
                source: m.source,
                verified: m.verified,
                note: m.note,
                created_at: m.created_at,
                updated_at: m.updated_at,
            }
        })
        .collect())
}

/// The foreign key makes this unreachable; a placeholder beats failing a page.
fn missing_partner(id: Uuid) -> PartnerRef {
    tracing::warn!(%id, "offer provider missing");
    PartnerRef {
        id,
        slug: String::new(),
        name: String::new(),
        short_name: None,
        kind: PartnerKind::Other,
    }
}
