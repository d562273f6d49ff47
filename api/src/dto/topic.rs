use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::TopicRef;

super::record! {
    /// A topic of the taxonomy offers are tagged with.
    #[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
    #[graphql(complex)]
    pub struct Topic {
        /// Stable id.
        #[graphql(name = "id", skip, derived(name = "gql_id", into = "crate::graphql::scalars::Uuid", owned))]
        pub id: Uuid,
        /// Human key, usable in place of the id.
        #[schema(example = "industrie-40")]
        pub slug: String,
        /// Canonical URI of this record.
        #[schema(format = "uri")]
        pub uri: String,
        /// Label in the response language.
        pub label: String,
        /// Description.
        pub description: Option<String>,
        /// The broader topic, if any.
        #[graphql(skip)]
        pub parent: Option<TopicRef>,
    }
}

super::page_type!(
    TopicPage,
    Topic,
    "One page of topics.",
    "The topics on this page.",
    "Number of topics (only with `include_total=true`)."
);
