use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::RegionRef;
use crate::vocab::{AllianceGroup, ContactKind, PartnerKind};

super::record! {
    verified
    /// An organisation: ministry, union, chamber, university, company, cluster …
    #[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
    #[graphql(complex)]
    pub struct Partner {
        /// Stable id.
        #[graphql(name = "id", skip, derived(name = "gql_id", into = "crate::graphql::scalars::Uuid", owned))]
        pub id: Uuid,
        /// Human key, usable in place of the id.
        #[schema(example = "ig-metall")]
        pub slug: String,
        /// Canonical URI of this record.
        #[schema(format = "uri")]
        pub uri: String,
        /// Full name (English where asked for and known).
        pub name: String,
        /// Common abbreviation.
        pub short_name: Option<String>,
        /// Kind of organisation.
        pub kind: PartnerKind,
        /// Alliance group the partner belongs to, where a source confirms it.
        pub alliance_group: Option<AllianceGroup>,
        /// Whether a source confirms membership in the alliance.
        pub alliance_member: bool,
        /// Web site.
        #[schema(format = "iri")]
        pub website: Option<String>,
        /// Short description.
        pub description: Option<String>,
        /// Home region.
        #[graphql(skip)]
        pub region: Option<RegionRef>,
        /// Organisational press and citizen contacts.
        pub contacts: Vec<Contact>,
        /// Office holders and guests of this organisation named in the sources.
        pub people: Vec<Person>,
    }
}

/// An organisational contact (never a private person's).
#[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
pub struct Contact {
    /// Stable id.
    #[graphql(
        name = "id",
        skip,
        derived(name = "gql_id", into = "crate::graphql::scalars::Uuid", owned)
    )]
    pub id: Uuid,
    /// Kind of contact.
    pub kind: ContactKind,
    /// Label in the response language, e.g. "Pressekontakt".
    pub label: String,
    /// Phone number as published.
    #[schema(example = "0211 855-3118")]
    pub phone: Option<String>,
    /// E-mail address as published.
    pub email: Option<String>,
    /// Web page.
    #[schema(format = "iri")]
    pub url: Option<String>,
    /// Citation of the source.
    pub source: String,
}

/// A public office holder or guest named in the sources.
#[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
pub struct Person {
    /// Stable id.
    #[graphql(
        name = "id",
        skip,
        derived(name = "gql_id", into = "crate::graphql::scalars::Uuid", owned)
    )]
    pub id: Uuid,
    /// Human key.
    pub slug: String,
    /// Name as given in the source.
    pub name: String,
    /// Role at the time of the source.
    pub role: String,
    /// Year the role is attested.
    pub year: Option<i32>,
    /// Citation of the source.
    pub source: String,
}

super::page_type!(
    PartnerPage,
    Partner,
    "One page of partners.",
    "The partners on this page.",
    "Number of partners matching the filters (only with `include_total=true`)."
);
