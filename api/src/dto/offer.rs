use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{PartnerRef, ProjectRef, RegionRef, TopicRef};
use crate::vocab::{Cost, OfferKind, TargetGroup};

super::record! {
    verified("Citation of the source(s), separated by `;`.", "Editorial note (e.g. how a date was derived).")
    /// A transfer or support offer: consulting, funding, training, network …
    #[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
    #[graphql(complex)]
    pub struct Offer {
        /// Stable id.
        #[graphql(name = "id", skip, derived(name = "gql_id", into = "crate::graphql::scalars::Uuid", owned))]
        pub id: Uuid,
        /// Human key, usable in place of the id.
        #[schema(example = "tbs-beratung")]
        pub slug: String,
        /// Canonical URI of this record.
        #[schema(format = "uri")]
        pub uri: String,
        /// Title in the response language.
        pub title: String,
        /// One-sentence summary.
        pub summary: String,
        /// Full description, if any.
        pub description: Option<String>,
        /// What the offer provides.
        pub kind: OfferKind,
        /// What it costs its user.
        pub cost: Cost,
        /// Who it is for.
        pub target_groups: Vec<TargetGroup>,
        /// Who provides it.
        #[graphql(skip)]
        pub provider: PartnerRef,
        /// The provider as named in the source, where it says more than the partner record.
        pub provider_note: Option<String>,
        /// The project it belongs to, if any.
        #[graphql(skip)]
        pub project: Option<ProjectRef>,
        /// Topics, most general first.
        #[graphql(skip)]
        pub topics: Vec<TopicRef>,
        /// Regions it serves; an offer serving a region also serves everything in it.
        #[graphql(skip)]
        pub regions: Vec<RegionRef>,
        /// First day it is available, if known.
        #[graphql(name = "validFrom", skip, derived(name = "gql_valid_from", into = "Option<crate::graphql::scalars::Date>", with = "crate::graphql::scalars::Date::opt", owned))]
        pub valid_from: Option<NaiveDate>,
        /// Last day it is available, if it has ended or will end.
        #[graphql(name = "validUntil", skip, derived(name = "gql_valid_until", into = "Option<crate::graphql::scalars::Date>", with = "crate::graphql::scalars::Date::opt", owned))]
        pub valid_until: Option<NaiveDate>,
        /// Deadline for applications, if any.
        #[graphql(name = "applicationDeadline", skip, derived(name = "gql_application_deadline", into = "Option<crate::graphql::scalars::Date>", with = "crate::graphql::scalars::Date::opt", owned))]
        pub application_deadline: Option<NaiveDate>,
        /// Web page of the offer.
        #[schema(format = "iri")]
        pub url: Option<String>,
    }
}

super::page_type!(
    OfferPage,
    Offer,
    "One page of offers.",
    "The offers on this page.",
    "Number of offers matching the filters (only with `include_total=true`)."
);
