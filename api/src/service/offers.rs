//! Offers: transfer and support offers, the heart of the finder.
use std::collections::HashMap;
use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{offer, offer_region, offer_target_group, offer_topic};
use sea_orm::sea_query::{
    Alias, Asterisk, DynIden, Expr, ExprTrait, IntoIden, Query, SimpleExpr, UnionType,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Select,
};
use uuid::Uuid;

use super::page::{PageRequest, SortField, SortValue, sort_fields};
use super::refs::{
    partner_refs, project_refs, region_refs, resolve_partners, resolve_projects, stored, topic_refs,
};
use super::resource::{Resource, describe, id_and_slug};
use super::{Ctx, q_condition};
use crate::dto::{HitKind, Offer, PartnerRef, RegionRef, TopicRef};
use crate::error::{AppError, AppResult, FieldError};
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
    /// Available on this day: not started later, not ended earlier, and its
    /// application deadline, if it has one, not passed.
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
                ("open_on", self.open_on),
                ("updated_since", self.updated_since.map(|t| t.date_naive())),
            ],
        )
    }
}

/// Sort fields of the offer list.
pub static SORTS: [SortField<offer::Entity>; 3] =
    sort_fields!(offer, "title", TitleDe, Text, |m| SortValue::Text(
        m.title_de.clone()
    ));

/// A table linking offers to topics, regions or target groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Topic,
    Region,
    TargetGroup,
}

impl Link {
    /// `(table, offer_id column, value column)`.
    fn parts(self) -> (DynIden, DynIden, DynIden) {
        fn of<E: EntityTrait>(
            table: E,
            offer_id: E::Column,
            value: E::Column,
        ) -> (DynIden, DynIden, DynIden) {
            (table.into_iden(), offer_id.into_iden(), value.into_iden())
        }
        match self {
            Link::Topic => of(
                offer_topic::Entity,
                offer_topic::Column::OfferId,
                offer_topic::Column::TopicId,
            ),
            Link::Region => of(
                offer_region::Entity,
                offer_region::Column::OfferId,
                offer_region::Column::RegionId,
            ),
            Link::TargetGroup => of(
                offer_target_group::Entity,
                offer_target_group::Column::OfferId,
                offer_target_group::Column::TargetGroup,
            ),
        }
    }
}

/// One filter on a link table: offers linked to any of `values`.
#[derive(Debug)]
struct LinkFilter {
    link: Link,
    values: Vec<sea_orm::Value>,
}

impl LinkFilter {
    fn new<V: Into<sea_orm::Value>>(link: Link, values: impl IntoIterator<Item = V>) -> Self {
        Self {
            link,
            values: values.into_iter().map(Into::into).collect(),
        }
    }

    /// `offers.id IN (SELECT offer_id FROM link WHERE value IN (…))`: the
    /// links are read first and drive the query.
    fn driving(&self) -> SimpleExpr {
        let (table, offer_id, value) = self.link.parts();
        Expr::col((offer::Entity, offer::Column::Id)).in_subquery(
            Query::select()
                .column(offer_id)
                .from(table)
                .and_where(Expr::col(value).is_in(self.values.clone()))
                .to_owned(),
        )
    }

    /// `EXISTS (SELECT 1 FROM link WHERE offer_id = offers.id AND value IN
    /// (…))`: one primary-key probe per offer the query already reads.
    fn probing(&self) -> SimpleExpr {
        let (table, offer_id, value) = self.link.parts();
        Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(table.clone())
                .and_where(
                    Expr::col((table.clone(), offer_id)).equals((offer::Entity, offer::Column::Id)),
                )
                .and_where(Expr::col((table, value)).is_in(self.values.clone()))
                .to_owned(),
        )
    }

    /// `(SELECT COUNT(*) FROM link WHERE value IN (…))`: an upper bound of
    /// the offers it matches, read from the value index alone.
    fn count(&self) -> SimpleExpr {
        let (table, _, value) = self.link.parts();
        SimpleExpr::SubQuery(
            None,
            Box::new(
                Query::select()
                    .expr(Expr::col(Asterisk).count())
                    .from(table)
                    .and_where(Expr::col(value).is_in(self.values.clone()))
                    .to_owned()
                    .into(),
            ),
        )
    }
}

/// How a query will read the offers a filter selects; decides how link-table
/// filters (topic, region, target group) are written.
///
/// Why: no single SQL shape is fast for every filter, and SQLite does not
/// choose between them itself. Measured with `sqlite3` on 20,000 generated
/// offers (topic + region filter, 1,960 matches): `IN (subquery)` collects
/// every match and sorts it for a page of 20 (15 ms); correlated `EXISTS`
/// walks the title index and stops after 21 (0.2 ms) — but when only 52
/// offers match, the same walk reads 8,000 rows (15 ms) while driving from
/// the rare topic's links takes under 1 ms. PostgreSQL's planner rewrites
/// both shapes into the same semi-join, so there the link filters are always
/// written as `EXISTS` and nothing is counted.
/// Rejected: in-memory posting lists from the search corpus: faster still,
/// but lag the database by up to the refresh interval; here the counts only
/// choose the plan, the result is always the database's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Every matching offer (counts, statistics): read the rarest link
    /// filter's offers first, probe the others.
    All,
    /// The first `n` offers in an indexed sort order (a list page): walk the
    /// order and probe every link filter when enough offers match that the
    /// walk ends soon; otherwise as [`Access::All`].
    FirstRows(u64),
    /// The candidates come from another condition (search hits): probe
    /// every link filter.
    Probe,
}

