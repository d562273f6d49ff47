use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::RegionRef;
use crate::vocab::RegionKind;

super::record! {
    verified
    /// A region: the state, a Regierungsbezirk, a district or an economic region.
    #[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
    #[graphql(complex)]
    pub struct Region {
        /// Stable id.
        #[graphql(name = "id", skip, derived(name = "gql_id", into = "crate::graphql::scalars::Uuid", owned))]
        pub id: Uuid,
        /// Human key, usable in place of the id.
        #[schema(example = "bielefeld")]
        pub slug: String,
        /// Canonical URI of this record.
        #[schema(format = "uri")]
        pub uri: String,
        /// Name in the response language.
        pub name: String,
        /// Level of the region.
        pub kind: RegionKind,
        /// Amtlicher Regionalschlüssel: `05` state, `057` Regierungsbezirk, `05711` district.
        #[schema(example = "05711")]
        pub ars: Option<String>,
        /// NUTS code (`DEA`, `DEA4`, `DEA41`).
        #[schema(example = "DEA41")]
        pub nuts: Option<String>,
        /// The region one level up.
        #[graphql(skip)]
        pub parent: Option<RegionRef>,
        /// Member districts (economic regions and Regierungsbezirke).
        #[graphql(skip)]
        pub members: Vec<RegionRef>,
        /// Economic regions this region belongs to.
        #[graphql(skip)]
        pub member_of: Vec<RegionRef>,
    }
}

super::page_type!(
    RegionPage,
    Region,
    "One page of regions.",
    "The regions on this page.",
    "Number of regions matching the filters (only with `include_total=true`)."
);
