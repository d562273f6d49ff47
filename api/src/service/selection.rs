//! Which offers a filter selects, decided in memory from the snapshot.
//!
//! The snapshot's corpus ([`MatchCorpus`]) holds every offer's facts —
//! topics, regions served, target groups, kind, cost, provider, project,
//! dates — and its positions in each sort order of the list. So a list page
//! is made without the database ([`plan_page`]: a keyset walk through the
//! sort order, testing each offer against an [`OfferSelection`]; the
//! corpus holds every column); totals, stats and the filtered search count
//! the same selection. One implementation of the filter semantics serves
//! all four, and a page costs no statement whatever it filters by.
//!
//! Rejected: SQL conditions with link-table subqueries (how lists were
//! answered before issue 12): the topic + region filter cost 2–3 ms of
//! PostgreSQL per page (`EXPLAIN ANALYZE`, 20,000 offers), SQLite needed a
//! hand-made plan choice per filter, and stats, search and lists each built
//! their own statement. The snapshot is the generation the response's ETag
//! names, so the page agrees with the validators; a row changed or deleted
//! by another process shows as it was until the next refresh (within
//! `--search-refresh-secs`).
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{partner, project};
use uuid::Uuid;

use super::Ctx;
use super::matching::MatchCorpus;
use super::matching::{OfferFacts, TargetGroups};
use super::offers::OfferFilter;
use super::page::{PageRequest, Planned, Sort, SortValue, position};
use crate::dto::HitKind;
use crate::error::{AppError, AppResult, FieldError};
use crate::vocab::{Cost, OfferKind};

/// An [`OfferFilter`] resolved against one snapshot: keys turned into ids,
/// the region and topic hierarchies expanded, `q` run through the search
/// index. `None` (or empty) parts do not filter.
#[derive(Debug, Default)]
pub struct OfferSelection {
    topics: Option<HashSet<Uuid>>,
    regions: Option<HashSet<Uuid>>,
    groups: Option<TargetGroups>,
    kinds: Vec<OfferKind>,
    costs: Vec<Cost>,
    providers: Option<HashSet<Uuid>>,
    projects: Option<HashSet<Uuid>>,
    open_on: Option<NaiveDate>,
    hits: Option<HashSet<Uuid>>,
    updated_since: Option<DateTime<Utc>>,
}

impl OfferSelection {
    /// Resolves `filter`; every unknown topic, region, provider or project
    /// is reported at once (400 `invalid_parameters`), as are out-of-bounds
    /// values ([`OfferFilter::validate`]).
    pub async fn resolve(filter: &OfferFilter, ctx: &Ctx) -> AppResult<Self> {
        filter.validate()?;
        let snapshot = ctx.snapshot().await?;
        let reference = &snapshot.reference;
        let mut errors: Vec<FieldError> = Vec::new();
        let mut selection = OfferSelection {
            kinds: filter.kind.clone(),
            costs: filter.cost.clone(),
            open_on: filter.open_on.map(|d| d.0),
            updated_since: filter.updated_since.map(|t| t.0),
            groups: (!filter.target_group.is_empty())
                .then(|| filter.target_group.iter().copied().collect()),
            ..Self::default()
        };
        if !filter.topic.is_empty() {
            match reference.topics.expand("topic", &filter.topic) {
                Ok(ids) => selection.topics = Some(ids.into_iter().collect()),
                Err(mut e) => errors.append(&mut e),
            }
        }
        if !filter.region.is_empty() {
            match reference.regions.expand("region", &filter.region) {
                Ok(ids) => selection.regions = Some(ids.into_iter().collect()),
                Err(mut e) => errors.append(&mut e),
            }
        }
        let (partners, projects) = (&reference.partners, &reference.projects);
        selection.providers = (!filter.provider.is_empty()).then(|| {
            resolve(
                ("provider", "partner"),
                &filter.provider,
                partners,
                &mut errors,
            )
        });
        selection.projects = (!filter.project.is_empty()).then(|| {
            resolve(
                ("project", "project"),
                &filter.project,
                projects,
                &mut errors,
            )
        });
        if !errors.is_empty() {
            return Err(AppError::InvalidParameters(errors));
        }
        if let Some(q) = &filter.q {
            let ids = ctx.store.index().ids(q, HitKind::Offer)?;
            selection.hits = Some(ids.into_iter().collect());
        }
        Ok(selection)
    }

    /// Whether the selection filters at all.
    pub fn is_everything(&self) -> bool {
        self.topics.is_none()
            && self.regions.is_none()
            && self.groups.is_none()
            && self.kinds.is_empty()
            && self.costs.is_empty()
            && self.providers.is_none()
            && self.projects.is_none()
            && self.open_on.is_none()
            && self.hits.is_none()
            && self.updated_since.is_none()
    }

