use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{PartnerRef, PersonRef};
use crate::vocab::MeetingRole;

super::record! {
    /// A session of the alliance.
    #[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
    #[graphql(complex)]
    pub struct Meeting {
        /// Stable id.
        #[graphql(name = "id", skip, derived(name = "gql_id", into = "crate::graphql::scalars::Uuid", owned))]
        pub id: Uuid,
        /// Human key, usable in place of the id.
        #[schema(example = "zweite-sitzung-2016-11-21")]
        pub slug: String,
        /// Canonical URI of this record.
        #[schema(format = "uri")]
        pub uri: String,
        /// Title in the response language.
        pub title: String,
        /// Day of the meeting.
        #[graphql(name = "date", skip, derived(name = "gql_date", into = "crate::graphql::scalars::Date", owned))]
        pub date: NaiveDate,
        /// Where it took place.
        #[schema(example = "Düsseldorf, Staatskanzlei")]
        pub place: String,
        /// Hosting partner.
        #[graphql(skip)]
        pub host: Option<PartnerRef>,
        /// Summary.
        pub summary: String,
        /// Results and announcements, as stated in the source.
        pub outcomes: Vec<String>,
        /// Who took part, and how.
        #[graphql(skip)]
        pub participants: Vec<MeetingParticipant>,
    }
}

/// A participant of a meeting: a partner, a person, or a group named in the source.
#[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
#[graphql(complex)]
pub struct MeetingParticipant {
    /// How they took part.
    pub role: MeetingRole,
    /// As named in the source, in the response language.
    pub label: String,
    /// The partner, where it is one.
    #[graphql(skip)]
    pub partner: Option<PartnerRef>,
    /// The person, where it is one.
    pub person: Option<PersonRef>,
    /// Language the text fields are in; nested GraphQL fields follow it.
    #[serde(skip)]
    #[graphql(skip)]
    pub lang: crate::vocab::Lang,
}

super::page_type!(
    MeetingPage,
    Meeting,
    "One page of meetings.",
    "The meetings on this page.",
    "Number of meetings (only with `include_total=true`)."
);
