//! Topics: lists, items, and the hierarchy behind the `topic` filter.
use std::collections::{HashMap, HashSet};

use entity::topic;
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::page::{Listing, PageRequest, Sort, SortField, SortKind, SortValue, fetch_page};
use super::refs::topic_ref;
use super::{Ctx, key_condition};
use crate::dto::Topic;
use crate::error::{AppError, AppResult, FieldError};

/// Sort fields of the topic list.
pub static SORTS: [SortField<topic::Entity>; 3] = [
    SortField {
        name: "label",
        column: topic::Column::LabelDe,
        kind: SortKind::Text,
        value: |m| SortValue::Text(m.label_de.clone()),
    },
    SortField {
        name: "created_at",
        column: topic::Column::CreatedAt,
        kind: SortKind::Time,
        value: |m| SortValue::Time(m.created_at),
    },
    SortField {
        name: "updated_at",
        column: topic::Column::UpdatedAt,
        kind: SortKind::Time,
        value: |m| SortValue::Time(m.updated_at),
    },
];

/// Resolves topic keys (slugs or ids) and adds their narrower topics, so
/// `topic=digitalisierung` also finds offers tagged `industrie-40`.
pub async fn expand<C: ConnectionTrait>(
    db: &C,
    field: &str,
    keys: &[String],
) -> AppResult<Result<Vec<Uuid>, Vec<FieldError>>> {
    if keys.is_empty() {
        return Ok(Ok(Vec::new()));
    }
    let all = topic::Entity::find().all(db).await?;
    let mut children: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for t in &all {
        if let Some(parent) = t.parent_id {
            children.entry(parent).or_default().push(t.id);
        }
    }
    let mut ids = HashSet::new();
    let mut errors = Vec::new();
    for key in keys {
        let found = all
            .iter()
            .find(|t| t.slug == *key || Uuid::parse_str(key).ok() == Some(t.id));
        match found {
            Some(t) => {
                let mut stack = vec![t.id];
                while let Some(id) = stack.pop() {
                    if ids.insert(id) {
                        stack.extend(children.get(&id).into_iter().flatten().copied());
                    }
                }
            }
            None => errors.push(FieldError::new(
                field,
                format!("unknown topic `{}`", crate::limits::quote(key)),
            )),
        }
    }
    Ok(if errors.is_empty() {
        Ok(ids.into_iter().collect())
    } else {
        Err(errors)
    })
}

/// Resolves each topic key separately, with its narrower topics (for match
/// profiles, where each topic of interest counts on its own).
pub async fn expand_each<C: ConnectionTrait>(
    db: &C,
    keys: &[String],
) -> AppResult<Result<Vec<(String, HashSet<Uuid>)>, Vec<FieldError>>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for key in keys {
        match expand(db, "topics", std::slice::from_ref(key)).await? {
            Ok(ids) => out.push((key.clone(), ids.into_iter().collect())),
            Err(mut e) => errors.append(&mut e),
        }
    }
    Ok(if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    })
}

/// One page of topics.
#[tracing::instrument(name = "service.topics.list", skip_all)]
pub async fn list<C: ConnectionTrait>(
    db: &C,
    sort: &Sort<topic::Entity>,
    page: &PageRequest,
    ctx: &Ctx,
) -> AppResult<Listing<Topic>> {
    let mut rows = fetch_page(
        db,
        topic::Entity::find(),
        sort,
        topic::Column::Id,
        |m| m.id,
        page,
    )
    .await?;
    let items = hydrate(db, std::mem::take(&mut rows.rows), ctx).await?;
    Ok(rows.with_items(items))
}

/// One topic by id or slug.
#[tracing::instrument(name = "service.topics.get", skip(db, ctx))]
pub async fn get<C: ConnectionTrait>(db: &C, key: &str, ctx: &Ctx) -> AppResult<Topic> {
    let model = topic::Entity::find()
        .filter(key_condition(key, topic::Column::Id, topic::Column::Slug))
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound {
            resource: "topic",
            key: key.to_owned(),
        })?;
    let mut items = hydrate(db, vec![model], ctx).await?;
    items.pop().ok_or_else(|| AppError::NotFound {
        resource: "topic",
        key: key.to_owned(),
    })
}

/// Topics by id (for GraphQL loaders).
pub async fn by_ids<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
    ctx: &Ctx,
) -> AppResult<HashMap<Uuid, Topic>> {
    let rows =
        super::refs::rows_by_ids::<topic::Entity, _>(db, topic::Column::Id, ids.to_vec()).await?;
    Ok(hydrate(db, rows, ctx)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect())
}

async fn hydrate<C: ConnectionTrait>(
    db: &C,
    rows: Vec<topic::Model>,
    ctx: &Ctx,
) -> AppResult<Vec<Topic>> {
    let parents = super::refs::topic_refs(db, rows.iter().filter_map(|t| t.parent_id), ctx).await?;
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
