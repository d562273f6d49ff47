//! Compact summaries of related records, embedded so a portal needs one request.
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::vocab::{PartnerKind, ProjectKind, RegionKind};

/// A partner in brief.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartnerRef {
    /// Stable id.
    pub id: Uuid,
    /// Human key, usable in place of the id.
    #[schema(example = "mags")]
    pub slug: String,
    /// Full name.
    #[schema(
        example = "Ministerium für Arbeit, Gesundheit und Soziales des Landes Nordrhein-Westfalen"
    )]
    pub name: String,
    /// Common abbreviation.
    #[schema(example = "MAGS")]
    pub short_name: Option<String>,
    /// Kind of organisation.
    pub kind: PartnerKind,
}

/// A topic in brief.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TopicRef {
    /// Stable id.
    pub id: Uuid,
    /// Human key.
    #[schema(example = "industrie-40")]
    pub slug: String,
    /// Label in the response language.
    #[schema(example = "Industrie 4.0")]
    pub label: String,
}

/// A region in brief.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionRef {
    /// Stable id.
    pub id: Uuid,
    /// Human key.
    #[schema(example = "bielefeld")]
    pub slug: String,
    /// Name in the response language.
    #[schema(example = "Bielefeld")]
    pub name: String,
    /// Level of the region.
    pub kind: RegionKind,
    /// Amtlicher Regionalschlüssel (official key), where the region has one.
    #[schema(example = "05711")]
    pub ars: Option<String>,
    /// NUTS code, where the region has one.
    #[schema(example = "DEA41")]
    pub nuts: Option<String>,
}

/// A project in brief.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectRef {
    /// Stable id.
    pub id: Uuid,
    /// Human key.
    #[schema(example = "arbeit-2020")]
    pub slug: String,
    /// Name in the response language.
    #[schema(example = "Arbeit 2020 in NRW")]
    pub name: String,
    /// Kind of project.
    pub kind: ProjectKind,
}

/// A person in brief.
#[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
pub struct PersonRef {
    /// Stable id.
    #[graphql(
        name = "id",
        skip,
        derived(name = "gql_id", into = "crate::graphql::scalars::Uuid", owned)
    )]
    pub id: Uuid,
    /// Human key.
    #[schema(example = "rainer-schmeltzer")]
    pub slug: String,
    /// Name as given in the source.
    #[schema(example = "Rainer Schmeltzer")]
    pub name: String,
    /// Role at the time of the source, in the response language.
    #[schema(example = "Arbeitsminister")]
    pub role: String,
}
