//! What matching needs to know about every offer, loaded once per data
//! version instead of once per request.
//!
//! A profile is scored against every offer, so a request that hydrated all
//! offers into DTOs (providers, projects, topic and region refs, text) spent
//! 1.9 s on 20,000 offers. The corpus keeps the facts the rules read inline,
//! with each offer's words as sorted ids into one vocabulary, so scoring is
//! a scan over plain data and only the page returned is hydrated; the
//! texts the rules do not read sit behind a pointer ([`OfferTexts`]), for
//! list pages.
//! Rejected: filtering in SQL first. The region rule depends on the region
//! tree and the text rule on the analyzer, so SQL could only pre-filter
//! target group and dates, and the scan would remain.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{offer, offer_region, offer_target_group, offer_topic};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::error::AppResult;
use crate::search::analyzer;
use crate::service::refs::stored;
use crate::service::regions::RegionGraph;
use crate::vocab::{Cost, Lang, OfferKind, RegionKind, TargetGroup};

/// Offers read per step of a load.
const CHUNK: u64 = 2000;

/// One offer as the snapshot holds it: every column of its row, the
/// links the matching rules and list filters read, and its words.
///
/// The long texts are held too (about 8 MB for 20,000 offers), so that a
/// list page of any selection is made without a statement. Rejected:
/// reading them per page by id (one statement, which cost PostgreSQL
/// 0.19 ms and the server 0.08 ms per REST page of 20: bench/RESULTS.md,
/// 2026-12-02).
#[derive(Debug, Clone)]
pub struct OfferFacts {
    /// The offer's id.
    pub id: Uuid,
    /// The offer's slug.
    pub slug: String,
    /// German title.
    pub title_de: String,
    /// English title, where there is one.
    pub title_en: Option<String>,
    /// The long texts and notes, which the rules do not read; shared, so
    /// that the corpus of the next generation (`MatchCorpus::updated`,
    /// after every write) does not copy them.
    pub texts: std::sync::Arc<OfferTexts>,
    /// Who the offer is for.
    pub target_groups: TargetGroups,
    /// What it costs.
    pub cost: Cost,
    /// What kind of offer it is.
    pub kind: OfferKind,
    /// The partner providing it.
    pub provider_id: Uuid,
    /// The project it belongs to, if any.
    pub project_id: Option<Uuid>,
    /// Whether an editor checked it against its source.
    pub verified: bool,
    /// When it was first stored.
    pub created_at: DateTime<Utc>,
    /// When it was last changed: its version (the ETag of its record).
    pub updated_at: DateTime<Utc>,
    /// First day it is open, if limited.
    pub valid_from: Option<NaiveDate>,
    /// Last day it is open, if limited.
    pub valid_until: Option<NaiveDate>,
    /// Last day to apply, if any.
    pub application_deadline: Option<NaiveDate>,
    /// Its topics (ids).
    pub topics: Vec<Uuid>,
    /// The regions it serves, with their kind.
    pub regions: Vec<(Uuid, RegionKind)>,
    /// The analyzed words of its German title, summary and description, as
    /// sorted, distinct ids into the corpus vocabulary.
    pub terms: Box<[u32]>,
}

impl OfferFacts {
    /// The title in `lang`.
    pub fn title(&self, lang: Lang) -> &str {
        lang.pick(&self.title_de, self.title_en.as_deref())
    }

    /// Whether the offer's text contains the term with vocabulary id `term`.
    pub fn mentions(&self, term: u32) -> bool {
        self.terms.binary_search(&term).is_ok()
    }
}

/// The columns of an offer that only its public record shows. Boxed
/// strings: no spare capacity is kept for 20,000 offers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OfferTexts {
    /// German summary.
    pub summary_de: Box<str>,
    /// English summary, where there is one.
    pub summary_en: Option<Box<str>>,
    /// German description, where there is one.
    pub description_de: Option<Box<str>>,
    /// English description, where there is one.
    pub description_en: Option<Box<str>>,
    /// The provider's note on the offer.
    pub provider_note: Option<Box<str>>,
    /// The offer's web page.
    pub url: Option<Box<str>>,
    /// Where the record comes from.
    pub source: Box<str>,
    /// An editor's note.
    pub note: Option<Box<str>>,
}

/// A set of target groups in one byte: checked for every offer on every
/// match, so it lives inside [`OfferFacts`] instead of behind a pointer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TargetGroups(u8);

