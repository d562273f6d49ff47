//! Root mutation fields: the writes of the REST API (`POST`, `PUT`, `PATCH`,
//! `DELETE` on `/api/v1/{collection}`) for GraphQL, one set per collection:
//! `createOffer(record:)`, `replaceOffer(key:, record:, ifMatch:)`,
//! `updateOffer(key:, patch:, ifMatch:)`, `deleteOffer(key:, ifMatch:)` …
//!
//! The key comes from the same `Authorization: Bearer` header, the work is
//! done by the same [`crate::service::import::edit`], and its errors carry
//! the same `code` in `extensions` (`unauthorized`, `forbidden`,
//! `invalid_data` with `errors` naming each field by JSON Pointer,
//! `precondition_failed` with the current `etag` …). `record` and `patch`
//! take the record format of `lotse import` files (the REST API's
//! `OfferRecord` … schemas), as JSON. Mutations are refused over GET (405).
use async_graphql::{Context, ErrorExtensions, Result, SimpleObject};

use super::scalars::Json;
use serde_json::Value;
use uuid::Uuid;

use super::query::request_ctx;
use crate::rest::write::{AsRecord, Public};
use crate::service::import::ImportCollection;
use crate::service::import::edit::{self, Editor, IfMatch, Operation};
use crate::service::keys::Principal;
use crate::service::resource::{self, Resource};
use crate::state::AppState;
use crate::vocab::Lang;

/// Who sent the request (set per request from `Authorization`): reads
/// ignore it, as REST reads do; a mutation needs a valid key.
#[derive(Debug, Clone)]
pub enum Caller {
    /// No `Authorization` header.
    Anonymous,
    /// A valid key's holder.
    Key(Principal),
    /// A key that is not valid, and why.
    Rejected(String),
}

/// A deleted record.
#[derive(Debug, Clone, SimpleObject)]
pub struct Deleted {
    /// The id the record had.
    pub id: super::scalars::Uuid,
    /// Its collection, e.g. `offers`.
    pub collection: String,
}

/// The app's state and the editor of a write to `scope`; an error with
/// code `unauthorized` or `forbidden` otherwise.
fn writer<'a>(ctx: &Context<'a>, scope: &str) -> Result<(&'a AppState, Editor<'a>)> {
    let state = ctx.data::<AppState>()?;
    let principal = match ctx.data::<Caller>()? {
        Caller::Key(principal) => principal,
        Caller::Anonymous => {
            return Err(crate::error::AppError::Unauthorized {
                reason: "this mutation needs an API key: send `Authorization: Bearer <key>`".into(),
                presented: false,
            }
            .extend());
        }
        Caller::Rejected(reason) => {
            return Err(crate::error::AppError::Unauthorized {
                reason: reason.clone(),
                presented: true,
            }
            .extend());
        }
    };
    principal.may_write(scope).map_err(|e| e.extend())?;
    let editor = Editor {
        actor: &principal.name,
        require_if_match: state.require_if_match,
    };
    Ok((state, editor))
}

fn if_match(tag: Option<String>) -> IfMatch {
    match tag {
        Some(tag) => IfMatch::parse([tag.as_str()]),
        None => IfMatch::Absent,
    }
}

/// How a mutation answers with the record it wrote: as the query fields
/// show it ([`Public`]) or in the import format ([`AsRecord`]: contacts,
/// people). The same markers choose the REST response (`rest::write`).
pub(crate) trait Shown {
    /// The mutation's result type.
    type Out;
    /// Record `id` after a write, in `lang`.
    async fn show(
        ctx: &Context<'_>,
        state: &AppState,
        id: Uuid,
        lang: Option<Lang>,
    ) -> Result<Self::Out>;
}

impl<R: Resource> Shown for Public<R> {
    type Out = R::Item;

    async fn show(
        ctx: &Context<'_>,
        state: &AppState,
        id: Uuid,
        lang: Option<Lang>,
    ) -> Result<R::Item> {
        resource::get::<R, _>(&state.db, &id.to_string(), &request_ctx(ctx, lang)?)
            .await
            .map_err(|e| e.extend())
    }
}

impl<C: ImportCollection> Shown for AsRecord<C> {
    type Out = Json;

    async fn show(_: &Context<'_>, state: &AppState, id: Uuid, _: Option<Lang>) -> Result<Json> {
        let (record, _) = edit::read::<C>(&state.db, &id.to_string())
            .await
            .map_err(|e| e.extend())?;
        Ok(Json(record))
    }
}

/// Record `id` as `S` shows it, after a write: the next read, this one
/// included, sees the write.
async fn shown<S: Shown>(
    ctx: &Context<'_>,
    state: &AppState,
    id: Uuid,
    lang: Option<Lang>,
) -> Result<S::Out> {
    state.store.invalidate();
    S::show(ctx, state, id, lang).await
}

/// Writes `body` to a record of `C` as `operation` says (`ifMatch` as
/// `tag`), and answers with it as `S` shows it.
pub(crate) async fn write<S: Shown, C: ImportCollection>(
    ctx: &Context<'_>,
    operation: Option<(&str, bool)>,
    tag: Option<String>,
    body: Value,
    lang: Option<Lang>,
) -> Result<S::Out> {
    let (state, by) = writer(ctx, C::SCOPE)?;
    let tag = if_match(tag);
    let operation = match operation {
        None => Operation::Create,
        Some((key, false)) => Operation::Replace(key, &tag),
        Some((key, true)) => Operation::Merge(key, &tag),
    };
    let written = edit::write::<C>(&state.db, by, operation, body)
        .await
        .map_err(|e| e.extend())?;
    shown::<S>(ctx, state, written.id, lang).await
}

