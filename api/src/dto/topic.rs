use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::TopicRef;

/// A topic of the taxonomy offers are tagged with.
#[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
#[graphql(complex)]
pub struct Topic {
    /// Stable id.
    pub id: Uuid,
    /// Human key, usable in place of the id.
    #[schema(example = "industrie-40")]
    pub slug: String,
    /// Canonical URI of this record.
    pub uri: String,
    /// Label in the response language.
    pub label: String,
    /// Description.
    pub description: Option<String>,
    /// The broader topic, if any.
    #[graphql(skip)]
    pub parent: Option<TopicRef>,
    /// Citation of the source(s).
    pub source: String,
    /// When this record was created here.
    pub created_at: DateTime<Utc>,
    /// When this record last changed here.
    pub updated_at: DateTime<Utc>,
    /// Language the text fields are in; nested GraphQL fields follow it.
    #[serde(skip)]
    #[graphql(skip)]
    pub lang: crate::vocab::Lang,
}

super::page_type!(
    TopicPage,
    Topic,
    "One page of topics.",
    "The topics on this page.",
    "Number of topics (only with `include_total=true`)."
);
