//! The import format: the shape of `api/seed/seed.json` and of files given to
//! `lotse import`. Records refer to each other by slug.
//!
//! Unknown fields are rejected (`deny_unknown_fields`): a typo in a field name
//! must not silently drop data.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::vocab::{
    AllianceGroup, ContactKind, Cost, MeetingRole, OfferKind, ParticipantRole, PartnerKind,
    ProjectKind, ProjectStatus, RegionKind, TargetGroup,
};

/// The collections of the format, in the order they are written.
pub const COLLECTIONS: [&str; 8] = [
    "topics", "regions", "partners", "contacts", "people", "projects", "offers", "meetings",
];

/// A whole import file. Every collection is optional, so a file may carry
/// just the offers of one provider, referring to partners already stored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dataset {
    /// The collections whose key appears in the document, even with an empty
    /// array: the only ones `lotse import --prune` deletes from. Filled by
    /// [`super::parse`] (not part of the format); empty for a dataset built
    /// in code, which therefore never prunes.
    #[serde(skip)]
    pub present: BTreeSet<&'static str>,
    /// Title, licence and sources of the dataset (kept for humans, not stored).
    #[serde(default)]
    pub meta: Option<serde_json::Value>,
    #[serde(default)]
    pub topics: Vec<TopicRecord>,
    #[serde(default)]
    pub regions: Vec<RegionRecord>,
    #[serde(default)]
    pub partners: Vec<PartnerRecord>,
    #[serde(default)]
    pub contacts: Vec<ContactRecord>,
    #[serde(default)]
    pub people: Vec<PersonRecord>,
    #[serde(default)]
    pub projects: Vec<ProjectRecord>,
    #[serde(default)]
    pub offers: Vec<OfferRecord>,
    #[serde(default)]
    pub meetings: Vec<MeetingRecord>,
}

impl Dataset {
    /// Whether `collection`'s key appears in the parsed document.
    pub fn is_present(&self, collection: &str) -> bool {
        self.present.contains(collection)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicRecord {
    pub slug: String,
    pub label_de: String,
    pub label_en: Option<String>,
    pub description_de: Option<String>,
    pub description_en: Option<String>,
    pub parent: Option<String>,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionRecord {
    pub slug: String,
    pub name: String,
    pub name_en: Option<String>,
    pub kind: RegionKind,
    pub ars: Option<String>,
    pub nuts: Option<String>,
    pub parent: Option<String>,
    #[serde(default)]
    pub members: Vec<String>,
    pub source: String,
    pub verified: bool,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerRecord {
    pub slug: String,
    pub name: String,
    pub name_en: Option<String>,
    pub short_name: Option<String>,
    pub kind: PartnerKind,
    pub alliance_group: Option<AllianceGroup>,
    pub alliance_member: bool,
    pub website: Option<String>,
    pub description_de: Option<String>,
    pub description_en: Option<String>,
    pub region: Option<String>,
    pub source: String,
    pub verified: bool,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactRecord {
    pub slug: String,
    pub partner: String,
    pub kind: ContactKind,
    pub label_de: String,
    pub label_en: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub url: Option<String>,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonRecord {
    pub slug: String,
    pub name: String,
    pub role_de: String,
    pub role_en: Option<String>,
    pub partner: Option<String>,
    pub year: Option<i32>,
    pub source: String,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectRecord {
    pub slug: String,
    pub name: String,
    pub name_en: Option<String>,
    pub kind: ProjectKind,
    pub status: ProjectStatus,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub start_year: Option<i32>,
    pub summary_de: String,
    pub summary_en: Option<String>,
    pub description_de: Option<String>,
    pub description_en: Option<String>,
    pub website: Option<String>,
    pub region: Option<String>,
    pub member_count: Option<i32>,
    #[serde(default)]
    pub facts: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub participants: Vec<ParticipantRecord>,
    pub source: String,
    pub verified: bool,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParticipantRecord {
    pub partner: String,
    pub role: ParticipantRole,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfferRecord {
    pub slug: String,
    pub title_de: String,
    pub title_en: Option<String>,
    pub summary_de: String,
    pub summary_en: Option<String>,
    pub description_de: Option<String>,
    pub description_en: Option<String>,
    pub provider: String,
    pub provider_note: Option<String>,
    pub project: Option<String>,
    pub kind: OfferKind,
    pub target_groups: Vec<TargetGroup>,
    pub topics: Vec<String>,
    pub regions: Vec<String>,
    pub cost: Cost,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub application_deadline: Option<NaiveDate>,
    pub url: Option<String>,
    pub source: String,
    pub verified: bool,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeetingRecord {
    pub slug: String,
    pub title_de: String,
    pub title_en: Option<String>,
    pub date: NaiveDate,
    pub place: String,
    pub host: Option<String>,
    pub summary_de: String,
    pub summary_en: Option<String>,
    #[serde(default)]
    pub outcomes_de: Vec<String>,
    #[serde(default)]
    pub outcomes_en: Vec<String>,
    #[serde(default)]
    pub participants: Vec<MeetingParticipantRecord>,
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeetingParticipantRecord {
    pub partner: Option<String>,
    pub person: Option<String>,
    pub role: MeetingRole,
    pub label_de: String,
    pub label_en: Option<String>,
}
