//! The "Lotse" itself: offers ranked for a profile, with the reasons.
//!
//! [`score`] is a pure function of a profile and one candidate offer: it
//! either rules the offer out (with the reasons why) or gives it a score in
//! 0..=1 made of documented parts (see [`weights`]) and one reason per part.
//! The rest of this module only gathers the inputs.
use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

pub mod corpus;

pub use corpus::{MatchCorpus, OfferFacts, OfferTexts, TargetGroups};

use super::Ctx;
use crate::dto::Offer;
use crate::error::{AppError, AppResult, FieldError};
use crate::limits::{MAX_KEY_LEN, check_keys, check_text};
use crate::search::analyzer;
use crate::vocab::{Cost, RegionKind, TargetGroup};

/// The parts of a score; they add up to 1.0.
pub mod weights {
    /// The offer serves the profile's region: full weight for the region itself
    /// or a district, less the wider the area it serves (state, country).
    pub const REGION: f64 = 0.25;
    /// The offer is for the profile's role (always true for a listed offer).
    pub const TARGET_GROUP: f64 = 0.25;
    /// Share of the profile's topics the offer covers.
    pub const TOPICS: f64 = 0.25;
    /// Share of the words of the `need` text found in the offer.
    pub const TEXT: f64 = 0.15;
    /// The offer is free of charge.
    pub const FREE: f64 = 0.10;
}

/// Who is looking.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, async_graphql::Enum,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A small or medium-sized enterprise.
    Sme,
    /// A works council or other employee representation.
    WorksCouncil,
    /// An employee.
    Employee,
    /// A founder or start-up.
    Founder,
}

impl Role {
    /// The target group offers for this role carry.
    pub fn target_group(self) -> TargetGroup {
        match self {
            Role::Sme => TargetGroup::Sme,
            Role::WorksCouncil => TargetGroup::WorksCouncil,
            Role::Employee => TargetGroup::Employees,
            Role::Founder => TargetGroup::Founders,
        }
    }
}

/// Budget of the profile.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    Serialize,
    Deserialize,
    ToSchema,
    async_graphql::Enum,
)]
#[serde(rename_all = "snake_case")]
pub enum Budget {
    /// Only offers free of charge.
    FreeOnly,
    /// Any cost.
    #[default]
    Any,
}

/// A profile: who is looking, where, for what.
#[derive(Debug, Clone, Deserialize, ToSchema, async_graphql::InputObject)]
#[graphql(name = "MatchProfile")]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"region": "05711", "role": "works_council", "topics": ["arbeit-40"], "need": "Digitalisierung im Betrieb mitgestalten"}))]
pub struct MatchProfile {
    /// Where: a region's official key (`05711`), slug, NUTS code or id, or
    /// its name as people type it (`Bielefeld`, `Lippe`, `koeln`: any case,
    /// umlauts also spelled out, a district also without `Kreis`).
    #[schema(min_length = 1, max_length = 200)]
    pub region: String,
    /// Who is looking.
    pub role: Role,
    /// Number of employees of the company (informational), 0 to 1,000,000.
    #[schema(minimum = 0, maximum = 1_000_000)]
    #[serde(default, deserialize_with = "crate::limits::whole_number")]
    pub employees: Option<i32>,
    /// Sector, free text (informational), at most 200 characters.
    #[schema(max_length = 200)]
    pub sector: Option<String>,
    /// Topics of interest (slugs or ids), at most 50 values; narrower topics
    /// count too.
    #[serde(default)]
    #[graphql(default)]
    #[schema(max_items = 50)]
    pub topics: Vec<String>,
    /// The need in the profile's own words (German), at most 2000 characters.
    #[schema(max_length = 2000)]
    pub need: Option<String>,
    /// `free_only` (only offers confirmed free of charge) or `any` (default).
    #[serde(default)]
    #[graphql(default)]
    pub budget: Budget,
    /// Day the offer must be open on; today by default.
    #[schema(value_type = Option<chrono::NaiveDate>)]
    pub date: Option<crate::graphql::scalars::Date>,
    /// Also list the offers that were ruled out, and why.
    #[serde(default)]
    #[graphql(default)]
    pub explain: bool,
    /// Most offers to return: 1 to 100 (default 20).
    #[schema(minimum = 1, maximum = 100)]
    #[serde(default, deserialize_with = "crate::limits::whole_number")]
    pub limit: Option<i32>,
}

