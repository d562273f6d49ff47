//! The "Lotse" itself: offers ranked for a profile, with the reasons.
//!
//! [`score`] is a pure function of a profile and one candidate offer: it
//! either rules the offer out (with the reasons why) or gives it a score in
//! 0..=1 made of documented parts (see [`weights`]) and one reason per part.
//! The rest of this module only gathers the inputs.
use std::collections::HashSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::Ctx;
use super::regions::RegionGraph;
use crate::dto::Offer;
use crate::error::{AppError, AppResult, FieldError};
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
    /// Where: a region's official key (`05711`), slug, NUTS code or id.
    pub region: String,
    /// Who is looking.
    pub role: Role,
    /// Number of employees of the company (informational).
    #[schema(minimum = 0)]
    pub employees: Option<u32>,
    /// Sector, free text (informational).
    pub sector: Option<String>,
    /// Topics of interest (slugs or ids); narrower topics count too.
    #[serde(default)]
    #[graphql(default)]
    pub topics: Vec<String>,
    /// The need in the profile's own words (German), at most 2000 characters.
    pub need: Option<String>,
    /// `free_only` (only offers confirmed free of charge) or `any` (default).
    #[serde(default)]
    #[graphql(default)]
    pub budget: Budget,
    /// Day the offer must be open on; today by default.
    pub date: Option<NaiveDate>,
    /// Also list the offers that were ruled out, and why.
    #[serde(default)]
    #[graphql(default)]
    pub explain: bool,
    /// Most offers to return (1–100, default 20).
    pub limit: Option<u32>,
}

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
    /// Offers that apply, best first.
    pub items: Vec<Match>,
    /// Offers ruled out (only with `explain: true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excluded: Option<Vec<Excluded>>,
}

/// How an offer's served region relates to the profile's region.
#[derive(Debug, Clone, PartialEq)]
pub struct ServedRegion {
    pub name: String,
    pub kind: RegionKind,
    /// The profile's region itself, a region containing it, or one inside it.
    pub relation: Relation,
}

/// See [`ServedRegion`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    Same,
    Contains,
    Inside,
    Unrelated,
}

/// The inputs of [`score`] for one profile, resolved.
#[derive(Debug, Clone)]
pub struct ResolvedProfile {
    pub target_group: TargetGroup,
    /// Profile topics, each with its narrower topics.
    pub topics: Vec<(String, HashSet<Uuid>)>,
    pub need_terms: HashSet<String>,
    pub free_only: bool,
    pub date: NaiveDate,
}

/// The inputs of [`score`] for one offer.
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    pub offer: &'a Offer,
    pub served: Vec<ServedRegion>,
    pub text_terms: HashSet<String>,
}

