//! Offers: transfer and support offers, the heart of the finder.
use std::collections::HashMap;
use std::future::Future;

use entity::{offer, offer_region, offer_target_group, offer_topic};
use sea_orm::sea_query::{Expr, Query, UnionType};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::Ctx;
use super::matching::{OfferFacts, OfferTexts};
use super::page::{PageRequest, Planned, Sort, SortField, SortValue, sort_fields};
use super::refs::{partner_refs, project_refs, region_refs, stored, topic_refs};
use super::resource::{Resource, describe, id_and_slug};
use super::selection::{OfferSelection, plan_page};
use crate::dto::{Offer, PartnerRef, RegionRef, TopicRef};
use crate::error::AppResult;
use crate::vocab::{Cost, OfferKind, PartnerKind, TargetGroup};

/// Filters of `GET /api/v1/offers`. Within one filter, values mean "any of";
/// different filters must all hold. A list holds at most 50 values.
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
    /// Available on this day: not started later, not ended earlier, and its
    /// application deadline, if it has one, not passed.
    #[graphql(default)]
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub open_on: Option<crate::graphql::scalars::Date>,
    /// Text in title, summary, description or provider note: 1 to 200
    /// characters, not all blank, on one line (no tabs or line breaks).
    #[graphql(default)]
    pub q: Option<String>,
    /// Changed at or after this instant (incremental sync).
    #[graphql(default)]
    #[param(value_type = Option<chrono::DateTime<chrono::Utc>>)]
    pub updated_since: Option<crate::graphql::scalars::DateTime>,
}

impl OfferFilter {
    /// Checks the filter's bounds (the same for REST, GraphQL, search and
    /// stats).
    pub fn validate(&self) -> AppResult<()> {
        crate::limits::check_filter(
            self.q.as_deref(),
            &[
                ("topic", &self.topic),
                ("region", &self.region),
                ("provider", &self.provider),
                ("project", &self.project),
            ],
            &[
                ("open_on", self.open_on.map(|d| d.0)),
                (
                    "updated_since",
                    self.updated_since.map(|t| t.0.date_naive()),
                ),
            ],
        )
    }
}

/// Sort fields of the offer list.
pub static SORTS: [SortField<offer::Entity>; 3] =
    sort_fields!(offer, "title", TitleDe, Text, |m| SortValue::Text(
        m.title_de.clone()
    ));

/// Offers: transfer and support offers.
pub struct Offers;

impl Resource for Offers {
    describe!(offer => Offer, filter OfferFilter, "offers" / "offer", sort "title");
    const LINK_FIELDS: &'static [&'static str] = &["topics", "regions", "targetGroups"];
    id_and_slug!(offer, Offer);

    // Pages are planned and made in memory (`service::selection`), so the
    // list never asks for `filtered` rows.
    async fn planned(
        filter: &OfferFilter,
        sort: &Sort<offer::Entity>,
        page: &PageRequest,
        ctx: &Ctx,
    ) -> AppResult<Option<Planned<offer::Model>>> {
        let selection = OfferSelection::resolve(filter, ctx).await?;
        let snapshot = ctx.snapshot().await?;
        let texts = ctx.selects_any(TEXT_FIELDS);
        plan_page(&snapshot.corpus, &selection, sort, page, |f| {
            row_of(f, texts)
        })
        .map(Some)
    }

    fn hydrate<C: ConnectionTrait>(
        db: &C,
        rows: Vec<offer::Model>,
        ctx: &Ctx,
    ) -> impl Future<Output = AppResult<Vec<Offer>>> + Send {
        hydrate(db, rows, ctx)
    }
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
    // At most RELATION_LIMIT per owner are hydrated: the rest is never shown.
    let mut counts: HashMap<Uuid, usize> = HashMap::new();
    let rows: Vec<offer::Model> = rows
        .into_iter()
        .filter(|row| {
            owner_of(row).is_some_and(|owner| {
                let count = counts.entry(owner).or_default();
                *count += 1;
                *count <= RELATION_LIMIT
            })
        })
        .collect();
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

