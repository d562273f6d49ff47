//! Root mutation fields: the writes of the REST API (`POST`, `PUT`, `PATCH`,
//! `DELETE` on `/api/v1/{collection}`) for GraphQL, one set per collection:
//! `createOffer(record:)`, `replaceOffer(key:, record:, ifMatch:)`,
//! `updateOffer(key:, patch:, ifMatch:)`, `deleteOffer(key:, ifMatch:)` …
//!
//! The key comes from the same `Authorization: Bearer` header and the work
//! is done by the same [`crate::service::import::edit`]. What the caller
//! can fix in the record or its timing (not found, invalid data, conflict,
//! stale or missing `ifMatch`) is the mutation's *result*: a payload
//! (`OfferPayload { record, errors }`) whose `errors` name each problem with
//! its code and JSON Pointer, as the REST problem's `errors` do. Only what
//! stops the request as a whole (no key, a key without the scope, a server
//! failure) is a GraphQL error with `extensions.code`. Rejected: every
//! outcome as a GraphQL error (as REST has only status codes), which gives
//! clients no typed way to read field errors and makes a refused record
//! look like a failed resolver to generic tools (Schemathesis counts it as
//! a server error). The pattern is the "user errors" payload of Shopify's
//! and GitHub's GraphQL APIs. `record` and `patch` take the record format
//! of `lotse import` files (the REST API's `OfferRecord` … schemas), as
//! JSON. Mutations are refused over GET (405).
use async_graphql::{Context, Enum, ErrorExtensions, Result, SimpleObject};

use super::scalars::Json;
use serde_json::Value;
use uuid::Uuid;

use super::query::request_ctx;
use crate::error::AppError;
use crate::limits;
use crate::rest::write::{AsRecord, Public};
use crate::service::import::ImportCollection;
use crate::service::import::edit::{self, Editor, IfMatch, Operation};
use crate::service::keys::Principal;
use crate::service::resource::{self, Resource};
use crate::state::AppState;
use crate::vocab::Lang;

/// Who sent the request (its `Authorization`): reads ignore it, as REST
/// reads do; a mutation needs a valid key, checked when the request's first
/// mutation runs and then kept for the request (a batch checks once).
///
/// Checked lazily: a query sent with a key costs no statement, and is
/// answered while the primary database (where keys are checked) is away.
/// Rejected: checking every request up front, which failed such queries
/// with a REST problem instead of a GraphQL answer.
#[derive(Debug, Clone)]
pub struct Caller {
    authorization: Option<actix_web::http::header::HeaderValue>,
    /// The key's holder, or why the key is not valid (a database error is
    /// not kept: the next mutation asks again).
    verdict: std::sync::Arc<tokio::sync::OnceCell<Result<Principal, (String, bool)>>>,
}

impl Caller {
    /// The caller that sent `authorization` (`None`: no header).
    pub fn new(authorization: Option<actix_web::http::header::HeaderValue>) -> Self {
        Self {
            authorization,
            verdict: Default::default(),
        }
    }

    /// The key's holder: 401 (`unauthorized`) without a valid key, 503 if
    /// the database cannot say.
    async fn principal(&self, state: &AppState) -> Result<&Principal, AppError> {
        if self.authorization.is_none() {
            return Err(AppError::Unauthorized {
                reason: "this mutation needs an API key: send `Authorization: Bearer <key>`".into(),
                presented: false,
            });
        }
        let verdict = self
            .verdict
            .get_or_try_init(|| async {
                match crate::rest::write::principal_of(state, self.authorization.as_ref()).await {
                    Ok(principal) => Ok(Ok(principal)),
                    Err(AppError::Unauthorized { reason, presented }) => {
                        Ok(Err((reason, presented)))
                    }
                    Err(other) => Err(other),
                }
            })
            .await?;
        verdict
            .as_ref()
            .map_err(|(reason, presented)| AppError::Unauthorized {
                reason: reason.clone(),
                presented: *presented,
            })
    }
}

/// A deleted record.
#[derive(Debug, Clone, SimpleObject)]
pub struct Deleted {
    /// The id the record had.
    pub id: super::scalars::Uuid,
    /// Its collection, e.g. `offers`.
    pub collection: String,
}

/// The outcome of a delete: what was deleted, or why nothing was.
#[derive(Debug, Clone, SimpleObject)]
pub struct DeletePayload {
    /// The record that was deleted; `null` when `errors` is not empty.
    pub deleted: Option<Deleted>,
    /// Why nothing was deleted; empty when the record was.
    pub errors: Vec<WriteError>,
}