/// Scores one candidate for a profile; `Err` with the reasons it is ruled out.
pub fn score(
    profile: &ResolvedProfile,
    c: &Candidate<'_>,
) -> Result<(f64, Vec<Reason>), Vec<Reason>> {
    let o = c.offer;
    let mut out = Vec::new();
    let best = c
        .served
        .iter()
        .filter(|r| r.relation != Relation::Unrelated)
        .max_by(|a, b| region_weight(a).total_cmp(&region_weight(b)));
    if best.is_none() {
        let names: Vec<&str> = c.served.iter().map(|r| r.name.as_str()).collect();
        out.push(reason(
            "outside_region",
            format!("serves only {}", names.join(", ")),
        ));
    }
    if !o.target_groups.contains(&profile.target_group) {
        let groups: Vec<&str> = o.target_groups.iter().map(|g| g.as_str()).collect();
        out.push(reason(
            "other_target_group",
            format!("is for {}", groups.join(", ")),
        ));
    }
    if o.valid_until.is_some_and(|d| d < profile.date) {
        out.push(reason(
            "closed",
            format!("ended on {}", o.valid_until.unwrap_or_default()),
        ));
    }
    if o.valid_from.is_some_and(|d| d > profile.date) {
        out.push(reason(
            "not_yet_open",
            format!("opens on {}", o.valid_from.unwrap_or_default()),
        ));
    }
    // "Free only" means confirmed free: an offer whose cost the sources do
    // not state is left out too.
    if profile.free_only && o.cost != Cost::Free {
        out.push(reason(
            "not_free",
            format!("cost: {} (not confirmed free)", o.cost),
        ));
    }
    if !out.is_empty() {
        return Err(out);
    }

    let mut total = 0.0;
    let mut reasons = Vec::new();
    if let Some(region) = best {
        let weight = region_weight(region);
        total += weights::REGION * weight;
        let detail = match (region.relation, region.kind) {
            (Relation::Contains, RegionKind::Country | RegionKind::State) => {
                format!("serves all of {}", region.name)
            }
            (Relation::Inside, _) => format!("serves {}, part of the region", region.name),
            _ => format!("serves {}", region.name),
        };
        reasons.push(reason("serves_region", detail));
    }
    total += weights::TARGET_GROUP;
    reasons.push(reason(
        "target_group_match",
        format!("for {}", profile.target_group),
    ));
    if !profile.topics.is_empty() {
        let offer_topics: HashSet<Uuid> = o.topics.iter().map(|t| t.id).collect();
        let matched: Vec<&str> = profile
            .topics
            .iter()
            .filter(|(_, ids)| !ids.is_disjoint(&offer_topics))
            .map(|(slug, _)| slug.as_str())
            .collect();
        if !matched.is_empty() {
            total += weights::TOPICS * matched.len() as f64 / profile.topics.len() as f64;
            reasons.push(reason(
                "topic_match",
                format!("covers {}", matched.join(", ")),
            ));
        }
    }
    if !profile.need_terms.is_empty() {
        let mut matched: Vec<&str> = profile
            .need_terms
            .iter()
            .filter(|t| c.text_terms.contains(*t))
            .map(String::as_str)
            .collect();
        matched.sort_unstable();
        if !matched.is_empty() {
            total += weights::TEXT * matched.len() as f64 / profile.need_terms.len() as f64;
            reasons.push(reason(
                "text_match",
                format!("mentions {}", matched.join(", ")),
            ));
        }
    }
    if o.cost == Cost::Free {
        total += weights::FREE;
        reasons.push(reason("free_of_charge", "free of charge"));
    }
    let soon = |d: NaiveDate| d >= profile.date && (d - profile.date).num_days() <= 60;
    if let Some(d) = o.application_deadline.filter(|d| soon(*d)) {
        reasons.push(reason("deadline_soon", format!("apply by {d}")));
    } else if let Some(d) = o.valid_until.filter(|d| soon(*d)) {
        reasons.push(reason("deadline_soon", format!("ends on {d}")));
    }
    Ok(((total * 1000.0).round() / 1000.0, reasons))
}