pub(crate) async fn delete<C: ImportCollection>(
    ctx: &Context<'_>,
    key: &str,
    tag: Option<String>,
) -> Result<Deleted> {
    let (state, by) = writer(ctx, C::SCOPE)?;
    let id = edit::delete::<C>(&state.db, by, key, &if_match(tag))
        .await
        .map_err(|e| e.extend())?;
    state.store.invalidate();
    Ok(Deleted {
        id: id.into(),
        collection: C::NAME.to_owned(),
    })
}

/// The four mutations of one collection (`OfferMutation`: `createOffer`
/// …), answering as `$shown` shows the record: written out by
/// `graphql_collections` (graphql/query.rs) for every entry of
/// [`crate::service::for_each_collection`], and below for contacts and
/// people (in the import format).
macro_rules! collection_mutations {
    ($name:ident, $mutation:ident, $shown:ty, $dto:ty, $write:ty, $kind:literal,
        $create:ident, $replace:ident, $update:ident, $delete:ident) => {
            #[derive(Default)]
            pub struct $mutation;

            #[async_graphql::Object]
            impl $mutation {
                #[doc = concat!("Creates one ", $kind, " from `record` (the format of `lotse import` files; `POST /api/v1/", stringify!($name), "`). Needs a key with the scope `write` or the collection's own, `write:<collection>` (for contacts and people: `write:partners`).")]
                async fn $create(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    #[graphql(desc = "The record, as in `lotse import` files (references by slug).")]
                    record: crate::graphql::scalars::Json,
                    #[graphql(desc = "Language of the text in the result.")]
                    lang: Option<$crate::vocab::Lang>,
                ) -> async_graphql::Result<$dto> {
                    $crate::graphql::mutation::write::<$shown, $write>(ctx, None, None, record.0, lang).await
                }

                #[doc = concat!("Replaces the ", $kind, " `key` (id or slug) by `record` (`PUT`). With `ifMatch` (its `etag` as read), nothing is written if it changed since: error `precondition_failed` with the current `etag`.")]
                async fn $replace(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    #[graphql(desc = "The record's id (UUID) or slug.")]
                    key: String,
                    #[graphql(desc = "The record, as in `lotse import` files (references by slug); fields left out are cleared.")]
                    record: crate::graphql::scalars::Json,
                    #[graphql(desc = "The `etag` of the version you edited: nothing is written if the record changed since (error `precondition_failed`). Required with `--require-if-match`.")]
                    if_match: Option<String>,
                    #[graphql(desc = "Language of the text in the result.")]
                    lang: Option<$crate::vocab::Lang>,
                ) -> async_graphql::Result<$dto> {
                    $crate::graphql::mutation::write::<$shown, $write>(ctx, Some((&key, false)), if_match, record.0, lang).await
                }

                #[doc = concat!("Changes fields of the ", $kind, " `key` by a JSON Merge Patch (RFC 7396) of its record (`PATCH`): `null` clears a field, a list replaces the stored one. `ifMatch` as for replace.")]
                async fn $update(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    #[graphql(desc = "The record's id (UUID) or slug.")]
                    key: String,
                    #[graphql(desc = "A JSON Merge Patch (RFC 7396) of the record: fields sent replace the stored ones, `null` clears one.")]
                    patch: crate::graphql::scalars::Json,
                    #[graphql(desc = "The `etag` of the version you edited: nothing is written if the record changed since (error `precondition_failed`). Required with `--require-if-match`.")]
                    if_match: Option<String>,
                    #[graphql(desc = "Language of the text in the result.")]
                    lang: Option<$crate::vocab::Lang>,
                ) -> async_graphql::Result<$dto> {
                    $crate::graphql::mutation::write::<$shown, $write>(ctx, Some((&key, true)), if_match, patch.0, lang).await
                }

                #[doc = concat!("Deletes the ", $kind, " `key` with its links (`DELETE`); refused with `conflict` while other records refer to it. `ifMatch` as for replace.")]
                async fn $delete(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    #[graphql(desc = "The record's id (UUID) or slug.")]
                    key: String,
                    #[graphql(desc = "The `etag` of the version you edited: nothing is written if the record changed since (error `precondition_failed`). Required with `--require-if-match`.")]
                    if_match: Option<String>,
                ) -> async_graphql::Result<$crate::graphql::mutation::Deleted> {
                    $crate::graphql::mutation::delete::<$write>(ctx, &key, if_match).await
                }
            }
    };
}
pub(crate) use collection_mutations;

collection_mutations!(
    contacts,
    ContactMutation,
    crate::rest::write::AsRecord<crate::service::import::collections::contacts::Contacts>,
    crate::graphql::scalars::Json,
    crate::service::import::collections::contacts::Contacts,
    "contact",
    create_contact,
    replace_contact,
    update_contact,
    delete_contact
);
collection_mutations!(
    people,
    PersonMutation,
    crate::rest::write::AsRecord<crate::service::import::collections::people::People>,
    crate::graphql::scalars::Json,
    crate::service::import::collections::people::People,
    "person",
    create_person,
    replace_person,
    update_person,
    delete_person
);