impl TargetGroups {
    fn bit(group: TargetGroup) -> u8 {
        1 << (group as u8)
    }

    /// Whether `group` is in the set.
    pub fn contains(self, group: TargetGroup) -> bool {
        self.0 & Self::bit(group) != 0
    }

    /// Adds `group`.
    pub fn insert(&mut self, group: TargetGroup) {
        self.0 |= Self::bit(group);
    }

    /// The groups, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = TargetGroup> {
        TargetGroup::ALL
            .iter()
            .copied()
            .filter(move |g| self.contains(*g))
    }
}

impl FromIterator<TargetGroup> for TargetGroups {
    fn from_iter<I: IntoIterator<Item = TargetGroup>>(groups: I) -> Self {
        let mut set = Self::default();
        for group in groups {
            set.insert(group);
        }
        set
    }
}

/// Every offer's facts, the vocabulary of their words and the offers'
/// positions in each sort order of the list (`service::selection`).
#[derive(Debug, Default)]
pub struct MatchCorpus {
    /// Every offer, in id order.
    pub offers: Vec<OfferFacts>,
    vocabulary: HashMap<String, u32>,
    /// Indexes into `offers` by ascending (title_de, id).
    by_title: Box<[u32]>,
    /// … by ascending (created_at, id).
    by_created: Box<[u32]>,
    /// … by ascending (updated_at, id).
    by_updated: Box<[u32]>,
}

impl MatchCorpus {
    /// The vocabulary id of an analyzed term, if any offer uses it.
    pub fn term_id(&self, term: &str) -> Option<u32> {
        self.vocabulary.get(term).copied()
    }

    /// The facts of offer `id`, if the corpus holds it.
    pub fn get(&self, id: Uuid) -> Option<&OfferFacts> {
        let at = self.offers.binary_search_by_key(&id, |o| o.id).ok()?;
        self.offers.get(at)
    }

    /// The offers (as indexes into [`MatchCorpus::offers`]) in ascending
    /// order of the list's sort field `name` (`title`, `created_at`,
    /// `updated_at`), ties by id.
    pub fn order(&self, name: &str) -> &[u32] {
        match name {
            "created_at" => &self.by_created,
            "updated_at" => &self.by_updated,
            _ => &self.by_title,
        }
    }

    /// The corpus of `offers`, sorted by id, with its sort orders.
    fn of(mut offers: Vec<OfferFacts>, mut vocabulary: HashMap<String, u32>) -> Self {
        offers.sort_unstable_by_key(|o| o.id);
        offers.shrink_to_fit();
        vocabulary.shrink_to_fit();
        let order = |cmp: fn(&OfferFacts, &OfferFacts) -> std::cmp::Ordering| {
            let mut order: Vec<u32> = (0..offers.len() as u32).collect();
            order.sort_unstable_by(|&a, &b| {
                let (a, b) = (&offers[a as usize], &offers[b as usize]);
                cmp(a, b).then(a.id.cmp(&b.id))
            });
            order.into_boxed_slice()
        };
        let by_title = order(|a, b| a.title_de.cmp(&b.title_de));
        let by_created = order(|a, b| a.created_at.cmp(&b.created_at));
        let by_updated = order(|a, b| a.updated_at.cmp(&b.updated_at));
        Self {
            offers,
            vocabulary,
            by_title,
            by_created,
            by_updated,
        }
    }

    /// Loads the corpus: four queries plus one per 2,000 offers.
    pub async fn load<C: ConnectionTrait>(db: &C, graph: &RegionGraph) -> AppResult<Self> {
        let mut vocabulary = HashMap::new();
        let offers = load_facts(db, graph, None, &mut vocabulary).await?;
        Ok(Self::of(offers, vocabulary))
    }

    /// This corpus with the offers `changed` read again (or dropped, if no
    /// longer stored): what a write of a few offers changes, without reading
    /// the others. The vocabulary only grows (a word no offer uses any more
    /// matches nothing).
    pub async fn updated<C: ConnectionTrait>(
        &self,
        db: &C,
        graph: &RegionGraph,
        changed: &std::collections::HashSet<Uuid>,
    ) -> AppResult<Self> {
        let mut vocabulary = self.vocabulary.clone();
        let ids: Vec<Uuid> = changed.iter().copied().collect();
        let mut offers: Vec<OfferFacts> = (self.offers.iter())
            .filter(|o| !changed.contains(&o.id))
            .cloned()
            .collect();
        for chunk in ids.chunks(CHUNK as usize) {
            offers.extend(load_facts(db, graph, Some(chunk), &mut vocabulary).await?);
        }
        Ok(Self::of(offers, vocabulary))
    }
}

