//! The write side of every collection: `POST` to the collection, `PUT`,
//! `PATCH` (JSON Merge Patch, RFC 7396) and `DELETE` on an item, each with
//! an API key (`Authorization: Bearer`, RFC 6750) of a scope that covers
//! the collection. The work is done by [`crate::service::import::edit`];
//! these functions read the request and shape the response.
use std::marker::PhantomData;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use uuid::Uuid;

use super::json_response;
use crate::error::{AppError, AppResult};
use crate::service::Ctx;
use crate::service::import::ImportCollection;
use crate::service::import::edit::{self, Editor, IfMatch, Operation, Written};
use crate::service::keys::{self, Principal};
use crate::service::resource::{self, Resource};
use crate::state::AppState;

/// Largest accepted record, in bytes: a record's texts are bounded (10,000
/// characters each), and the largest seed record is under 4 KiB.
pub const MAX_RECORD_BYTES: usize = 256 * 1024;

/// The media type of a `PATCH` body (RFC 7396 §4).
pub const MERGE_PATCH: &str = "application/merge-patch+json";

/// The problems every write may answer with, for OpenAPI.
#[derive(utoipa::IntoResponses)]
pub enum WriteProblems {
    /// No valid API key (`WWW-Authenticate: Bearer`).
    #[response(
        status = 401,
        content_type = "application/problem+json",
        example = json!({"type": "/problems/unauthorized", "title": "Unauthorized", "status": 401, "detail": "this request needs an API key: send `Authorization: Bearer <key>`", "code": "unauthorized"})
    )]
    Unauthorized(crate::error::Problem),
    /// The key lacks the scope; `detail` names it.
    #[response(
        status = 403,
        content_type = "application/problem+json",
        example = json!({"type": "/problems/forbidden", "title": "Forbidden", "status": 403, "detail": "this API key lacks the scope `write:offers` this request needs", "code": "forbidden"})
    )]
    Forbidden(crate::error::Problem),
    /// The database is busy (another process writes); retry after
    /// `Retry-After` seconds.
    #[response(status = 503, content_type = "application/problem+json")]
    Busy(crate::error::Problem),
}

/// The problems of a write with a body (`POST`, `PUT`, `PATCH`), for OpenAPI.
#[derive(utoipa::IntoResponses)]
pub enum BodyProblems {
    /// The body is not JSON (or names a key twice in one object), or a bad
    /// query parameter.
    #[response(
        status = 400,
        content_type = "application/problem+json",
        example = json!({"type": "/problems/bad_request", "title": "Bad request", "status": 400, "detail": "the body is not valid JSON: EOF while parsing an object at line 1 column 11", "code": "bad_request"})
    )]
    Malformed(crate::error::Problem),
    /// The body is larger than 256 KiB.
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(crate::error::Problem),
    /// The record is valid on its own but conflicts with the stored data:
    /// its slug (or official key, NUTS code) is taken, a `PUT` or `PATCH`
    /// would change its slug (the record's key), it names records that do
    /// not exist, or its parent would close a cycle. `errors` names each
    /// field by JSON Pointer (RFC 6901). Nothing was written.
    #[response(
        status = 409,
        content_type = "application/problem+json",
        example = json!({"type": "/problems/conflict", "title": "Conflict", "status": 409, "detail": "/slug: an offer with this slug exists already: change it with PUT or PATCH; /provider: unknown partner `nobody`", "code": "conflict", "errors": [{"field": "/slug", "message": "an offer with this slug exists already: change it with PUT or PATCH"}, {"field": "/provider", "message": "unknown partner `nobody`"}]})
    )]
    Conflicting(crate::error::Problem),
    /// The record is invalid on its own; `errors` names every field at
    /// fault by JSON Pointer (RFC 6901), and any conflict with the stored
    /// data too. Nothing was written.
    #[response(
        status = 422,
        content_type = "application/problem+json",
        example = json!({"type": "/problems/invalid_data", "title": "Invalid data", "status": 422, "detail": "/slug: must be lowercase ASCII words joined by single hyphens, with a letter and not an id, e.g. `arbeit-2020`; /valid_until: 2020-01-01 is before valid_from 2020-06-01", "code": "invalid_data", "errors": [{"field": "/slug", "message": "must be lowercase ASCII words joined by single hyphens, with a letter and not an id, e.g. `arbeit-2020`"}, {"field": "/valid_until", "message": "2020-01-01 is before valid_from 2020-06-01"}]})
    )]
    Invalid(crate::error::Problem),
}