/// Why a write did nothing: the `code` of the REST problem, in upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum WriteErrorCode {
    /// No record of the collection has this key (REST 404 `not_found`).
    NotFound,
    /// The record or patch is wrong on its own: a field missing, of the
    /// wrong type, out of range (REST 422 `invalid_data`). Fix the record.
    InvalidData,
    /// The record is valid on its own but clashes with the stored data: its
    /// slug is taken, it names records that do not exist or closes a cycle,
    /// or (a delete) other records still refer to it (REST 409 `conflict`).
    /// Fix the data it meets. A record that is also wrong on its own has all
    /// its faults, these included, as `INVALID_DATA` (REST: one 422).
    Conflict,
    /// `ifMatch` names a version that is no longer current: someone changed
    /// the record first (REST 412 `precondition_failed`, RFC 9110 §13.1.1).
    /// `etag` is the current version: read the record again, reapply.
    PreconditionFailed,
    /// This server requires `ifMatch` on writes (`--require-if-match`; REST
    /// 428 `precondition_required`, RFC 6585 §3).
    PreconditionRequired,
}

/// One reason a write did nothing.
#[derive(Debug, Clone, SimpleObject)]
pub struct WriteError {
    /// What kind of problem it is.
    pub code: WriteErrorCode,
    /// What is wrong, in English.
    pub message: String,
    /// The field at fault as a JSON Pointer (RFC 6901) into the `record`
    /// sent, e.g. `/participants/2/partner` (for `update…`: into the stored
    /// record with the `patch` applied, so a field the patch did not send
    /// may be named, such as a stored end date the patched start date
    /// passed); `""` for the whole record; `null` when no one field is at
    /// fault (not found, preconditions, a message that more errors were
    /// left out).
    pub field: Option<String>,
    /// With `PRECONDITION_FAILED`: the record's current `etag`.
    pub etag: Option<String>,
}

impl WriteError {
    /// The errors of a write the caller can act on, as data (at most
    /// [`limits::MAX_LISTED_ERRORS`] field errors, then one saying how many
    /// more); `None` for the rest (authorisation, server failures), which
    /// stay GraphQL errors.
    fn of(err: &AppError) -> Option<Vec<WriteError>> {
        let code = match err {
            AppError::NotFound { .. } => WriteErrorCode::NotFound,
            AppError::InvalidData(_) => WriteErrorCode::InvalidData,
            AppError::Conflict(_) | AppError::ConflictingData(_) => WriteErrorCode::Conflict,
            AppError::PreconditionFailed { .. } => WriteErrorCode::PreconditionFailed,
            AppError::PreconditionRequired => WriteErrorCode::PreconditionRequired,
            _ => return None,
        };
        let fields = err.field_errors();
        if fields.is_empty() {
            // In GraphQL's terms (the REST messages name the headers).
            let (message, etag) = match err {
                AppError::PreconditionFailed { current } => (
                    format!(
                        "the record has changed since the version in `ifMatch`; its current `etag` is {current}: read it again and reapply the change"
                    ),
                    Some(current.clone()),
                ),
                AppError::PreconditionRequired => (
                    "this server requires `ifMatch` on writes: send the record's `etag` as read"
                        .to_owned(),
                    None,
                ),
                _ => (err.detail(), None),
            };
            return Some(vec![WriteError {
                code,
                message,
                field: None,
                etag,
            }]);
        }
        let mut errors: Vec<WriteError> = fields
            .iter()
            .take(limits::MAX_LISTED_ERRORS)
            .map(|f| WriteError {
                code,
                message: limits::shorten_quotes(&f.message),
                field: Some(limits::field_name(&f.field)),
                etag: None,
            })
            .collect();
        if fields.len() > limits::MAX_LISTED_ERRORS {
            errors.push(WriteError {
                code,
                message: format!(
                    "and {} more errors not listed",
                    fields.len() - limits::MAX_LISTED_ERRORS
                ),
                field: None,
                etag: None,
            });
        }
        Some(errors)
    }
}

/// A write's result: `Ok((Some(value), []))`, or `Ok((None, errors))` for
/// what [`WriteError::of`] makes data, or the GraphQL error of the rest.
pub(crate) type Outcome<T> = Result<(Option<T>, Vec<WriteError>)>;