/// A walk through the sort order must be this much cheaper than driving from
/// the rarest filter to be chosen: the estimate assumes the filters are
/// independent, and other filters (kind, cost …) make the walk longer.
const WALK_MARGIN: f64 = 4.0;

/// Index of the link filter that drives the query, or `None` to probe them
/// all. `counts[i]` bounds the offers filter `i` matches; `total` is the
/// number of offers.
fn driving_filter(counts: &[u64], total: u64, access: Access) -> Option<usize> {
    let (rarest, &fewest) = counts.iter().enumerate().min_by_key(|(_, c)| **c)?;
    match access {
        Access::Probe => None,
        Access::All => Some(rarest),
        Access::FirstRows(rows) => {
            let total = Ord::max(total, 1) as f64;
            // Expected matches if the filters were independent.
            let expected = counts
                .iter()
                .fold(total, |acc, &c| acc * f64::min(c as f64 / total, 1.0));
            // Offers read, in sort order, until `rows` of them match.
            let walked = rows as f64 * total / f64::max(expected, 0.5);
            (walked * WALK_MARGIN >= fewest as f64).then_some(rarest)
        }
    }
}

/// The link filters as one condition, shaped for `access` (see [`Access`]).
async fn link_condition<C: ConnectionTrait>(
    db: &C,
    filters: Vec<LinkFilter>,
    access: Access,
) -> AppResult<Condition> {
    let mut all = Condition::all();
    // PostgreSQL plans both shapes as the same semi-join from its own
    // statistics: counting for it would be a round trip for nothing.
    let planner_decides = db.get_database_backend() == sea_orm::DatabaseBackend::Postgres;
    let driver = if access == Access::Probe || planner_decides {
        None
    } else {
        // One statement: each filter's link count and the number of offers.
        let mut counts = Query::select();
        for (i, filter) in filters.iter().enumerate() {
            counts.expr_as(filter.count(), Alias::new(format!("c{i}")));
        }
        counts.expr_as(
            SimpleExpr::SubQuery(
                None,
                Box::new(
                    Query::select()
                        .expr(Expr::col(Asterisk).count())
                        .from(offer::Entity)
                        .to_owned()
                        .into(),
                ),
            ),
            Alias::new("total"),
        );
        let row = db
            .query_one(&counts)
            .await?
            .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("counting links gave no row")))?;
        let mut link_counts = Vec::with_capacity(filters.len());
        for i in 0..filters.len() {
            let count: i64 = row.try_get("", &format!("c{i}"))?;
            link_counts.push(u64::try_from(count).unwrap_or(0));
        }
        let total: i64 = row.try_get("", "total")?;
        driving_filter(&link_counts, u64::try_from(total).unwrap_or(0), access)
    };
    for (i, filter) in filters.iter().enumerate() {
        all = all.add(if Some(i) == driver {
            filter.driving()
        } else {
            filter.probing()
        });
    }
    Ok(all)
}