/// Most employees a profile may state: more than any employer has.
/// `employees` and `limit` are signed (GraphQL `Int`, i32) so that a
/// negative value is refused by the range check that names the field, as a
/// too large one is, rather than by GraphQL's coercion of an unsigned type
/// ("Failed to parse Int", no field named).
pub const MAX_EMPLOYEES: i32 = 1_000_000;

/// Why an offer is listed (or ruled out).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema, async_graphql::SimpleObject)]
pub struct Reason {
    /// Stable code: `serves_region`, `target_group_match`, `topic_match`,
    /// `text_match`, `free_of_charge`, `deadline_soon`; for exclusions
    /// `outside_region`, `other_target_group`, `closed`, `not_yet_open`, `not_free`.
    #[schema(example = "serves_region")]
    pub code: String,
    /// Explanation in English.
    #[schema(example = "serves all of Nordrhein-Westfalen")]
    pub detail: String,
}

fn reason(code: &str, detail: impl Into<String>) -> Reason {
    Reason {
        code: code.to_owned(),
        detail: detail.into(),
    }
}

/// One ranked offer.
#[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
#[graphql(name = "OfferMatch")]
pub struct Match {
    /// Score in 0..=1.
    pub score: f64,
    /// One reason per part of the score.
    pub reasons: Vec<Reason>,
    /// The offer.
    pub offer: Offer,
}

/// An offer that cannot apply, and why (with `explain`).
#[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
pub struct Excluded {
    /// The offer's slug.
    pub slug: String,
    /// The offer's title.
    pub title: String,
    /// Why it was ruled out.
    pub reasons: Vec<Reason>,
}

/// The answer to a profile.
#[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
pub struct MatchResult {
    /// Offers that apply, best first: the first `limit` of them.
    pub items: Vec<Match>,
    /// How many offers apply in all (`items` may hold fewer: `limit`).
    pub total: u32,
    /// Offers ruled out (only with `explain: true`): the first
    /// [`MAX_EXCLUDED`] by title; `excluded_total` counts them all.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub excluded: Option<Vec<Excluded>>,
    /// How many offers were ruled out (only with `explain: true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub excluded_total: Option<u32>,
}

/// Most ruled-out offers listed with `explain: true`. Without a cap the
/// list held every other offer: on 20,000 generated offers a 110-byte
/// profile was answered with 4.9 MB.
pub const MAX_EXCLUDED: usize = 100;

/// How a region an offer serves relates to the profile's region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// The profile's region itself.
    Same,
    /// A region containing it (district, economic region, state, country).
    Contains,
    /// A region inside it.
    Inside,
    /// Neither.
    Unrelated,
}

/// The inputs of [`score`] for one profile, resolved.
#[derive(Debug, Clone)]
pub struct ResolvedProfile {
    pub target_group: TargetGroup,
    /// The profile's region.
    pub home: Uuid,
    /// Regions containing the profile's region.
    ///
    /// Ordered sets, not hash sets: they are small, and a few comparisons
    /// beat hashing a UUID with SipHash, which took 11% of a match's CPU
    /// when every offer was checked (perf, 20,000 offers).
    pub containers: BTreeSet<Uuid>,
    /// Regions inside the profile's region (and those it belongs to).
    pub contents: BTreeSet<Uuid>,
    /// Profile topics, each with its narrower topics.
    pub topics: Vec<(String, BTreeSet<Uuid>)>,
    /// The distinct analyzed words of `need`, sorted, each with its id in the
    /// corpus vocabulary (`None`: no offer uses the word).
    pub need_terms: Vec<(String, Option<u32>)>,
    pub free_only: bool,
    pub date: NaiveDate,
}

impl ResolvedProfile {
    fn relation(&self, region: Uuid) -> Relation {
        if region == self.home {
            Relation::Same
        } else if self.containers.contains(&region) {
            Relation::Contains
        } else if self.contents.contains(&region) {
            Relation::Inside
        } else {
            Relation::Unrelated
        }
    }
}

/// Where [`assess`] writes its reasons, when they are wanted.
struct Notes<'a> {
    reasons: &'a mut Vec<Reason>,
    region_name: &'a dyn Fn(Uuid) -> String,
}