/// The problems of a write to an existing record (`If-Match`), for OpenAPI.
#[derive(utoipa::IntoResponses)]
pub enum ConditionalProblems {
    /// `If-Match` does not name the current version; `etag` (and the
    /// `ETag` header) holds it.
    #[response(
        status = 412,
        content_type = "application/problem+json",
        headers(("ETag" = String, description = "The record's current version, for the next `If-Match`.")),
        example = json!({"type": "/problems/precondition_failed", "title": "Precondition failed", "status": 412, "detail": "the record has changed since the version in If-Match; its current ETag is \"63f1a2b4c5d6e\": read it again and reapply the change", "code": "precondition_failed", "etag": "\"63f1a2b4c5d6e\""})
    )]
    PreconditionFailed(crate::error::Problem),
    /// This server requires `If-Match` (`--require-if-match`).
    #[response(
        status = 428,
        content_type = "application/problem+json",
        example = json!({"type": "/problems/precondition_required", "title": "Precondition required", "status": 428, "detail": "this server requires If-Match on writes: send the record's ETag from a GET", "code": "precondition_required"})
    )]
    PreconditionRequired(crate::error::Problem),
}

/// The `If-Match` request header of `PUT`, `PATCH` and `DELETE` (RFC 9110
/// §13.1.1), for OpenAPI: generated clients can send it only when the
/// operation declares it.
pub struct IfMatchParam;

impl utoipa::IntoParams for IfMatchParam {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        vec![
            ParameterBuilder::new()
                .name("If-Match")
                .parameter_in(ParameterIn::Header)
                .required(utoipa::openapi::Required::False)
                .description(Some(
                    "The `ETag` of the version you edited (from a `GET` or a write's answer), \
                     or a list of them, or `*`: nothing is written if the record changed since \
                     (412 with the current `ETag`). Required with `--require-if-match` (else 428).",
                ))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        // One header's bound (431 beyond), less its name.
                        .max_length(Some(crate::limits::MAX_HEADER_BYTES - "if-match".len())),
                ))
                .example(Some(serde_json::json!("\"63f1a2b4c5d6e\"")))
                .build(),
        ]
    }
}

/// The holder of the request's API key; 401 without a valid one.
pub async fn principal(state: &AppState, req: &HttpRequest) -> AppResult<Principal> {
    principal_of(state, req.headers().get(header::AUTHORIZATION)).await
}

/// The holder of the key in `authorization` (an `Authorization` header's
/// value): 401 if there is none, it is not `Bearer <key>`, or the key is
/// not valid.
pub async fn principal_of(
    state: &AppState,
    authorization: Option<&header::HeaderValue>,
) -> AppResult<Principal> {
    let Some(value) = authorization else {
        return Err(AppError::Unauthorized {
            reason: "this request needs an API key: send `Authorization: Bearer <key>`".into(),
            presented: false,
        });
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    match token {
        Some(token) => keys::authenticate(&state.db, token).await,
        None => Err(AppError::Unauthorized {
            reason: "the Authorization header must read `Bearer <key>`".into(),
            presented: true,
        }),
    }
}

/// The key's holder, if it may write `collection` (401, 403 otherwise).
async fn writer(state: &AppState, req: &HttpRequest, collection: &str) -> AppResult<Principal> {
    let principal = principal(state, req).await?;
    principal.may_write(collection)?;
    Ok(principal)
}

/// The request's `If-Match`.
fn if_match(req: &HttpRequest) -> IfMatch {
    IfMatch::parse(
        req.headers()
            .get_all(header::IF_MATCH)
            .filter_map(|v| v.to_str().ok()),
    )
}

/// Reads a JSON body whose media type is one of `accepted` (415 if not):
/// 413 above [`MAX_RECORD_BYTES`], 400 if it is not JSON or names a key
/// twice in one object.
async fn json_body(
    req: &HttpRequest,
    payload: web::Payload,
    accepted: &'static [&'static str],
) -> AppResult<serde_json::Value> {
    crate::http::media::require(req, accepted)?;
    let bytes = crate::guard::read_body(payload, MAX_RECORD_BYTES).await?;
    crate::service::import::parse_json(&bytes).map_err(AppError::BadRequest)
}

/// The editor of a write by `principal`.
fn editor<'a>(state: &AppState, principal: &'a Principal) -> Editor<'a> {
    Editor {
        actor: &principal.name,
        require_if_match: state.require_if_match,
        deadline: state.write_deadline,
    }
}

/// How a written record is shown in the response.
pub(crate) trait Shown {
    /// Record `id` after a write, in the response language of `ctx`.
    async fn show(state: &AppState, ctx: &Ctx, id: Uuid) -> AppResult<HttpResponse>;
}

/// As `GET` on the collection shows it (its public type).
pub(crate) struct Public<R>(PhantomData<R>);