fn outcome<T>(result: Result<T, AppError>) -> Outcome<T> {
    match result {
        Ok(value) => Ok((Some(value), Vec::new())),
        Err(err) => match WriteError::of(&err) {
            Some(errors) => Ok((None, errors)),
            None => Err(err.extend()),
        },
    }
}

/// The app's state and the editor of a write to `scope`; an error with
/// code `unauthorized` or `forbidden` otherwise.
async fn writer<'a>(ctx: &Context<'a>, scope: &str) -> Result<(&'a AppState, Editor<'a>)> {
    let state = ctx.data::<AppState>()?;
    let principal = ctx
        .data::<Caller>()?
        .principal(state)
        .await
        .map_err(|e| e.extend())?;
    principal.may_write(scope).map_err(|e| e.extend())?;
    let editor = Editor {
        actor: &principal.name,
        require_if_match: state.require_if_match,
        deadline: state.write_deadline,
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
    written(ctx).await?;
    S::show(ctx, state, id, lang).await
}

/// After a write: the server's snapshot and this request's loaders are
/// stale (see [`crate::service::Ctx::after_write`]).
async fn written(ctx: &Context<'_>) -> Result<()> {
    ctx.data::<std::sync::Arc<super::loaders::Loaders>>()?
        .reset();
    ctx.data::<crate::service::Ctx>()?
        .after_write()
        .await
        .map_err(|e| e.extend())
}

/// Writes `body` to a record of `C` as `operation` says (`ifMatch` as
/// `tag`), and answers with it as `S` shows it, and its new `etag`.
pub(crate) async fn write<S: Shown, C: ImportCollection>(
    ctx: &Context<'_>,
    operation: Option<(&str, bool)>,
    tag: Option<String>,
    body: Value,
    lang: Option<Lang>,
) -> Outcome<(S::Out, String)> {
    let (state, by) = writer(ctx, C::SCOPE).await?;
    let tag = if_match(tag);
    let operation = match operation {
        None => Operation::Create,
        Some((key, false)) => Operation::Replace(key, &tag),
        Some((key, true)) => Operation::Merge(key, &tag),
    };
    match outcome(edit::write::<C>(&state.db, by, operation, body).await)? {
        (Some(written), _) => {
            let record = shown::<S>(ctx, state, written.id, lang).await?;
            Ok((Some((record, written.etag)), Vec::new()))
        }
        (None, errors) => Ok((None, errors)),
    }
}

pub(crate) async fn delete<C: ImportCollection>(
    ctx: &Context<'_>,
    key: &str,
    tag: Option<String>,
) -> Result<DeletePayload> {
    let (state, by) = writer(ctx, C::SCOPE).await?;
    let (id, errors) = outcome(edit::delete::<C>(&state.db, by, key, &if_match(tag)).await)?;
    if id.is_some() {
        written(ctx).await?;
    }
    Ok(DeletePayload {
        deleted: id.map(|id| Deleted {
            id: id.into(),
            collection: C::NAME.to_owned(),
        }),
        errors,
    })
}

/// The four mutations of one collection (`OfferMutation`: `createOffer`
/// …), answering as `$shown` shows the record: written out by
/// `graphql_collections` (graphql/query.rs) for every entry of
/// [`crate::service::for_each_collection`], and below for contacts and
/// people (in the import format).
macro_rules! collection_mutations {
    ($name:ident, $mutation:ident, $payload:ident, $shown:ty, $dto:ty, $write:ty, $kind:literal,
        $create:ident, $replace:ident, $update:ident, $delete:ident) => {
            #[derive(Default)]
            pub struct $mutation;

            #[doc = concat!("The outcome of a write to one ", $kind, ": the record as written, or why nothing was written.")]
            #[derive(async_graphql::SimpleObject)]
            pub struct $payload {
                #[doc = concat!("The ", $kind, " as written (the next read sees it); `null` when `errors` is not empty.")]
                pub record: Option<$dto>,
                /// The record's version after the write (the `etag` reads show), for the `ifMatch` of the next one; `null` when `errors` is not empty.
                pub etag: Option<String>,
                /// Why nothing was written: each problem with its code and field; empty when the write happened.
                pub errors: Vec<$crate::graphql::mutation::WriteError>,
            }

            #[async_graphql::Object]
            impl $mutation {
                #[doc = concat!("Creates one ", $kind, " from `record` (the format of `lotse import` files; `POST /api/v1/", stringify!($name), "`). Needs a key with the scope `write` or the collection's own, `write:<collection>` (for contacts and people: `write:partners`).")]
                async fn $create(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    #[graphql(desc = "The record, as in `lotse import` files (references by slug).")]
                    record: crate::graphql::scalars::Json,
                    #[graphql(desc = "Language of the text in the result (a record in the import format, as contacts and people are shown, holds both).")]
                    lang: Option<$crate::vocab::Lang>,
                ) -> async_graphql::Result<Option<$payload>> {
                    let (record, errors) = $crate::graphql::mutation::write::<$shown, $write>(ctx, None, None, record.0, lang).await?;
                    let (record, etag) = record.unzip();
                    Ok(Some($payload { record, etag, errors }))
                }

                #[doc = concat!("Replaces the ", $kind, " `key` (id or slug) by `record` (`PUT`). With `ifMatch` (its `etag` as read), nothing is written if it changed since: `errors` holds `PRECONDITION_FAILED` with the current `etag`.")]
                async fn $replace(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    #[graphql(desc = "The record's id (UUID) or slug (regions also: official key or NUTS code).")]
                    key: String,
                    #[graphql(desc = "The record, as in `lotse import` files (references by slug); fields left out are cleared.")]
                    record: crate::graphql::scalars::Json,
                    #[graphql(desc = "The `etag` of the version you edited: nothing is written if the record changed since (`errors`: `PRECONDITION_FAILED`). Required with `--require-if-match` (else `PRECONDITION_REQUIRED`).")]
                    if_match: Option<String>,
                    #[graphql(desc = "Language of the text in the result (a record in the import format, as contacts and people are shown, holds both).")]
                    lang: Option<$crate::vocab::Lang>,
                ) -> async_graphql::Result<Option<$payload>> {
                    let (record, errors) = $crate::graphql::mutation::write::<$shown, $write>(ctx, Some((&key, false)), if_match, record.0, lang).await?;
                    let (record, etag) = record.unzip();
                    Ok(Some($payload { record, etag, errors }))
                }

                #[doc = concat!("Changes fields of the ", $kind, " `key` by a JSON Merge Patch (RFC 7396) of its record (`PATCH`): `null` clears a field, a list replaces the stored one. `ifMatch` as for replace.")]
                async fn $update(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    #[graphql(desc = "The record's id (UUID) or slug (regions also: official key or NUTS code).")]
                    key: String,
                    #[graphql(desc = "A JSON Merge Patch (RFC 7396) of the record: fields sent replace the stored ones, `null` clears one.")]
                    patch: crate::graphql::scalars::Json,
                    #[graphql(desc = "The `etag` of the version you edited: nothing is written if the record changed since (`errors`: `PRECONDITION_FAILED`). Required with `--require-if-match` (else `PRECONDITION_REQUIRED`).")]
                    if_match: Option<String>,
                    #[graphql(desc = "Language of the text in the result (a record in the import format, as contacts and people are shown, holds both).")]
                    lang: Option<$crate::vocab::Lang>,
                ) -> async_graphql::Result<Option<$payload>> {
                    let (record, errors) = $crate::graphql::mutation::write::<$shown, $write>(ctx, Some((&key, true)), if_match, patch.0, lang).await?;
                    let (record, etag) = record.unzip();
                    Ok(Some($payload { record, etag, errors }))
                }

                #[doc = concat!("Deletes the ", $kind, " `key` with its links (`DELETE`); refused (`errors`: `CONFLICT`) while other records refer to it. `ifMatch` as for replace.")]
                async fn $delete(
                    &self,
                    ctx: &async_graphql::Context<'_>,
                    #[graphql(desc = "The record's id (UUID) or slug (regions also: official key or NUTS code).")]
                    key: String,
                    #[graphql(desc = "The `etag` of the version you edited: nothing is written if the record changed since (`errors`: `PRECONDITION_FAILED`). Required with `--require-if-match` (else `PRECONDITION_REQUIRED`).")]
                    if_match: Option<String>,
                ) -> async_graphql::Result<Option<$crate::graphql::mutation::DeletePayload>> {
                    $crate::graphql::mutation::delete::<$write>(ctx, &key, if_match).await.map(Some)
                }
            }
    };
}
pub(crate) use collection_mutations;

collection_mutations!(
    contacts,
    ContactMutation,
    ContactPayload,
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
    PersonPayload,
    crate::rest::write::AsRecord<crate::service::import::collections::people::People>,
    crate::graphql::scalars::Json,
    crate::service::import::collections::people::People,
    "person",
    create_person,
    replace_person,
    update_person,
    delete_person
);