/// Adds a reason, formatting its detail only when reasons are wanted.
macro_rules! note {
    ($notes:expr, $code:expr, $($detail:tt)+) => {
        if let Some(notes) = $notes.as_mut() {
            notes.reasons.push(reason($code, format!($($detail)+)));
        }
    };
}

/// Scores one offer for a profile with one reason per part of the score;
/// `Err` with the reasons it is ruled out. `region_name` names a region in
/// the reasons.
pub fn score(
    profile: &ResolvedProfile,
    offer: &OfferFacts,
    region_name: &dyn Fn(Uuid) -> String,
) -> Result<(f64, Vec<Reason>), Vec<Reason>> {
    let mut reasons = Vec::new();
    let notes = Notes {
        reasons: &mut reasons,
        region_name,
    };
    match assess(profile, offer, Some(notes)) {
        Some(total) => Ok((total, reasons)),
        None => Err(reasons),
    }
}

/// The score alone, or `None` when the offer is ruled out: the same rules as
/// [`score`] without writing reasons, so ranking every offer allocates
/// nothing; reasons are written for the page returned only.
pub fn quick_score(profile: &ResolvedProfile, offer: &OfferFacts) -> Option<f64> {
    assess(profile, offer, None)
}

/// The rules. Without `notes` it stops at the first rule that rules the
/// offer out; with them it names every one.
fn assess(profile: &ResolvedProfile, o: &OfferFacts, mut notes: Option<Notes<'_>>) -> Option<f64> {
    let explain = notes.is_some();
    // Without reasons, the rules on the offer's inline facts go first: most
    // offers fail one of them, and then the region, topic and word lists
    // (each behind a pointer) are never read. Same rules as below.
    if !explain
        && (!o.target_groups.contains(profile.target_group)
            || o.valid_until.is_some_and(|d| d < profile.date)
            || o.application_deadline.is_some_and(|d| d < profile.date)
            || o.valid_from.is_some_and(|d| d > profile.date)
            || (profile.free_only && o.cost != Cost::Free))
    {
        return None;
    }
    let mut ruled_out = false;
    let best = o
        .regions
        .iter()
        .map(|&(id, kind)| (id, kind, profile.relation(id)))
        .filter(|r| r.2 != Relation::Unrelated)
        .max_by(|a, b| region_weight(a.2, a.1).total_cmp(&region_weight(b.2, b.1)));
    if best.is_none() {
        ruled_out = true;
        if let Some(n) = notes.as_mut() {
            let names: Vec<String> = o.regions.iter().map(|r| (n.region_name)(r.0)).collect();
            n.reasons.push(reason(
                "outside_region",
                format!("serves only {}", names.join(", ")),
            ));
        }
    }
    if !o.target_groups.contains(profile.target_group) {
        ruled_out = true;
        let groups: Vec<&str> = o.target_groups.iter().map(|g| g.as_str()).collect();
        note!(notes, "other_target_group", "is for {}", groups.join(", "));
    }
    if let Some(end) = o.valid_until.filter(|d| *d < profile.date) {
        ruled_out = true;
        note!(notes, "closed", "ended on {end}");
    } else if let Some(deadline) = o.application_deadline.filter(|d| *d < profile.date) {
        // The programme may still run, but no one can apply any more.
        ruled_out = true;
        note!(notes, "closed", "the application deadline was {deadline}");
    }
    if let Some(start) = o.valid_from.filter(|d| *d > profile.date) {
        ruled_out = true;
        note!(notes, "not_yet_open", "opens on {start}");
    }
    // "Free only" means confirmed free: an offer whose cost the sources do
    // not state is left out too.
    if profile.free_only && o.cost != Cost::Free {
        ruled_out = true;
        note!(notes, "not_free", "cost: {} (not confirmed free)", o.cost);
    }
    if ruled_out {
        return None;
    }

    let mut total = 0.0;
    if let Some((id, kind, relation)) = best {
        total += weights::REGION * region_weight(relation, kind);
        if let Some(n) = notes.as_mut() {
            let name = (n.region_name)(id);
            let detail = match (relation, kind) {
                (Relation::Contains, RegionKind::Country | RegionKind::State) => {
                    format!("serves all of {name}")
                }
                (Relation::Inside, _) => format!("serves {name}, part of the region"),
                _ => format!("serves {name}"),
            };
            n.reasons.push(reason("serves_region", detail));
        }
    }
    total += weights::TARGET_GROUP;
    note!(notes, "target_group_match", "for {}", profile.target_group);
    total += share_of(
        &profile.topics,
        |ids| o.topics.iter().any(|t| ids.contains(t)),
        weights::TOPICS,
        ("topic_match", "covers"),
        &mut notes,
    );
    total += share_of(
        &profile.need_terms,
        |id| id.is_some_and(|id| o.mentions(id)),
        weights::TEXT,
        ("text_match", "mentions"),
        &mut notes,
    );
    if o.cost == Cost::Free {
        total += weights::FREE;
        note!(notes, "free_of_charge", "free of charge");
    }
    if explain {
        let soon = |d: NaiveDate| d >= profile.date && (d - profile.date).num_days() <= 60;
        if let Some(d) = o.application_deadline.filter(|d| soon(*d)) {
            note!(notes, "deadline_soon", "apply by {d}");
        } else if let Some(d) = o.valid_until.filter(|d| soon(*d)) {
            note!(notes, "deadline_soon", "ends on {d}");
        }
    }
    Some((total * 1000.0).round() / 1000.0)
}

