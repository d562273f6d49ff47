//! Topics: lists, items, and the hierarchy behind the `topic` filter.
use std::collections::{HashMap, HashSet};

use entity::topic;
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use super::Ctx;
use super::page::{SortField, SortValue, sort_fields};
use super::refs::topic_ref;
use super::resource::{Resource, describe, id_and_slug};
use crate::dto::Topic;
use crate::error::{AppResult, FieldError};

/// Sort fields of the topic list.
pub static SORTS: [SortField<topic::Entity>; 3] =
    sort_fields!(topic, "label", LabelDe, Text, |m| SortValue::Text(
        m.label_de.clone()
    ));

/// The topic tree, read whole (a few dozen topics): resolves `topic` keys
/// and adds narrower topics, so `topic=digitalisierung` also finds offers
/// tagged `industrie-40`.
#[derive(Debug, Default)]
pub struct TopicTree {
    topics: HashMap<Uuid, topic::Model>,
    by_slug: HashMap<String, Uuid>,
    children: HashMap<Uuid, Vec<Uuid>>,
}

impl TopicTree {
    /// Reads every topic (one query).
    pub async fn load<C: ConnectionTrait>(db: &C) -> AppResult<Self> {
        let mut tree = Self::default();
        for t in topic::Entity::find().all(db).await? {
            if let Some(parent) = t.parent_id {
                tree.children.entry(parent).or_default().push(t.id);
            }
            tree.by_slug.insert(t.slug.clone(), t.id);
            tree.topics.insert(t.id, t);
        }
        Ok(tree)
    }

    /// The topic with `id`, if there is one.
    pub fn get(&self, id: Uuid) -> Option<&topic::Model> {
        self.topics.get(&id)
    }

    /// Every topic, in no particular order.
    pub fn all(&self) -> impl Iterator<Item = &topic::Model> {
        self.topics.values()
    }

    /// The topic with slug or id `key` (normalised by
    /// [`crate::unicode::key`]), if there is one.
    pub fn resolve(&self, key: &str) -> Option<Uuid> {
        let key = crate::unicode::key(key);
        let key = key.as_ref();
        self.by_slug.get(key).copied().or_else(|| {
            Uuid::parse_str(key)
                .ok()
                .filter(|id| self.topics.contains_key(id))
        })
    }

    /// The topic `id` and every narrower topic below it.
    fn with_narrower(&self, id: Uuid, ids: &mut HashSet<Uuid>) {
        let mut stack = vec![id];
        while let Some(id) = stack.pop() {
            if ids.insert(id) {
                stack.extend(self.children.get(&id).into_iter().flatten().copied());
            }
        }
    }

    fn unknown(field: &str, key: &str) -> FieldError {
        FieldError::new(
            field,
            format!("unknown topic `{}`", crate::limits::quote(key)),
        )
    }

    /// Resolves the keys of parameter `field` with their narrower topics;
    /// unknown keys become field errors.
    pub fn expand(&self, field: &str, keys: &[String]) -> Result<Vec<Uuid>, Vec<FieldError>> {
        let mut ids = HashSet::new();
        let mut errors = Vec::new();
        for key in keys {
            match self.resolve(key) {
                Some(id) => self.with_narrower(id, &mut ids),
                None => errors.push(Self::unknown(field, key)),
            }
        }
        if errors.is_empty() {
            Ok(ids.into_iter().collect())
        } else {
            Err(errors)
        }
    }

    /// Resolves each key separately, with its narrower topics (for match
    /// profiles, where each topic of interest counts on its own).
    pub fn expand_each(
        &self,
        field: &str,
        keys: &[String],
    ) -> Result<Vec<(String, HashSet<Uuid>)>, Vec<FieldError>> {
        let mut out = Vec::new();
        let mut errors = Vec::new();
        for key in keys {
            match self.resolve(key) {
                Some(id) => {
                    let mut ids = HashSet::new();
                    self.with_narrower(id, &mut ids);
                    out.push((key.clone(), ids));
                }
                None => errors.push(Self::unknown(field, key)),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }
}

/// Topics offers are tagged with.
pub struct Topics;

impl Resource for Topics {
    describe!(topic => Topic, filter (), "topics" / "topic", sort "label");
    id_and_slug!(topic, Topic);

    fn held(
        reference: &crate::service::reference::Reference,
    ) -> Option<&HashMap<Uuid, topic::Model>> {
        Some(&reference.topics.topics)
    }

    async fn hydrate<C: ConnectionTrait>(
        db: &C,
        rows: Vec<topic::Model>,
        ctx: &Ctx,
    ) -> AppResult<Vec<Topic>> {
        let parents =
            super::refs::topic_refs(db, rows.iter().filter_map(|t| t.parent_id), ctx).await?;
        Ok(rows
            .into_iter()
            .map(|m| Topic {
                lang: ctx.lang,
                id: m.id,
                uri: ctx.uri("topics", m.id),
                label: topic_ref(&m, ctx).label,
                description: ctx
                    .lang
                    .pick_opt(m.description_de.as_deref(), m.description_en.as_deref()),
                parent: m.parent_id.and_then(|id| parents.get(&id).cloned()),
                slug: m.slug,
                source: m.source,
                created_at: m.created_at,
                updated_at: m.updated_at,
            })
            .collect())
    }
}
