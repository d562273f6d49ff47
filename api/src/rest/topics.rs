//! `/api/v1/topics`
use super::{collection, tags};
use crate::dto::{Topic, TopicPage};
use crate::service::topics::Topics;

collection! {
    resource: Topics,
    page: TopicPage,
    item: Topic,
    tag: tags::TOPICS,
    path: "/topics",
    item_path: "/topics/{key}",
    filter: [],
    /// List the topics offers are tagged with (Digitalisierung, Industrie 4.0,
    /// Arbeit 4.0, Qualifizierung …).
    ///
    /// Sort fields: `label` (default), `created_at`, `updated_at`.
    list: list_topics,
    list_ok: "One page of topics.",
    /// Get one topic by id or slug.
    get: get_topic,
    item_ok: "The topic.",
    key: "The topic's id (UUID) or slug.",
    example: "industrie-40",
    not_found: "No topic has this id or slug.",
}