/// `weight` times the share of the profile's `items` (topics, words) the
/// offer has, with one reason naming them (`code`, "`verb` a, b"); nothing
/// when the profile lists none or the offer has none.
fn share_of<T>(
    items: &[(String, T)],
    has: impl Fn(&T) -> bool,
    weight: f64,
    (code, verb): (&str, &str),
    notes: &mut Option<Notes<'_>>,
) -> f64 {
    let matched = items.iter().filter(|(_, item)| has(item)).count();
    if matched == 0 {
        return 0.0;
    }
    if let Some(n) = notes.as_mut() {
        let names: Vec<&str> = items
            .iter()
            .filter(|(_, item)| has(item))
            .map(|(name, _)| name.as_str())
            .collect();
        n.reasons
            .push(reason(code, format!("{verb} {}", names.join(", "))));
    }
    weight * matched as f64 / items.len() as f64
}

/// Share of the region weight: local offers fit better than nationwide ones.
fn region_weight(relation: Relation, kind: RegionKind) -> f64 {
    match (relation, kind) {
        (Relation::Unrelated, _) => 0.0,
        (Relation::Same, _) | (Relation::Inside, _) => 1.0,
        (Relation::Contains, RegionKind::District | RegionKind::Municipality) => 1.0,
        (Relation::Contains, RegionKind::EconomicRegion | RegionKind::AdministrativeDistrict) => {
            0.9
        }
        (Relation::Contains, RegionKind::State) => 0.7,
        (Relation::Contains, RegionKind::Country) => 0.5,
    }
}

/// Longest `need` text, in characters.
pub const MAX_NEED_LEN: usize = 2000;