    /// Whether `offer` is selected: every given filter holds, and within
    /// one filter any value does.
    pub fn matches(&self, offer: &OfferFacts) -> bool {
        let any_of = |set: &Option<HashSet<Uuid>>, mut ids: std::slice::Iter<'_, Uuid>| {
            set.as_ref()
                .is_none_or(|set| ids.any(|id| set.contains(id)))
        };
        let one_of = |set: &Option<HashSet<Uuid>>, id: Option<Uuid>| {
            set.as_ref()
                .is_none_or(|set| id.is_some_and(|id| set.contains(&id)))
        };
        any_of(&self.topics, offer.topics.iter())
            && self
                .regions
                .as_ref()
                .is_none_or(|set| offer.regions.iter().any(|(id, _)| set.contains(id)))
            && self
                .groups
                .is_none_or(|groups| offer.target_groups.iter().any(|g| groups.contains(g)))
            && (self.kinds.is_empty() || self.kinds.contains(&offer.kind))
            && (self.costs.is_empty() || self.costs.contains(&offer.cost))
            && one_of(&self.providers, Some(offer.provider_id))
            && one_of(&self.projects, offer.project_id)
            && one_of(&self.hits, Some(offer.id))
            && self
                .updated_since
                .is_none_or(|since| offer.updated_at >= since)
            && self.open_on.is_none_or(|day| {
                offer.valid_from.is_none_or(|from| from <= day)
                    && offer.valid_until.is_none_or(|until| until >= day)
                    && offer.application_deadline.is_none_or(|end| end >= day)
            })
    }

    /// The selected offers of `corpus`, in id order.
    pub fn of<'c>(&self, corpus: &'c MatchCorpus) -> impl Iterator<Item = &'c OfferFacts> {
        corpus.offers.iter().filter(move |o| self.matches(o))
    }
}

/// Ids of `keys` (ids or slugs, NFKC-normalised) among `records` (with
/// their slugs); each unknown key becomes an error naming `field` and the
/// kind of `record`.
fn resolve<M: Slugged>(
    (field, record): (&str, &str),
    keys: &[String],
    records: &HashMap<Uuid, M>,
    errors: &mut Vec<FieldError>,
) -> HashSet<Uuid> {
    let mut ids = HashSet::new();
    for key in keys {
        let normal = crate::unicode::key(key);
        let found = Uuid::parse_str(&normal)
            .ok()
            .filter(|id| records.contains_key(id))
            .or_else(|| {
                (records.iter())
                    .find(|(_, m)| m.slug() == normal)
                    .map(|(id, _)| *id)
            });
        match found {
            Some(id) => {
                ids.insert(id);
            }
            None => errors.push(FieldError::new(
                field,
                format!("unknown {record} `{}`", crate::limits::quote(key)),
            )),
        }
    }
    ids
}

/// A record with a slug.
trait Slugged {
    fn slug(&self) -> &str;
}

impl Slugged for partner::Model {
    fn slug(&self) -> &str {
        &self.slug
    }
}

impl Slugged for project::Model {
    fn slug(&self) -> &str {
        &self.slug
    }
}

/// The key of `offer` in the sort order `name` (one of `offers::SORTS`).
fn key_of<'o>(offer: &'o OfferFacts, name: &str) -> Key<'o> {
    match name {
        "created_at" => Key::Time(offer.created_at),
        "updated_at" => Key::Time(offer.updated_at),
        _ => Key::Text(&offer.title_de),
    }
}

/// A sort key borrowed from the corpus.
#[derive(Debug, Clone, Copy)]
enum Key<'o> {
    Text(&'o str),
    Time(DateTime<Utc>),
}

impl Key<'_> {
    /// Compares with a cursor's value, as [`SortValue::compare`] does.
    fn compare(self, value: &SortValue) -> Ordering {
        match (self, value) {
            (Key::Text(a), SortValue::Text(b)) => a.cmp(b.as_str()),
            (Key::Time(a), SortValue::Time(b)) => a.cmp(b),
            // A cursor of another kind cannot come from this sort: its
            // spec names the sort and was checked by `position`.
            _ => Ordering::Equal,
        }
    }
}

/// Plans one page of the offer list: the selected offers a keyset walk
/// through `sort` finds after the page's position (at most `page.limit +
/// 1`, in walk order) as `row_of` makes rows of them, and the number
/// selected if `page.include_total`. A cursor of another sort is a 400.
pub fn plan_page(
    corpus: &MatchCorpus,
    selection: &OfferSelection,
    sort: &Sort<entity::offer::Entity>,
    page: &PageRequest,
    row_of: impl Fn(&OfferFacts) -> entity::offer::Model,
) -> AppResult<Planned<entity::offer::Model>> {
    let name = sort.name();
    let order = corpus.order(name);
    let offers = &corpus.offers;
    // Ascending (key, id), walked backwards for descending sorts and for
    // backward paging; both at once walk forwards again.
    let reverse = sort.descending() ^ page.backward;
    let (below, above): (&[u32], &[u32]) = match position(sort, page)? {
        Some((value, id)) => {
            let to_cursor = |i: &u32| {
                let offer = &offers[*i as usize];
                (key_of(offer, name).compare(&value)).then(offer.id.cmp(&id))
            };
            // The cursor's own row (if it still exists) is in neither part.
            let below = order.partition_point(|i| to_cursor(i).is_lt());
            let above = order.partition_point(|i| to_cursor(i).is_le());
            (&order[..below], &order[above..])
        }
        None => (order, order),
    };
    let walk: Box<dyn Iterator<Item = &u32>> = match reverse {
        false => Box::new(above.iter()),
        true => Box::new(below.iter().rev()),
    };
    let take = usize::try_from(page.limit.saturating_add(1)).unwrap_or(usize::MAX);
    let rows = walk
        .map(|&i| &offers[i as usize])
        .filter(|o| selection.matches(o))
        .take(take)
        .map(row_of)
        .collect();
    let total = page
        .include_total
        .then(|| selection.of(corpus).count() as u64);
    Ok(Planned { rows, total })
}