/// Most offers a relation list (the offers of a provider, project, topic or
/// region) holds: the first by title. GraphQL's relation fields page within
/// it (`first`); beyond it, the root `offers(filter: …)` connection pages.
/// Only these are hydrated, so a topic with thousands of offers costs a
/// title scan, not thousands of hydrated offers.
pub const RELATION_LIMIT: usize = 100;

/// Offers linked directly to each of `keys` through a join table (topics or
/// regions), ordered by title, at most [`RELATION_LIMIT`] per key.
async fn linked<C: ConnectionTrait>(
    db: &C,
    links: Vec<(Uuid, Uuid)>,
    ctx: &Ctx,
) -> AppResult<HashMap<Uuid, Vec<Offer>>> {
    let links = first_by_title(db, links, ctx).await?;
    let offer_ids: Vec<Uuid> = links.iter().map(|(_, offer)| *offer).collect();
    let offers = super::resource::by_ids::<Offers, _>(db, &offer_ids, ctx).await?;
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

/// The links whose offers are among the first [`RELATION_LIMIT`] of their
/// key by title (in `ctx`'s language, then id), reading titles only.
async fn first_by_title<C: ConnectionTrait>(
    db: &C,
    links: Vec<(Uuid, Uuid)>,
    ctx: &Ctx,
) -> AppResult<Vec<(Uuid, Uuid)>> {
    let mut per_key: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (key, offer) in links {
        per_key.entry(key).or_default().push(offer);
    }
    if per_key
        .values()
        .all(|offers| offers.len() <= RELATION_LIMIT)
    {
        return Ok(per_key
            .into_iter()
            .flat_map(|(key, offers)| offers.into_iter().map(move |o| (key, o)))
            .collect());
    }
    let mut ids: Vec<Uuid> = per_key.values().flatten().copied().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut titles: HashMap<Uuid, String> = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(10_000) {
        let rows: Vec<(Uuid, String, Option<String>)> = offer::Entity::find()
            .select_only()
            .column(offer::Column::Id)
            .column(offer::Column::TitleDe)
            .column(offer::Column::TitleEn)
            .filter(offer::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        for (id, de, en) in rows {
            titles.insert(id, ctx.lang.pick(&de, en.as_deref()).to_owned());
        }
    }
    let mut kept = Vec::new();
    for (key, mut offers) in per_key {
        if offers.len() > RELATION_LIMIT {
            offers.sort_by(|a, b| titles.get(a).cmp(&titles.get(b)).then(a.cmp(b)));
            offers.truncate(RELATION_LIMIT);
        }
        kept.extend(offers.into_iter().map(|o| (key, o)));
    }
    Ok(kept)
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

/// Offers hydrated per batch: keeps every `IN (…)` list of [`hydrate`] far
/// below SQLite's limit of 32,766 bound variables, which a relation list
/// of thousands of offers (`Topic.offers` on 20,000 offers) exceeded.
const HYDRATE_CHUNK: usize = 2_000;

/// Rows to DTOs with one query per [`HYDRATE_CHUNK`] rows, whatever the
/// page size: the links ([`Links::of`]); providers, projects, topics and
/// regions come from the snapshot's reference data.
async fn hydrate<C: ConnectionTrait>(
    db: &C,
    mut rows: Vec<offer::Model>,
    ctx: &Ctx,
) -> AppResult<Vec<Offer>> {
    let mut offers = Vec::with_capacity(rows.len());
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(HYDRATE_CHUNK));
        offers.extend(hydrate_batch(db, rows, ctx).await?);
        rows = rest;
    }
    Ok(offers)
}

/// The links of a batch of offers: (offer, topic), (offer, region) and
/// (offer, target group) pairs.
#[derive(Debug, Default)]
struct Links {
    topics: Vec<(Uuid, Uuid)>,
    regions: Vec<(Uuid, Uuid)>,
    groups: Vec<(Uuid, TargetGroup)>,
}

impl Links {
    /// The links of `rows`: from the snapshot's corpus for every row it
    /// holds at the same version (`updated_at`, which every change of an
    /// offer's links moves), from the database ([`Links::of`]) for the
    /// others — rows written by another process since the snapshot. So a
    /// page of the current generation reads no link table.
    async fn of_rows<C: ConnectionTrait>(
        db: &C,
        rows: &[offer::Model],
        ctx: &Ctx,
    ) -> AppResult<Self> {
        let snapshot = ctx.snapshot().await?;
        let mut links = Links::default();
        let mut unknown = Vec::new();
        for row in rows {
            match snapshot.corpus.get(row.id) {
                Some(facts) if facts.updated_at == row.updated_at => {
                    links
                        .topics
                        .extend(facts.topics.iter().map(|t| (row.id, *t)));
                    links
                        .regions
                        .extend(facts.regions.iter().map(|(r, _)| (row.id, *r)));
                    links
                        .groups
                        .extend(facts.target_groups.iter().map(|g| (row.id, g)));
                }
                _ => unknown.push(row.id),
            }
        }
        if !unknown.is_empty() {
            let read = Links::of(db, unknown).await?;
            links.topics.extend(read.topics);
            links.regions.extend(read.regions);
            links.groups.extend(read.groups);
        }
        Ok(links)
    }

    /// Reads the three link tables of `ids` in one statement (`UNION ALL`,
    /// each row tagged with its table): one round trip instead of three.
    ///
    /// Rejected: aggregating the links into the page statement (correlated
    /// `json_agg` / `json_group_array` subqueries, or a CTE of the page
    /// joined to them) to make a page one statement: PostgreSQL spent more
    /// on the per-row subplans than the round trip saved, and SQLite showed
    /// no gain (bench/RESULTS.md, 2026-12-01).
    async fn of<C: ConnectionTrait>(db: &C, ids: Vec<Uuid>) -> AppResult<Self> {
        const TOPIC: i32 = 0;
        const REGION: i32 = 1;
        const GROUP: i32 = 2;
        let null = || Expr::cust("NULL");
        let mut query = Query::select()
            .column(offer_topic::Column::OfferId)
            .expr(Expr::val(TOPIC))
            .column(offer_topic::Column::TopicId)
            .expr(null())
            .from(offer_topic::Entity)
            .and_where(offer_topic::Column::OfferId.is_in(ids.clone()))
            .to_owned();
        let regions = Query::select()
            .column(offer_region::Column::OfferId)
            .expr(Expr::val(REGION))
            .column(offer_region::Column::RegionId)
            .expr(null())
            .from(offer_region::Entity)
            .and_where(offer_region::Column::OfferId.is_in(ids.clone()))
            .to_owned();
        let groups = Query::select()
            .column(offer_target_group::Column::OfferId)
            .expr(Expr::val(GROUP))
            .expr(null())
            .column(offer_target_group::Column::TargetGroup)
            .from(offer_target_group::Entity)
            .and_where(offer_target_group::Column::OfferId.is_in(ids))
            .to_owned();
        query
            .union(UnionType::All, regions)
            .union(UnionType::All, groups);
        let statement = db.get_database_backend().build(&query);
        let mut links = Links::default();
        for row in db.query_all_raw(statement).await? {
            let offer_id: Uuid = row.try_get_by_index(0)?;
            match row.try_get_by_index::<i32>(1)? {
                TOPIC => links.topics.push((offer_id, row.try_get_by_index(2)?)),
                REGION => links.regions.push((offer_id, row.try_get_by_index(2)?)),
                _ => {
                    let group: String = row.try_get_by_index(3)?;
                    match group.parse::<TargetGroup>() {
                        Ok(group) => links.groups.push((offer_id, group)),
                        Err(err) => tracing::warn!(%err, "unknown target group in the database"),
                    }
                }
            }
        }
        Ok(links)
    }
}

async fn hydrate_batch<C: ConnectionTrait>(
    db: &C,
    rows: Vec<offer::Model>,
    ctx: &Ctx,
) -> AppResult<Vec<Offer>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    // Summaries only when read (REST `fields`, a GraphQL selection).
    let read_providers = ctx.selects("provider");
    let providers = match read_providers {
        true => partner_refs(db, rows.iter().map(|o| o.provider_id), ctx).await?,
        false => HashMap::new(),
    };
    let projects = match ctx.selects("project") {
        true => project_refs(db, rows.iter().filter_map(|o| o.project_id), ctx).await?,
        false => HashMap::new(),
    };

    // Only what was asked: a GraphQL list selecting no link field reads none.
    let links = match ctx.selects_any(Offers::LINK_FIELDS) {
        true => Links::of_rows(db, &rows, ctx).await?,
        false => Links::default(),
    };
    let topics = topic_refs(db, links.topics.iter().map(|l| l.1), ctx).await?;
    let mut topics_of: HashMap<Uuid, Vec<TopicRef>> = HashMap::new();
    for (offer_id, topic_id) in &links.topics {
        if let Some(t) = topics.get(topic_id) {
            topics_of.entry(*offer_id).or_default().push(t.clone());
        }
    }
    let regions = region_refs(db, links.regions.iter().map(|l| l.1), ctx).await?;
    let mut regions_of: HashMap<Uuid, Vec<RegionRef>> = HashMap::new();
    for (offer_id, region_id) in &links.regions {
        if let Some(r) = regions.get(region_id) {
            regions_of.entry(*offer_id).or_default().push(r.clone());
        }
    }
    let mut groups_of: HashMap<Uuid, Vec<TargetGroup>> = HashMap::new();
    for (offer_id, group) in links.groups {
        groups_of.entry(offer_id).or_default().push(group);
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
                title: ctx.lang.take(m.title_de, m.title_en),
                summary: ctx.lang.take(m.summary_de, m.summary_en),
                description: ctx.lang.take_opt(m.description_de, m.description_en),
                kind: stored(&m.kind, OfferKind::Information),
                cost: stored(&m.cost, Cost::Unknown),
                target_groups,
                provider: match providers.get(&m.provider_id) {
                    Some(provider) => provider.clone(),
                    None if !read_providers => unread_partner(m.provider_id),
                    None => missing_partner(m.provider_id),
                },
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

/// The GraphQL fields of an offer whose values are its [`OfferTexts`].
const TEXT_FIELDS: &[&str] = &[
    "summary",
    "description",
    "providerNote",
    "url",
    "source",
    "note",
];

/// An offer row from the snapshot's facts: every column as stored, or,
/// unless `with_texts`, the [`OfferTexts`] left empty (a GraphQL page
/// selecting none of [`TEXT_FIELDS`] does not copy them).
fn row_of(facts: &OfferFacts, with_texts: bool) -> offer::Model {
    let empty = OfferTexts::default();
    let texts = if with_texts { &*facts.texts } else { &empty };
    let text = |t: &Option<Box<str>>| t.as_deref().map(str::to_owned);
    offer::Model {
        id: facts.id,
        slug: facts.slug.clone(),
        title_de: facts.title_de.clone(),
        title_en: facts.title_en.clone(),
        summary_de: texts.summary_de.to_string(),
        summary_en: text(&texts.summary_en),
        description_de: text(&texts.description_de),
        description_en: text(&texts.description_en),
        provider_id: facts.provider_id,
        provider_note: text(&texts.provider_note),
        project_id: facts.project_id,
        kind: facts.kind.as_str().to_owned(),
        cost: facts.cost.as_str().to_owned(),
        valid_from: facts.valid_from,
        valid_until: facts.valid_until,
        application_deadline: facts.application_deadline,
        url: text(&texts.url),
        source: texts.source.to_string(),
        verified: facts.verified,
        note: text(&texts.note),
        created_at: facts.created_at,
        updated_at: facts.updated_at,
    }
}

/// The foreign key makes this unreachable; a placeholder beats failing a page.
fn missing_partner(id: Uuid) -> PartnerRef {
    tracing::warn!(%id, "offer provider missing");
    unread_partner(id)
}

/// The provider of an offer whose `provider` is not read (a sparse
/// fieldset or a GraphQL selection without it): never shown.
fn unread_partner(id: Uuid) -> PartnerRef {
    PartnerRef {
        id,
        slug: String::new(),
        name: String::new(),
        short_name: None,
        kind: PartnerKind::Other,
    }
}