/// Turns the filter into SQL conditions, resolving slugs and the region and
/// topic hierarchies; reports every unknown key at once.
///
/// `access` says how the query will read the offers; it shapes the SQL of
/// the link-table filters, never the result (see [`Access`]).
pub(crate) async fn condition<C: ConnectionTrait>(
    db: &C,
    filter: &OfferFilter,
    ctx: &Ctx,
    access: Access,
) -> AppResult<Condition> {
    filter.validate()?;
    let mut all = Condition::all();
    let mut errors: Vec<FieldError> = Vec::new();
    let mut links = Vec::new();

    let reference = ctx.reference().await?;
    match reference.topics.expand("topic", &filter.topic) {
        Ok(ids) if !filter.topic.is_empty() => links.push(LinkFilter::new(Link::Topic, ids)),
        Ok(_) => {}
        Err(mut e) => errors.append(&mut e),
    }
    if !filter.region.is_empty() {
        match reference.regions.expand("region", &filter.region) {
            Ok(ids) => links.push(LinkFilter::new(Link::Region, ids)),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if !filter.target_group.is_empty() {
        links.push(LinkFilter::new(
            Link::TargetGroup,
            filter.target_group.iter().map(|g| g.as_str()),
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
        errors.extend(unknown.into_iter().map(|k| {
            FieldError::new(
                "provider",
                format!("unknown partner `{}`", crate::limits::quote(&k)),
            )
        }));
        all = all.add(offer::Column::ProviderId.is_in(ids));
    }
    if !filter.project.is_empty() {
        let (ids, unknown) = resolve_projects(db, &filter.project).await?;
        errors.extend(unknown.into_iter().map(|k| {
            FieldError::new(
                "project",
                format!("unknown project `{}`", crate::limits::quote(&k)),
            )
        }));
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
            )
            .add(
                Condition::any()
                    .add(offer::Column::ApplicationDeadline.is_null())
                    .add(offer::Column::ApplicationDeadline.gte(day)),
            );
    }
    if let Some(q) = &filter.q {
        all = all.add(q_condition(ctx, q, HitKind::Offer, offer::Column::Id).await?);
    }
    if let Some(since) = filter.updated_since {
        all = all.add(offer::Column::UpdatedAt.gte(since));
    }
    if !errors.is_empty() {
        return Err(AppError::InvalidParameters(errors));
    }
    if !links.is_empty() {
        // Only when there are link filters: an empty condition added would
        // make the whole one non-empty, and stats treat that as filtered.
        all = all.add(link_condition(db, links, access).await?);
    }
    Ok(all)
}

/// Offers: transfer and support offers.
pub struct Offers;

impl Resource for Offers {
    describe!(offer => Offer, filter OfferFilter, "offers" / "offer", sort "title");
    const LINK_FIELDS: &'static [&'static str] = &["topics", "regions", "targetGroups"];
    // The long texts: a list of titles does not read the descriptions.
    const SKIPPABLE: &'static [(&'static str, &'static [offer::Column])] = &[
        ("title", &[offer::Column::TitleEn]),
        (
            "summary",
            &[offer::Column::SummaryDe, offer::Column::SummaryEn],
        ),
        (
            "description",
            &[offer::Column::DescriptionDe, offer::Column::DescriptionEn],
        ),
        ("providerNote", &[offer::Column::ProviderNote]),
        ("url", &[offer::Column::Url]),
        ("source", &[offer::Column::Source]),
        ("note", &[offer::Column::Note]),
    ];
    id_and_slug!(offer, Offer);

    async fn filtered<C: ConnectionTrait>(
        db: &C,
        filter: &OfferFilter,
        ctx: &Ctx,
        page: Option<&PageRequest>,
    ) -> AppResult<Select<offer::Entity>> {
        let access = page.map_or(Access::All, |page| Access::FirstRows(page.limit + 1));
        Ok(offer::Entity::find().filter(condition(db, filter, ctx, access).await?))
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
    groups: Vec<(Uuid, String)>,
}

impl Links {
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
                _ => links.groups.push((offer_id, row.try_get_by_index(3)?)),
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
    let providers = partner_refs(db, rows.iter().map(|o| o.provider_id), ctx).await?;
    let projects = project_refs(db, rows.iter().filter_map(|o| o.project_id), ctx).await?;

    // Only what was asked: a GraphQL list selecting no link field reads none.
    let links = match ctx.selects_any(Offers::LINK_FIELDS) {
        true => Links::of(db, rows.iter().map(|o| o.id).collect()).await?,
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
        if let Ok(group) = group.parse::<TargetGroup>() {
            groups_of.entry(offer_id).or_default().push(group);
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

#[cfg(test)]
mod tests {
    use super::{Access, driving_filter};

    // The cases measured in `Access`'s documentation: 20,000 offers.
    #[test]
    fn a_page_of_a_broad_filter_walks_the_sort_order() {
        // topic `arbeit-40` (3,149 links) and a region (10,000 links):
        // ~1,600 expected matches, a page of 21 is found within ~270 rows.
        assert_eq!(
            driving_filter(&[3_149, 10_000], 20_000, Access::FirstRows(21)),
            None
        );
        assert_eq!(
            driving_filter(&[3_149], 20_000, Access::FirstRows(21)),
            None
        );
    }

    #[test]
    fn a_rare_filter_drives_the_query() {
        // topic `vernetzung` (77 links) and a region: the walk would read
        // ~5,000 rows to find 21, the topic's links are 77.
        assert_eq!(
            driving_filter(&[10_000, 77], 20_000, Access::FirstRows(21)),
            Some(1)
        );
        // Nothing linked: driving from it ends at once.
        assert_eq!(
            driving_filter(&[3_149, 0], 20_000, Access::FirstRows(21)),
            Some(1)
        );
        // Two broad filters that together are rare (independence assumed).
        assert_eq!(
            driving_filter(&[1_000, 1_000], 20_000, Access::FirstRows(21)),
            Some(0)
        );
    }

    #[test]
    fn counting_drives_and_probing_never_does() {
        assert_eq!(
            driving_filter(&[3_149, 10_000], 20_000, Access::All),
            Some(0)
        );
        assert_eq!(driving_filter(&[77, 10_000], 20_000, Access::Probe), None);
        assert_eq!(driving_filter(&[], 20_000, Access::All), None);
        // No offers at all: nothing to walk.
        assert_eq!(driving_filter(&[0], 0, Access::FirstRows(21)), Some(0));
    }

    #[test]
    fn small_tables_are_driven_by_their_rarest_filter() {
        // The seed: 19 offers; a page covers most of them anyway.
        assert_eq!(driving_filter(&[8, 5], 19, Access::FirstRows(21)), Some(1));
    }
}