impl<R: Resource> Shown for Public<R> {
    async fn show(state: &AppState, ctx: &Ctx, id: Uuid) -> AppResult<HttpResponse> {
        let item = resource::get::<R, _>(&state.db, &id.to_string(), ctx).await?;
        Ok(json_response(ctx, &item))
    }
}

/// In the import format: the records that have no public type of their own
/// (contacts and people, shown inside their partner).
pub(crate) struct AsRecord<C>(PhantomData<C>);

impl<C: ImportCollection<Record: utoipa::PartialSchema + 'static>> Shown for AsRecord<C> {
    async fn show(state: &AppState, ctx: &Ctx, id: Uuid) -> AppResult<HttpResponse> {
        let (record, _) = edit::read::<C>(&state.db, &id.to_string()).await?;
        // In the record type's order, as `GET` answers it.
        let record = super::fields::Fieldset::every::<C::Record>()
            .keep(&record)
            .map_err(unexpected)?;
        Ok(json_response(ctx, &record))
    }
}

/// The written record as `S` shows it, with its `ETag` (and, when created,
/// `201` and its `Location`).
async fn written<S: Shown>(
    state: &AppState,
    req: &HttpRequest,
    written: Written,
    collection: &str,
) -> AppResult<HttpResponse> {
    // The next read, this one included, sees the write: the snapshot
    // (search index, match corpus, reference data) is rebuilt for it.
    let ctx = super::item_ctx(state, req)?;
    ctx.after_write().await?;
    let mut response = super::tag_record(S::show(state, &ctx, written.id).await?, &written.etag);
    if written.created {
        *response.status_mut() = StatusCode::CREATED;
        let location = format!("{}/api/v1/{collection}/{}", ctx.base_url, written.slug);
        response.headers_mut().insert(
            header::LOCATION,
            header::HeaderValue::from_str(&location).map_err(unexpected)?,
        );
    }
    Ok(response)
}

/// `GET /api/v1/{collection}/{key}` of a collection shown in the import
/// format, with its `ETag`; `fields` keeps some of the record's fields, as
/// on every item.
pub(crate) async fn record<C: ImportCollection<Record: utoipa::PartialSchema + 'static>>(
    state: &AppState,
    req: &HttpRequest,
    key: &str,
) -> AppResult<HttpResponse> {
    let (super::ItemRequest(fields, _), ctx) =
        super::query::<super::ItemRequest<C::Record>>(state, req)?;
    let (record, etag) = edit::read::<C>(&state.db, key).await?;
    // In the record type's order either way (the stored `Value` sorts its
    // keys), so that `fields` keeps the order of the full answer.
    let fields = match fields.is_all() {
        true => super::fields::Fieldset::every::<C::Record>(),
        false => fields,
    };
    let record = fields.keep(&record).map_err(unexpected)?;
    Ok(super::tag_record(json_response(&ctx, &record), &etag))
}

fn unexpected(err: impl std::error::Error + Send + Sync + 'static) -> AppError {
    AppError::Unexpected(err.into())
}

/// `POST /api/v1/{collection}` (`operation` [`Operation::Create`]), `PUT`
/// or `PATCH` on `/api/v1/{collection}/{key}`: writes the body to a record
/// of `C` and answers with it as `S` shows it. A `PATCH` body is a JSON
/// Merge Patch; `application/json` is read as one too.
pub(crate) async fn write<S: Shown, C: ImportCollection>(
    state: &AppState,
    req: &HttpRequest,
    key: Option<&str>,
    merge: bool,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    let principal = writer(state, req, C::SCOPE).await?;
    super::item_ctx(state, req)?;
    let body = match merge {
        false => json_body(req, payload, &["application/json"]).await?,
        true => json_body(req, payload, &[MERGE_PATCH, "application/json"]).await?,
    };
    let tag = if_match(req);
    let operation = match (key, merge) {
        (None, _) => Operation::Create,
        (Some(key), false) => Operation::Replace(key, &tag),
        (Some(key), true) => Operation::Merge(key, &tag),
    };
    let done = edit::write::<C>(&state.db, editor(state, &principal), operation, body).await?;
    written::<S>(state, req, done, C::NAME).await
}

/// `DELETE /api/v1/{collection}/{key}`: deletes record `key` of `C`.
pub(crate) async fn delete<C: ImportCollection>(
    state: &AppState,
    req: &HttpRequest,
    key: &str,
) -> AppResult<HttpResponse> {
    let principal = writer(state, req, C::SCOPE).await?;
    super::item_ctx(state, req)?;
    edit::delete::<C>(&state.db, editor(state, &principal), key, &if_match(req)).await?;
    state.store.invalidate();
    Ok(HttpResponse::NoContent().finish())
}
