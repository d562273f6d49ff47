use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{PartnerRef, RegionRef};
use crate::vocab::{ParticipantRole, ProjectKind, ProjectStatus};

super::record! {
    verified
    /// A pilot project, cluster, network, programme, portal — or the alliance itself.
    #[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
    #[graphql(complex)]
    pub struct Project {
        /// Stable id.
        #[graphql(name = "id", skip, derived(name = "gql_id", into = "crate::graphql::scalars::Uuid", owned))]
        pub id: Uuid,
        /// Human key, usable in place of the id.
        #[schema(example = "arbeit-2020")]
        pub slug: String,
        /// Canonical URI of this record.
        #[schema(format = "uri")]
        pub uri: String,
        /// Name in the response language.
        pub name: String,
        /// Kind of project.
        pub kind: ProjectKind,
        /// Status, as far as the sources confirm it.
        pub status: ProjectStatus,
        /// First day, if a source states it.
        #[graphql(name = "startDate", skip, derived(name = "gql_start_date", into = "Option<crate::graphql::scalars::Date>", with = "crate::graphql::scalars::Date::opt", owned))]
        pub start_date: Option<NaiveDate>,
        /// Last day, if it has ended and a source states it.
        #[graphql(name = "endDate", skip, derived(name = "gql_end_date", into = "Option<crate::graphql::scalars::Date>", with = "crate::graphql::scalars::Date::opt", owned))]
        pub end_date: Option<NaiveDate>,
        /// Start year, where only the year is known.
        pub start_year: Option<i32>,
        /// One-sentence summary.
        pub summary: String,
        /// Full description.
        pub description: Option<String>,
        /// Web site.
        #[schema(format = "iri")]
        pub website: Option<String>,
        /// Region it covers.
        #[graphql(skip)]
        pub region: Option<RegionRef>,
        /// Number of member organisations, where a source states it (it's OWL: 180).
        #[schema(example = 180)]
        pub member_count: Option<i32>,
        /// Further sourced facts as a JSON object (funding, instruments, dates …).
        #[schema(value_type = Object)]
        #[graphql(skip)]
        pub facts: serde_json::Value,
        /// Partners and their roles (initiator, lead, partner, member, funder).
        #[graphql(skip)]
        pub participants: Vec<Participant>,
    }
}

/// A partner's role in a project.
#[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
#[graphql(complex, name = "ProjectParticipant")]
pub struct Participant {
    /// The partner.
    #[graphql(skip)]
    pub partner: PartnerRef,
    /// Its role.
    pub role: ParticipantRole,
    /// Language the text fields are in; nested GraphQL fields follow it.
    #[serde(skip)]
    #[graphql(skip)]
    pub lang: crate::vocab::Lang,
}

super::page_type!(
    ProjectPage,
    Project,
    "One page of projects.",
    "The projects on this page.",
    "Number of projects matching the filters (only with `include_total=true`)."
);
