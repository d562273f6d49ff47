//! The resource: what every collection has in common, written once.
//!
//! A collection (partners, offers …) is described by one [`Resource`] impl:
//! its name, entity, public type, filter, sort fields, how a filter becomes
//! a query and how rows become public items. The generic [`list`], [`get`]
//! and [`by_ids`] serve every collection from that description, for REST
//! handlers and GraphQL resolvers and loaders alike.
//!
//! Chosen: a trait with generic functions, because the compiler then checks
//! that a new collection provides every piece. Rejected: a runtime registry
//! (type-erased, so a missing piece shows only at run time) and one
//! declarative macro per collection (hard to read and to change); macros
//! remain only where utoipa and async-graphql need literal items (the REST
//! handlers of `rest::collection!` and the page types of `dto::page_type!`).
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Select};
use uuid::Uuid;

use super::Ctx;
use super::page::{Listing, PageOf, PageRequest, Planned, Sort, SortField, fetch_page};
use crate::error::{AppError, AppResult};

/// One collection of the API; see the module documentation.
pub trait Resource: Send + Sync + 'static {
    /// The collection's path segment and URI name, e.g. `partners`.
    const COLLECTION: &'static str;
    /// One record's name in problems, e.g. `partner` ("No partner has …").
    const NAME: &'static str;
    /// The sort of a list without `sort`, e.g. `name` or `-date`.
    const DEFAULT_SORT: &'static str;

    /// The table.
    type Entity: EntityTrait<Model: Send + Sync>;
    /// The public type of one record.
    type Item: serde::Serialize + Send + Sync + 'static;
    /// The list's filter (`()` for none).
    type Filter: Default + Send + Sync;

    /// The fields a list may be sorted by.
    const SORTS: &'static [SortField<Self::Entity>];
    /// The GraphQL fields of [`Resource::Item`] whose values come from the
    /// collection's link rows (an offer's `topics`, `regions`,
    /// `targetGroups`): a GraphQL list selecting none of them does not read
    /// the links (`Ctx::selects_any`). Empty for collections without links
    /// of their own to read.
    const LINK_FIELDS: &'static [&'static str] = &[];
    /// The primary key column.
    fn id_column() -> <Self::Entity as EntityTrait>::Column;
    /// A row's id.
    fn row_id(row: &<Self::Entity as EntityTrait>::Model) -> Uuid;
    /// An item's id.
    fn item_id(item: &Self::Item) -> Uuid;

    /// The row a key names: by id (if `key` is a UUID) or slug; collections
    /// with other keys (official region keys) resolve them their way.
    fn key_condition(key: &str, ctx: &Ctx) -> impl Future<Output = AppResult<Condition>> + Send;

    /// The rows matching `filter`; `page` lets a collection plan for the
    /// page size (offers probe their link tables differently for one page
    /// than for a count). Invalid filter values are a 400 problem. By
    /// default every row (for collections without filters).
    fn filtered<C: ConnectionTrait>(
        _db: &C,
        _filter: &Self::Filter,
        _ctx: &Ctx,
        _page: Option<&PageRequest>,
    ) -> impl Future<Output = AppResult<Select<Self::Entity>>> + Send {
        async { Ok(Self::Entity::find()) }
    }

    /// The page `filter` selects, made without the database from the
    /// snapshot (see [`Planned`]). `None` (the default) for collections
    /// paged in SQL by [`fetch_page`].
    fn planned(
        _filter: &Self::Filter,
        _sort: &Sort<Self::Entity>,
        _page: &PageRequest,
        _ctx: &Ctx,
    ) -> impl Future<Output = AppResult<Option<Planned<<Self::Entity as EntityTrait>::Model>>>> + Send
    {
        async { Ok(None) }
    }

    /// The rows of this collection the snapshot holds as reference data, by
    /// id: [`by_ids`] (behind GraphQL's loaders) reads only the ones it
    /// lacks. `None` (the default) for collections read from the database.
    fn held(
        _reference: &super::reference::Reference,
    ) -> Option<&HashMap<Uuid, <Self::Entity as EntityTrait>::Model>> {
        None
    }

    /// Turns rows into public items, in order, with a constant number of
    /// batched queries whatever the number of rows.
    fn hydrate<C: ConnectionTrait>(
        db: &C,
        rows: Vec<<Self::Entity as EntityTrait>::Model>,
        ctx: &Ctx,
    ) -> impl Future<Output = AppResult<Vec<Self::Item>>> + Send;
}

/// The names and types of a [`Resource`] in one line:
/// `describe!(partner => Partner, filter PartnerFilter, "partners" / "partner", sort "name");`
/// declares the entity module, the public type, the filter, the collection
/// and record names, and the default sort (the module's `SORTS` are the
/// sort fields).
macro_rules! describe {
    ($entity:ident => $item:ty, filter $filter:ty, $collection:literal / $name:literal, sort $default:literal) => {
        const COLLECTION: &'static str = $collection;
        const NAME: &'static str = $name;
        const DEFAULT_SORT: &'static str = $default;
        const SORTS: &'static [$crate::service::page::SortField<$entity::Entity>] = &SORTS;
        type Entity = $entity::Entity;
        type Item = $item;
        type Filter = $filter;
    };
}
pub(crate) use describe;

/// The members of [`Resource`] that are the same for every table with `id`
/// and `slug` columns and an item with an `id`: `id_column`, `row_id`,
/// `item_id` and `key_condition` (by id or slug).
macro_rules! id_and_slug {
    ($entity:ident, $item:ty) => {
        fn id_column() -> $entity::Column {
            $entity::Column::Id
        }
        fn row_id(row: &$entity::Model) -> uuid::Uuid {
            row.id
        }
        fn item_id(item: &$item) -> uuid::Uuid {
            item.id
        }
        async fn key_condition(
            key: &str,
            _ctx: &$crate::service::Ctx,
        ) -> $crate::error::AppResult<sea_orm::Condition> {
            Ok($crate::service::resource::id_or_slug(
                key,
                $entity::Column::Id,
                $entity::Column::Slug,
            ))
        }
    };
}
pub(crate) use id_and_slug;