/// The facts of every offer, or of the offers `only`, their words added
/// to `vocabulary`.
async fn load_facts<C: ConnectionTrait>(
    db: &C,
    graph: &RegionGraph,
    only: Option<&[Uuid]>,
    vocabulary: &mut HashMap<String, u32>,
) -> AppResult<Vec<OfferFacts>> {
    let mut groups: HashMap<Uuid, TargetGroups> = HashMap::new();
    let links = match only {
        Some(ids) => offer_target_group::Entity::find()
            .filter(offer_target_group::Column::OfferId.is_in(ids.to_vec())),
        None => offer_target_group::Entity::find(),
    };
    for link in links.all(db).await? {
        match link.target_group.parse::<TargetGroup>() {
            Ok(group) => groups.entry(link.offer_id).or_default().insert(group),
            Err(err) => tracing::warn!(%err, "unknown target group in the database"),
        }
    }
    let mut topics: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    let links = match only {
        Some(ids) => {
            offer_topic::Entity::find().filter(offer_topic::Column::OfferId.is_in(ids.to_vec()))
        }
        None => offer_topic::Entity::find(),
    };
    for link in links.all(db).await? {
        topics.entry(link.offer_id).or_default().push(link.topic_id);
    }
    let mut regions: HashMap<Uuid, Vec<(Uuid, RegionKind)>> = HashMap::new();
    let links = match only {
        Some(ids) => {
            offer_region::Entity::find().filter(offer_region::Column::OfferId.is_in(ids.to_vec()))
        }
        None => offer_region::Entity::find(),
    };
    for link in links.all(db).await? {
        let kind = graph
            .get(link.region_id)
            .map_or(RegionKind::EconomicRegion, |r| {
                stored(&r.kind, RegionKind::EconomicRegion)
            });
        regions
            .entry(link.offer_id)
            .or_default()
            .push((link.region_id, kind));
    }
    let mut offers = Vec::new();
    let mut after: Option<Uuid> = None;
    // In chunks, keyset by id: the decoded rows of all offers never sit in
    // memory beside their facts (the allocator would keep that peak).
    loop {
        let mut select = offer::Entity::find()
            .order_by_asc(offer::Column::Id)
            .limit(CHUNK);
        if let Some(last) = after {
            select = select.filter(offer::Column::Id.gt(last));
        }
        if let Some(ids) = only {
            select = select.filter(offer::Column::Id.is_in(ids.to_vec()));
        }
        let rows = select.all(db).await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.id);
        for row in rows {
            let text = [
                Some(row.title_de.as_str()),
                Some(row.summary_de.as_str()),
                row.description_de.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
            let mut terms: Vec<u32> = analyzer::terms(&text)
                .into_iter()
                .map(|term| {
                    let next = vocabulary.len() as u32;
                    *vocabulary.entry(term).or_insert(next)
                })
                .collect();
            terms.sort_unstable();
            terms.dedup();
            offers.push(OfferFacts {
                target_groups: groups.remove(&row.id).unwrap_or_default(),
                topics: topics.remove(&row.id).unwrap_or_default(),
                regions: regions.remove(&row.id).unwrap_or_default(),
                cost: stored(&row.cost, Cost::Unknown),
                kind: stored(&row.kind, OfferKind::Information),
                provider_id: row.provider_id,
                project_id: row.project_id,
                verified: row.verified,
                created_at: row.created_at,
                updated_at: row.updated_at,
                id: row.id,
                slug: row.slug,
                title_de: row.title_de,
                title_en: row.title_en,
                texts: std::sync::Arc::new(OfferTexts {
                    summary_de: row.summary_de.into(),
                    summary_en: row.summary_en.map(Into::into),
                    description_de: row.description_de.map(Into::into),
                    description_en: row.description_en.map(Into::into),
                    provider_note: row.provider_note.map(Into::into),
                    url: row.url.map(Into::into),
                    source: row.source.into(),
                    note: row.note.map(Into::into),
                }),
                valid_from: row.valid_from,
                valid_until: row.valid_until,
                application_deadline: row.application_deadline,
                terms: terms.into_boxed_slice(),
            });
        }
    }
    Ok(offers)
}