/// Ranks every offer for `profile`.
#[tracing::instrument(name = "service.match", skip_all)]
pub async fn match_offers<C: sea_orm::ConnectionTrait>(
    db: &C,
    profile: &MatchProfile,
    today: NaiveDate,
    ctx: &Ctx,
) -> AppResult<MatchResult> {
    // Bounds first (issue 9): the topics become a query, and PostgreSQL
    // refuses NUL; every message names the field, never the whole value.
    let mut errors: Vec<FieldError> = [
        check_text("region", &profile.region, MAX_KEY_LEN, false),
        profile
            .sector
            .as_deref()
            .and_then(|s| check_text("sector", s, 200, true)),
        profile
            .need
            .as_deref()
            .and_then(|n| check_text("need", n, MAX_NEED_LEN, true)),
        check_keys("topics", &profile.topics),
        profile
            .date
            .and_then(|d| crate::limits::check_day("date", d.0)),
    ]
    .into_iter()
    .flatten()
    .collect();
    if let Some(employees) = profile
        .employees
        .filter(|n| !(0..=MAX_EMPLOYEES).contains(n))
    {
        errors.push(FieldError::new(
            "employees",
            format!("must be between 0 and {MAX_EMPLOYEES}, got {employees}"),
        ));
    }
    let bounded = errors.is_empty();
    let limit = profile.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        errors.push(FieldError::new(
            "limit",
            format!("must be between 1 and 100, got {limit}"),
        ));
    }
    let snapshot = ctx.snapshot().await?;
    let corpus = &snapshot.corpus;
    let graph = &snapshot.reference.regions;
    let home = graph.resolve_name(&profile.region);
    if home.is_none() && bounded {
        errors.push(FieldError::new(
            "region",
            format!("unknown region `{}`", crate::limits::quote(&profile.region)),
        ));
    }
    let topics = if bounded {
        snapshot
            .reference
            .topics
            .expand_each("topics", &profile.topics)
    } else {
        Ok(Vec::new())
    };
    let topics = match topics {
        Ok(topics) => topics,
        Err(mut e) => {
            errors.append(&mut e);
            Vec::new()
        }
    };
    let (Some(home), true) = (home, errors.is_empty()) else {
        return Err(AppError::InvalidData(errors));
    };

    // Each analysed term once, named by the word as the profile wrote it
    // (the reason says "mentions Digitalisierung", not the stem).
    let mut need_terms = profile
        .need
        .as_deref()
        .map(analyzer::words)
        .unwrap_or_default();
    need_terms.sort_by(|a, b| a.0.cmp(&b.0));
    need_terms.dedup_by(|a, b| a.0 == b.0);
    let resolved = ResolvedProfile {
        target_group: profile.role.target_group(),
        home,
        containers: graph.containers(home).into_iter().collect(),
        contents: graph.related(home).into_iter().collect(),
        // Named by their labels in the answer's language, as people read them.
        topics: topics
            .into_iter()
            .map(|(key, ids)| {
                let reference = &snapshot.reference.topics;
                let name = reference
                    .resolve(&key)
                    .and_then(|id| reference.get(id))
                    .map_or(key, |t| {
                        ctx.lang.pick(&t.label_de, t.label_en.as_deref()).to_owned()
                    });
                (name, ids.into_iter().collect())
            })
            .collect(),
        need_terms: need_terms
            .into_iter()
            .map(|(term, word)| (word, corpus.term_id(&term)))
            .collect(),
        free_only: profile.budget == Budget::FreeOnly,
        date: profile.date.map_or(today, |d| d.0),
    };

    let lang = ctx.lang;
    let mut ranked: Vec<(f64, &OfferFacts)> = corpus
        .offers
        .iter()
        .filter_map(|o| quick_score(&resolved, o).map(|s| (s, o)))
        .collect();
    let best_first = |a: &(f64, &OfferFacts), b: &(f64, &OfferFacts)| {
        b.0.total_cmp(&a.0)
            .then_with(|| a.1.title(lang).cmp(b.1.title(lang)))
            .then_with(|| a.1.id.cmp(&b.1.id))
    };
    let total = u32::try_from(ranked.len()).unwrap_or(u32::MAX);
    let limit = limit as usize;
    if ranked.len() > limit {
        ranked.select_nth_unstable_by(limit - 1, best_first);
        ranked.truncate(limit);
    }
    ranked.sort_unstable_by(best_first);

    let ids: Vec<Uuid> = ranked.iter().map(|(_, o)| o.id).collect();
    let mut offers = super::resource::by_ids::<super::offers::Offers, _>(db, &ids, ctx).await?;
    let region_name = |id: Uuid| {
        graph
            .get(id)
            .map(|r| lang.pick(&r.name, r.name_en.as_deref()).to_owned())
            .unwrap_or_default()
    };
    let items = ranked
        .iter()
        .filter_map(|(_, facts)| {
            // An offer deleted since the corpus was loaded is skipped.
            let offer = offers.remove(&facts.id)?;
            let (score, reasons) = score(&resolved, facts, &region_name).ok()?;
            Some(Match {
                score,
                reasons,
                offer,
            })
        })
        .collect();
    let (excluded, excluded_total) = if profile.explain {
        let mut ruled_out: Vec<&OfferFacts> = corpus
            .offers
            .iter()
            .filter(|o| quick_score(&resolved, o).is_none())
            .collect();
        let ruled_out_total = u32::try_from(ruled_out.len()).unwrap_or(u32::MAX);
        let by_title = |a: &&OfferFacts, b: &&OfferFacts| {
            a.title(lang)
                .cmp(b.title(lang))
                .then_with(|| a.slug.cmp(&b.slug))
        };
        if ruled_out.len() > MAX_EXCLUDED {
            ruled_out.select_nth_unstable_by(MAX_EXCLUDED - 1, by_title);
            ruled_out.truncate(MAX_EXCLUDED);
        }
        ruled_out.sort_unstable_by(by_title);
        let listed = ruled_out
            .into_iter()
            .filter_map(|o| {
                let reasons = score(&resolved, o, &region_name).err()?;
                Some(Excluded {
                    slug: o.slug.clone(),
                    title: o.title(lang).to_owned(),
                    reasons,
                })
            })
            .collect();
        (Some(listed), Some(ruled_out_total))
    } else {
        (None, None)
    };
    Ok(MatchResult {
        items,
        total,
        excluded,
        excluded_total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: Uuid = Uuid::from_u128(1);
    const OWL: Uuid = Uuid::from_u128(2);
    const NRW: Uuid = Uuid::from_u128(3);
    const DE: Uuid = Uuid::from_u128(4);
    const ELSEWHERE: Uuid = Uuid::from_u128(5);
    const PART: Uuid = Uuid::from_u128(6);

    fn name(id: Uuid) -> String {
        match id {
            NRW => "NRW",
            ELSEWHERE => "Köln",
            _ => "R",
        }
        .to_owned()
    }

    fn offer(groups: &[TargetGroup], cost: Cost, topics: &[Uuid]) -> OfferFacts {
        OfferFacts {
            id: Uuid::nil(),
            slug: "o".into(),
            title_de: "Angebot".into(),
            title_en: None,
            texts: Default::default(),
            target_groups: groups.iter().copied().collect(),
            cost,
            kind: crate::vocab::OfferKind::Consulting,
            provider_id: Uuid::nil(),
            project_id: None,
            verified: true,
            created_at: chrono::DateTime::UNIX_EPOCH,
            updated_at: chrono::DateTime::UNIX_EPOCH,
            valid_from: None,
            valid_until: None,
            application_deadline: None,
            topics: topics.to_vec(),
            regions: vec![(NRW, RegionKind::State)],
            terms: Box::new([]),
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn profile() -> ResolvedProfile {
        ResolvedProfile {
            target_group: TargetGroup::WorksCouncil,
            home: HOME,
            containers: [HOME, OWL, NRW, DE].into_iter().collect(),
            contents: [PART].into_iter().collect(),
            topics: Vec::new(),
            need_terms: Vec::new(),
            free_only: false,
            date: day("2025-01-15"),
        }
    }

    fn codes(reasons: &[Reason]) -> Vec<&str> {
        reasons.iter().map(|r| r.code.as_str()).collect()
    }

    #[test]
    fn rules_out_wrong_region_group_dates_and_cost_with_reasons() {
        let mut o = offer(&[TargetGroup::Sme], Cost::Paid, &[]);
        o.regions = vec![(ELSEWHERE, RegionKind::District)];
        o.valid_until = Some(day("2024-12-31"));
        let mut p = profile();
        p.free_only = true;
        let Err(reasons) = score(&p, &o, &name) else {
            panic!("must be ruled out")
        };
        assert_eq!(
            codes(&reasons),
            ["outside_region", "other_target_group", "closed", "not_free"]
        );
        assert_eq!(reasons[0].detail, "serves only Köln");
        assert_eq!(quick_score(&p, &o), None);

        o.regions = vec![(NRW, RegionKind::State)];
        o.valid_until = None;
        o.valid_from = Some(day("2025-02-01"));
        let Err(reasons) = score(&profile(), &o, &name) else {
            panic!("must be ruled out")
        };
        assert_eq!(codes(&reasons), ["other_target_group", "not_yet_open"]);
        assert_eq!(quick_score(&profile(), &o), None);
    }

    #[test]
    fn local_offers_beat_statewide_and_nationwide_ones() {
        let mut o = offer(&[TargetGroup::WorksCouncil], Cost::Unknown, &[]);
        let mut at = |region, kind| {
            o.regions = vec![(region, kind)];
            let (total, _) = score(&profile(), &o, &name).unwrap();
            assert_eq!(quick_score(&profile(), &o), Some(total));
            total
        };
        let local = at(HOME, RegionKind::District);
        let part = at(PART, RegionKind::Municipality);
        let owl = at(OWL, RegionKind::EconomicRegion);
        let nrw = at(NRW, RegionKind::State);
        let de = at(DE, RegionKind::Country);
        assert_eq!(local, part);
        assert!(
            local > owl && owl > nrw && nrw > de,
            "{local} {owl} {nrw} {de}"
        );
        o.regions = vec![(DE, RegionKind::Country), (NRW, RegionKind::State)];
        let (_, reasons) = score(&profile(), &o, &name).unwrap();
        assert_eq!(reasons[0].detail, "serves all of NRW", "the best region");
        assert_eq!(codes(&reasons), ["serves_region", "target_group_match"]);
    }

    #[test]
    fn topics_text_and_free_add_their_weights() {
        let topic = Uuid::from_u128(7);
        let mut o = offer(&[TargetGroup::WorksCouncil], Cost::Free, &[topic]);
        o.regions = vec![(HOME, RegionKind::District)];
        o.terms = Box::new([3, 9]);
        let mut p = profile();
        p.topics = vec![
            ("arbeit-40".into(), [topic].into_iter().collect()),
            ("other".into(), BTreeSet::new()),
        ];
        p.need_terms = vec![
            ("betriebsrat".into(), Some(9)),
            ("metall".into(), Some(4)),
            ("unbekannt".into(), None),
            ("zukunft".into(), Some(3)),
        ];
        let (total, reasons) = score(&p, &o, &name).unwrap();
        let expected = weights::REGION
            + weights::TARGET_GROUP
            + weights::TOPICS / 2.0
            + weights::TEXT / 2.0
            + weights::FREE;
        assert!((total - expected).abs() < 1e-3, "{total} vs {expected}");
        assert_eq!(quick_score(&p, &o), Some(total));
        assert_eq!(
            codes(&reasons),
            [
                "serves_region",
                "target_group_match",
                "topic_match",
                "text_match",
                "free_of_charge"
            ]
        );
        assert_eq!(reasons[2].detail, "covers arbeit-40");
        assert_eq!(reasons[3].detail, "mentions betriebsrat, zukunft");
        let perfect = weights::REGION
            + weights::TARGET_GROUP
            + weights::TOPICS
            + weights::TEXT
            + weights::FREE;
        assert!((perfect - 1.0).abs() < 1e-9, "the weights add up to 1");
    }

    #[test]
    fn a_passed_application_deadline_closes_the_offer() {
        let mut o = offer(&[TargetGroup::WorksCouncil], Cost::Unknown, &[]);
        o.application_deadline = Some(day("2025-01-14"));
        let Err(reasons) = score(&profile(), &o, &name) else {
            panic!("must be ruled out")
        };
        assert_eq!(codes(&reasons), ["closed"]);
        assert_eq!(reasons[0].detail, "the application deadline was 2025-01-14");
        assert_eq!(quick_score(&profile(), &o), None);
        // On the deadline itself one can still apply.
        o.application_deadline = Some(day("2025-01-15"));
        assert!(score(&profile(), &o, &name).is_ok());
        assert!(quick_score(&profile(), &o).is_some());
    }

    #[test]
    fn a_near_end_date_is_flagged() {
        let mut o = offer(&[TargetGroup::WorksCouncil], Cost::Unknown, &[]);
        o.valid_until = Some(day("2025-02-01"));
        let (_, reasons) = score(&profile(), &o, &name).unwrap();
        assert_eq!(reasons.last().unwrap().detail, "ends on 2025-02-01");
        o.application_deadline = Some(day("2025-01-20"));
        let (_, reasons) = score(&profile(), &o, &name).unwrap();
        assert_eq!(codes(&reasons).last(), Some(&"deadline_soon"));
        assert_eq!(reasons.last().unwrap().detail, "apply by 2025-01-20");
        o.valid_until = Some(day("2025-06-01"));
        o.application_deadline = None;
        let (_, reasons) = score(&profile(), &o, &name).unwrap();
        assert!(!codes(&reasons).contains(&"deadline_soon"), "too far off");
    }
}