/// Matches a record by id (if `key` is a UUID) or by slug; `key` is
/// normalised by [`crate::unicode::key`] first.
pub fn id_or_slug<C: ColumnTrait>(key: &str, id_column: C, slug_column: C) -> Condition {
    let key = crate::unicode::key(key);
    let key = key.as_ref();
    match Uuid::parse_str(key) {
        Ok(id) => Condition::any()
            .add(id_column.eq(id))
            .add(slug_column.eq(key)),
        Err(_) => Condition::all().add(slug_column.eq(key)),
    }
}

/// A column of resource `R`'s table.
pub type ColumnOf<R> = <<R as Resource>::Entity as EntityTrait>::Column;

/// One page of `R`.
#[tracing::instrument(name = "service.list", skip_all, fields(collection = R::COLLECTION))]
pub async fn list<R: Resource, C: ConnectionTrait>(
    db: &C,
    filter: &R::Filter,
    sort: &Sort<R::Entity>,
    page: &PageRequest,
    ctx: &Ctx,
) -> AppResult<Listing<R::Item>> {
    let mut rows = match R::planned(filter, sort, page, ctx).await? {
        Some(plan) => PageOf::walked(plan.rows, sort, R::row_id, page, plan.total),
        None => {
            let select = R::filtered(db, filter, ctx, Some(page)).await?;
            fetch_page(db, select, sort, R::id_column(), R::row_id, page).await?
        }
    };
    let items = R::hydrate(db, std::mem::take(&mut rows.rows), ctx).await?;
    Ok(rows.with_items(items))
}

/// Every record of `R` that `filter` keeps, in `R`'s first sort order,
/// read in pages of 500 (the API's keyset paging, one snapshot): for
/// answers that need them all at once (the calendar). Errors: those of
/// [`list`].
pub async fn all<R: Resource, C: ConnectionTrait>(
    db: &C,
    filter: &R::Filter,
    ctx: &Ctx,
) -> AppResult<Vec<R::Item>> {
    let sort = Sort::first(R::SORTS);
    let mut page = PageRequest {
        limit: 500,
        ..PageRequest::default()
    };
    let mut items = Vec::new();
    loop {
        let listing = list::<R, C>(db, filter, &sort, &page, ctx).await?;
        items.extend(listing.items);
        match listing
            .next_cursor
            .as_deref()
            .and_then(super::page::Cursor::decode)
        {
            Some(cursor) => page.after = Some(cursor),
            None => return Ok(items),
        }
    }
}

/// One record of `R` by key; `NotFound` (404) if none has it.
#[tracing::instrument(name = "service.get", skip(db, ctx), fields(collection = R::COLLECTION))]
pub async fn get<R: Resource, C: ConnectionTrait>(
    db: &C,
    key: &str,
    ctx: &Ctx,
) -> AppResult<R::Item> {
    let not_found = || AppError::NotFound {
        resource: R::NAME,
        key: key.to_owned(),
    };
    let model = R::Entity::find()
        .filter(R::key_condition(key, ctx).await?)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    R::hydrate(db, vec![model], ctx)
        .await?
        .pop()
        .ok_or_else(not_found)
}

/// Records of `R` by id (for GraphQL loaders): those the snapshot holds
/// ([`Resource::held`]) without a query, the rest in one batched load,
/// whatever the count; unknown ids are absent from the map.
pub async fn by_ids<R: Resource, C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
    ctx: &Ctx,
) -> AppResult<HashMap<Uuid, R::Item>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let reference = ctx.reference().await?;
    let mut rows = Vec::with_capacity(ids.len());
    if let Some(held) = R::held(&reference) {
        ids.retain(|id| match held.get(id) {
            Some(row) => {
                rows.push(row.clone());
                false
            }
            None => true,
        });
    }
    if !ids.is_empty() {
        rows.extend(super::refs::rows_by_ids::<R::Entity, _>(db, R::id_column(), ids).await?);
    }
    Ok(R::hydrate(db, rows, ctx)
        .await?
        .into_iter()
        .map(|item| (R::item_id(&item), item))
        .collect())
}

/// The items of [`held_items`], by id.
pub type HeldItems<R> = Arc<HashMap<Uuid, Arc<<R as Resource>::Item>>>;

/// Every record of `R` the snapshot holds ([`Resource::held`]) as a public
/// item in `ctx`'s language, by id: made once per generation and language
/// (kept in the snapshot's memo), `None` for collections read from the
/// database. GraphQL resolves relations to reference records (an offer's
/// provider, topics, regions) from it with one lookup each, instead of a
/// batch and a hydration per request.
pub async fn held_items<R: Resource, C: ConnectionTrait>(
    db: &C,
    ctx: &Ctx,
) -> AppResult<Option<HeldItems<R>>> {
    let snapshot = ctx.snapshot().await?;
    let Some(rows) = R::held(&snapshot.reference) else {
        return Ok(None);
    };
    let compute = async {
        let items = R::hydrate(db, rows.values().cloned().collect(), ctx).await?;
        Ok(items
            .into_iter()
            .map(|item| (R::item_id(&item), Arc::new(item)))
            .collect::<HashMap<_, _>>())
    };
    // The items' URIs name the base URL.
    let key = format!("{} {}", ctx.lang.as_str(), ctx.base_url);
    let items = snapshot.memo.get_or_compute(R::COLLECTION, key, compute);
    Ok(Some(items.await?))
}