/// Share of the region weight: local offers fit better than nationwide ones.
fn region_weight(r: &ServedRegion) -> f64 {
    match (r.relation, r.kind) {
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
    let mut errors = Vec::new();
    if profile
        .need
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NEED_LEN)
    {
        errors.push(FieldError::new(
            "need",
            format!("at most {MAX_NEED_LEN} characters"),
        ));
    }
    if profile
        .sector
        .as_ref()
        .is_some_and(|s| s.chars().count() > 200)
    {
        errors.push(FieldError::new("sector", "at most 200 characters"));
    }
    let limit = profile.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        errors.push(FieldError::new(
            "limit",
            format!("must be between 1 and 100, got {limit}"),
        ));
    }
    let graph = RegionGraph::load(db).await?;
    let home = graph.resolve(&profile.region);
    if home.is_none() {
        errors.push(FieldError::new(
            "region",
            format!("unknown region `{}`", profile.region),
        ));
    }
    let topics = match super::topics::expand_each(db, &profile.topics).await? {
        Ok(topics) => topics,
        Err(mut e) => {
            errors.append(&mut e);
            Vec::new()
        }
    };
    let (Some(home), true) = (home, errors.is_empty()) else {
        return Err(AppError::InvalidData(errors));
    };

    let resolved = ResolvedProfile {
        target_group: profile.role.target_group(),
        topics,
        need_terms: profile
            .need
            .as_deref()
            .map(analyzer::terms)
            .unwrap_or_default()
            .into_iter()
            .collect(),
        free_only: profile.budget == Budget::FreeOnly,
        date: profile.date.unwrap_or(today),
    };
    let containers = graph.containers(home);
    let contents = graph.related(home);
    let offers = super::offers::all(db, ctx).await?;
    let mut items = Vec::new();
    let mut excluded = Vec::new();
    for offer in &offers {
        let served = offer
            .regions
            .iter()
            .map(|r| ServedRegion {
                name: r.name.clone(),
                kind: r.kind,
                relation: if r.id == home {
                    Relation::Same
                } else if containers.contains(&r.id) {
                    Relation::Contains
                } else if contents.contains(&r.id) {
                    Relation::Inside
                } else {
                    Relation::Unrelated
                },
            })
            .collect();
        let text = [
            Some(offer.title.as_str()),
            Some(offer.summary.as_str()),
            offer.description.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        let candidate = Candidate {
            offer,
            served,
            text_terms: analyzer::terms(&text).into_iter().collect(),
        };
        match score(&resolved, &candidate) {
            Ok((score, reasons)) => items.push(Match {
                score,
                reasons,
                offer: offer.clone(),
            }),
            Err(reasons) => excluded.push(Excluded {
                slug: offer.slug.clone(),
                title: offer.title.clone(),
                reasons,
            }),
        }
    }
    items.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.offer.title.cmp(&b.offer.title))
    });
    items.truncate(limit as usize);
    Ok(MatchResult {
        items,
        excluded: profile.explain.then_some(excluded),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::{PartnerRef, TopicRef};
    use crate::vocab::{Lang, OfferKind, PartnerKind};

    fn offer(groups: &[TargetGroup], cost: Cost, topics: &[Uuid]) -> Offer {
        Offer {
            id: Uuid::nil(),
            slug: "o".into(),
            uri: String::new(),
            title: "Angebot".into(),
            summary: String::new(),
            description: None,
            kind: OfferKind::Consulting,
            cost,
            target_groups: groups.to_vec(),
            provider: PartnerRef {
                id: Uuid::nil(),
                slug: "p".into(),
                name: "P".into(),
                short_name: None,
                kind: PartnerKind::Other,
            },
            provider_note: None,
            project: None,
            topics: topics
                .iter()
                .map(|id| TopicRef {
                    id: *id,
                    slug: "t".into(),
                    label: "T".into(),
                })
                .collect(),
            regions: Vec::new(),
            valid_from: None,
            valid_until: None,
            application_deadline: None,
            url: None,
            source: String::new(),
            verified: true,
            note: None,
            created_at: chrono::DateTime::default(),
            updated_at: chrono::DateTime::default(),
            lang: Lang::De,
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn profile() -> ResolvedProfile {
        ResolvedProfile {
            target_group: TargetGroup::WorksCouncil,
            topics: Vec::new(),
            need_terms: HashSet::new(),
            free_only: false,
            date: day("2025-01-15"),
        }
    }

    fn served(kind: RegionKind, relation: Relation) -> Vec<ServedRegion> {
        vec![ServedRegion {
            name: "NRW".into(),
            kind,
            relation,
        }]
    }

    fn codes(reasons: &[Reason]) -> Vec<&str> {
        reasons.iter().map(|r| r.code.as_str()).collect()
    }

    #[test]
    fn rules_out_wrong_region_group_dates_and_cost_with_reasons() {
        let mut o = offer(&[TargetGroup::Sme], Cost::Paid, &[]);
        o.valid_until = Some(day("2024-12-31"));
        let c = Candidate {
            offer: &o,
            served: served(RegionKind::District, Relation::Unrelated),
            text_terms: HashSet::new(),
        };
        let mut p = profile();
        p.free_only = true;
        let Err(reasons) = score(&p, &c) else {
            panic!("must be ruled out")
        };
        assert_eq!(
            codes(&reasons),
            ["outside_region", "other_target_group", "closed", "not_free"]
        );
        o.valid_until = None;
        o.valid_from = Some(day("2025-02-01"));
        let c = Candidate {
            offer: &o,
            served: served(RegionKind::State, Relation::Contains),
            text_terms: HashSet::new(),
        };
        let Err(reasons) = score(&profile(), &c) else {
            panic!("must be ruled out")
        };
        assert_eq!(codes(&reasons), ["other_target_group", "not_yet_open"]);
    }

    #[test]
    fn local_offers_beat_statewide_and_nationwide_ones() {
        let o = offer(&[TargetGroup::WorksCouncil], Cost::Unknown, &[]);
        let at = |kind, relation| {
            let c = Candidate {
                offer: &o,
                served: served(kind, relation),
                text_terms: HashSet::new(),
            };
            score(&profile(), &c).unwrap().0
        };
        let local = at(RegionKind::District, Relation::Same);
        let owl = at(RegionKind::EconomicRegion, Relation::Contains);
        let nrw = at(RegionKind::State, Relation::Contains);
        let de = at(RegionKind::Country, Relation::Contains);
        assert!(
            local > owl && owl > nrw && nrw > de,
            "{local} {owl} {nrw} {de}"
        );
        let c = Candidate {
            offer: &o,
            served: served(RegionKind::State, Relation::Contains),
            text_terms: HashSet::new(),
        };
        let (_, reasons) = score(&profile(), &c).unwrap();
        assert_eq!(reasons[0].detail, "serves all of NRW");
        assert_eq!(codes(&reasons), ["serves_region", "target_group_match"]);
    }

    #[test]
    fn topics_text_and_free_add_their_weights() {
        let topic = Uuid::from_u128(7);
        let o = offer(&[TargetGroup::WorksCouncil], Cost::Free, &[topic]);
        let c = Candidate {
            offer: &o,
            served: served(RegionKind::District, Relation::Same),
            text_terms: ["betriebsrat".to_owned()].into_iter().collect(),
        };
        let mut p = profile();
        p.topics = vec![
            ("arbeit-40".into(), [topic].into_iter().collect()),
            ("other".into(), HashSet::new()),
        ];
        p.need_terms = ["betriebsrat".to_owned(), "metall".to_owned()]
            .into_iter()
            .collect();
        let (total, reasons) = score(&p, &c).unwrap();
        let expected = weights::REGION
            + weights::TARGET_GROUP
            + weights::TOPICS / 2.0
            + weights::TEXT / 2.0
            + weights::FREE;
        assert!((total - expected).abs() < 1e-3, "{total} vs {expected}");
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
        assert_eq!(reasons[3].detail, "mentions betriebsrat");
        let perfect = weights::REGION
            + weights::TARGET_GROUP
            + weights::TOPICS
            + weights::TEXT
            + weights::FREE;
        assert!((perfect - 1.0).abs() < 1e-9, "the weights add up to 1");
    }

    #[test]
    fn a_near_end_date_is_flagged() {
        let mut o = offer(&[TargetGroup::WorksCouncil], Cost::Unknown, &[]);
        o.valid_until = Some(day("2025-02-01"));
        let c = Candidate {
            offer: &o,
            served: served(RegionKind::State, Relation::Contains),
            text_terms: HashSet::new(),
        };
        let (_, reasons) = score(&profile(), &c).unwrap();
        assert!(codes(&reasons).contains(&"deadline_soon"));
    }
}
