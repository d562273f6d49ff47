//! REST adapters: thin handlers that parse the request, call [`crate::service`]
//! and shape the HTTP response. Each resource module registers its own routes
//! (`configure`), documented with `#[utoipa::path]` so the OpenAPI document is
//! generated from the same code that serves the requests.

pub mod changes;
pub mod fields;
mod matching;
mod root;
pub use root::licence;
mod search;
mod stats;

pub mod params;
pub mod publish;
pub mod write;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use self::fields::Fieldset;
use self::params::{FromQuery, QueryParams};
use crate::dto::{Page, Versioned};
use crate::error::{AppError, AppResult};
use crate::service::Ctx;
use crate::service::page::PageRequest;
use crate::service::resource::{self, Resource};
use crate::state::AppState;
use crate::vocab::Lang;

/// Tag names, as they appear in the OpenAPI document. Each collection's tag
/// is named in [`crate::service::for_each_collection`].
pub mod tags {
    pub const META: &str = "meta";
    pub const STATS: &str = "stats";
    pub const SEARCH: &str = "search";
    pub const CHANGES: &str = "changes";
    pub const OPEN_DATA: &str = "open data";
}

/// Response context of a REST request: `lang` (which wins) or
/// `Accept-Language`, read from `params`.
pub fn request_ctx(state: &AppState, req: &HttpRequest, params: &mut QueryParams) -> Ctx {
    let lang = params.one::<LangTag>("lang").map(|LangTag(lang)| lang);
    state.ctx(req, lang)
}

/// `lang` as a language tag, which is case-insensitive (RFC 5646 §2.1.1):
/// `en`, `EN` and `En` are English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LangTag(pub Lang);

impl std::str::FromStr for LangTag {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.to_ascii_lowercase().parse().map(LangTag)
    }
}

/// `lang`: the response language.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LangParam {
    /// Language of human-readable text: `de` (default) or `en` (German where
    /// no English text exists). Overrides `Accept-Language`.
    pub lang: Option<Lang>,
}

/// Paging of every list (sorting: [`SortParam`]).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u64>,
    /// Opaque position from the previous page's `next_cursor`.
    #[param(min_length = 1, max_length = 1024)]
    pub cursor: Option<String>,
    /// Also return `total`, the number of matching items (costs a count).
    #[param(default = false)]
    pub include_total: Option<bool>,
}

/// The `sort` parameter of resource `R`'s list, for OpenAPI: an enum of its
/// sort fields ([`Resource::SORTS`]), each ascending or (`-`) descending.
pub struct SortParam<R>(std::marker::PhantomData<R>);

impl<R: Resource> IntoParams for SortParam<R> {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let values: Vec<String> = R::SORTS
            .iter()
            .flat_map(|f| [f.name.to_owned(), format!("-{}", f.name)])
            .collect();
        let schema = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(values))
            .default(Some(R::DEFAULT_SORT.into()));
        vec![
            ParameterBuilder::new()
                .name("sort")
                .parameter_in(ParameterIn::Query)
                .required(utoipa::openapi::Required::False)
                .description(Some(
                    "The order: a sort field, with `-` for descending. Ties are broken by id, \
                     so the order is total and paging stable.",
                ))
                .schema(Some(schema))
                .build(),
        ]
    }
}

/// A JSON response with the language headers.
///
/// Serialised into a buffer of 8 KiB to start with: a list page is tens of
/// kilobytes, which `HttpResponseBuilder::json` (`serde_json::to_string`,
/// from 128 bytes) reaches after about nine copies.
pub fn json_response<T: Serialize>(ctx: &Ctx, body: &T) -> HttpResponse {
    let mut json = Vec::with_capacity(8 * 1024);
    if let Err(err) = serde_json::to_writer(&mut json, body) {
        return actix_web::Error::from(err).error_response();
    }
    // The response cache counts a body by its length: no slack kept.
    json.shrink_to_fit();
    HttpResponse::Ok()
        .insert_header((header::CONTENT_LANGUAGE, ctx.lang.as_str()))
        .insert_header((header::VARY, HeaderValue::from_static("Accept-Language")))
        .insert_header(header::ContentType::json())
        .body(json)
}

/// A list page: JSON plus an RFC 8288 `Link: <…>; rel="next"` header.
pub fn page_response<T: Serialize>(
    req: &HttpRequest,
    ctx: &Ctx,
    next_cursor: Option<&str>,
    body: &T,
) -> HttpResponse {
    page_response_with(req, ctx, "cursor", next_cursor, body)
}

/// Like [`page_response`], with the position in parameter `param`.
pub fn page_response_with<T: Serialize>(
    req: &HttpRequest,
    ctx: &Ctx,
    param: &str,
    next_cursor: Option<&str>,
    body: &T,
) -> HttpResponse {
    link_next(json_response(ctx, body), req, ctx, param, next_cursor)
}

/// Adds the RFC 8288 `Link: <…>; rel="next"` of a page whose position is in
/// parameter `param` (none on the last page).
fn link_next(
    mut response: HttpResponse,
    req: &HttpRequest,
    ctx: &Ctx,
    param: &str,
    next_cursor: Option<&str>,
) -> HttpResponse {
    if let Some(cursor) = next_cursor {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (key, value) in form_urlencoded::parse(req.query_string().as_bytes()) {
            if key != param {
                query.append_pair(&key, &value);
            }
        }
        query.append_pair(param, cursor);
        let link = format!(
            "<{}{}?{}>; rel=\"next\"",
            ctx.base_url,
            req.path(),
            query.finish()
        );
        if let Ok(value) = HeaderValue::from_str(&link) {
            response.headers_mut().insert(header::LINK, value);
        }
    }
    response
}

/// Reads a request's query string as `T` plus `lang`; any other parameter
/// or a bad value is a 400 problem naming each.
pub fn query<T: FromQuery>(state: &AppState, req: &HttpRequest) -> AppResult<(T, Ctx)> {
    let mut params = QueryParams::parse(req.query_string());
    let ctx = request_ctx(state, req, &mut params);
    let value = T::from_query(&mut params);
    params.finish()?;
    Ok((value, ctx))
}

/// Parses the query of an item request (only `lang` is allowed).
pub fn item_ctx(state: &AppState, req: &HttpRequest) -> AppResult<Ctx> {
    query::<()>(state, req).map(|((), ctx)| ctx)
}

/// What a list request of `R` asks for: its filter, `sort`, paging and
/// fields.
struct ListRequest<R: Resource> {
    filter: R::Filter,
    sort: crate::service::page::Sort<R::Entity>,
    page: PageRequest,
    fields: Fieldset,
}

impl<R: Resource<Filter: FromQuery, Item: utoipa::PartialSchema>> FromQuery for ListRequest<R> {
    fn from_query(p: &mut QueryParams) -> Self {
        Self {
            filter: R::Filter::from_query(p),
            sort: params::sort(p, R::SORTS, R::DEFAULT_SORT),
            page: PageRequest::from_query(p),
            fields: Fieldset::read::<R::Item>(p),
        }
    }
}

/// The `fields` of an item request of records of type `T`.
pub(crate) struct ItemRequest<T>(pub(crate) Fieldset, pub(crate) std::marker::PhantomData<T>);

impl<T: utoipa::PartialSchema + 'static> FromQuery for ItemRequest<T> {
    fn from_query(p: &mut QueryParams) -> Self {
        Self(Fieldset::read::<T>(p), std::marker::PhantomData)
    }
}

/// `ctx` for reading only `fields` (see [`fields`]).
fn narrowed(ctx: Ctx, fields: &Fieldset) -> Ctx {
    match fields.selection() {
        Some(selection) => ctx.selecting(selection),
        None => ctx,
    }
}

/// `GET /api/v1/{collection}` of resource `R`: filters, `sort`, paging,
/// `fields` and `lang` from the query string, one page as JSON with a
/// `Link` to the next.
pub async fn list<R, P>(state: &AppState, req: &HttpRequest) -> AppResult<HttpResponse>
where
    R: Resource<Filter: FromQuery, Item: utoipa::ToSchema>,
    P: Page<Item = R::Item>,
{
    let (list, ctx) = query::<ListRequest<R>>(state, req)?;
    let read = narrowed(ctx.clone(), &list.fields);
    let listing =
        resource::list::<R, _>(&state.reader, &list.filter, &list.sort, &list.page, &read).await?;
    if crate::http::media::negotiate(req, &[crate::http::media::JSON, "text/csv"])
        == Some("text/csv")
    {
        return csv_page::<R::Item>(req, &ctx, &list.fields, &listing);
    }
    if list.fields.is_all() {
        let body = P::new(listing.items, listing.next_cursor, listing.total);
        return Ok(page_response(req, &ctx, body.next_cursor(), &body));
    }
    let unexpected = |e: serde_json::Error| AppError::Unexpected(e.into());
    let page = fields::SparsePage {
        items: (listing.items.iter())
            .map(|item| list.fields.keep(item))
            .collect::<Result<_, _>>()
            .map_err(unexpected)?,
        next_cursor: listing.next_cursor,
        total: listing.total,
    };
    Ok(page_response(req, &ctx, page.next_cursor.as_deref(), &page))
}

/// A list page as CSV (`Accept: text/csv`): the columns of the
/// collection's download ([`crate::publish::table`]) for the fields kept,
/// with the same `Link` to the next page as the JSON page.
fn csv_page<T: Serialize + utoipa::ToSchema>(
    req: &HttpRequest,
    ctx: &Ctx,
    fields: &Fieldset,
    listing: &crate::service::page::Listing<T>,
) -> AppResult<HttpResponse> {
    use crate::publish::downloads::{FileFormat, render};
    let columns: Vec<_> = publish::columns::<T>(req)
        .iter()
        .filter(|column| fields.keeps(column.field()))
        .cloned()
        .collect();
    let body = render(&listing.items, &columns, FileFormat::Csv, true, true)?;
    let response = HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, FileFormat::Csv.content_type()))
        .insert_header((header::CONTENT_LANGUAGE, ctx.lang.as_str()))
        .insert_header((
            header::VARY,
            HeaderValue::from_static("Accept, Accept-Language"),
        ))
        .body(body);
    Ok(link_next(
        response,
        req,
        ctx,
        "cursor",
        listing.next_cursor.as_deref(),
    ))
}

/// `GET /api/v1/{collection}/{key}` of resource `R`, with `fields` and
/// `lang`.
pub async fn item<R>(state: &AppState, req: &HttpRequest, key: &str) -> AppResult<HttpResponse>
where
    R: Resource<
        Item: crate::dto::Versioned + utoipa::PartialSchema + crate::publish::linked::LinkedData,
    >,
{
    use crate::publish::linked;
    let (ItemRequest(fields, _), ctx) = query::<ItemRequest<R::Item>>(state, req)?;
    let offered = [crate::http::media::JSON, linked::MEDIA_TYPE];
    let linked_data = crate::http::media::negotiate(req, &offered) == Some(linked::MEDIA_TYPE);
    // JSON-LD describes the whole record: `fields` narrows JSON only.
    let read = if linked_data {
        ctx.clone()
    } else {
        narrowed(ctx.clone(), &fields)
    };
    let item = resource::get::<R, _>(&state.reader, key, &read).await?;
    let version = crate::service::import::edit::etag(item.updated_at());
    let response = if linked_data {
        HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, linked::MEDIA_TYPE))
            .insert_header((header::CONTENT_LANGUAGE, ctx.lang.as_str()))
            .insert_header((
                header::VARY,
                HeaderValue::from_static("Accept, Accept-Language"),
            ))
            .body(linked::json_ld(&item, &ctx)?)
    } else if fields.is_all() {
        json_response(&ctx, &item)
    } else {
        let record = fields
            .keep(&item)
            .map_err(|e| AppError::Unexpected(e.into()))?;
        json_response(&ctx, &record)
    };
    Ok(tag_record(response, &version))
}

/// Gives a record's answer its `ETag`: `"<version>.<digest>"`, the
/// record's version (what `If-Match` compares: its own fields and links)
/// and a digest of the body (SHA-256, 48 bits). The digest changes with
/// everything else the answer shows — the language, the names of the
/// records it embeds — so a revalidation never keeps a stale copy
/// (RFC 9110 §8.8.3: a strong tag changes with the representation).
/// Rejected: the version alone, which stayed the same when an embedded
/// provider was renamed and for German and English alike. For anonymous
/// reads `http::conditional` replaces the digest by the tag of the data
/// version and the request, so that their revalidation runs no query.
pub fn tag_record(response: HttpResponse, version: &str) -> HttpResponse {
    use actix_web::body::MessageBody as _;
    use sha2::Digest as _;
    let (response, body) = response.into_parts();
    let (mut response, tag) = match body.try_into_bytes() {
        Ok(bytes) => {
            let digest = sha2::Sha256::digest(&bytes);
            let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
            let tag = format!("{}.{hex}\"", version.trim_end_matches('"'));
            (response.set_body(actix_web::body::BoxBody::new(bytes)), tag)
        }
        Err(body) => (response.set_body(body), version.to_owned()),
    };
    if let Ok(value) = HeaderValue::from_str(&tag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// The list and item handlers of one collection, documented for OpenAPI.
/// A macro because `#[utoipa::path]` and actix's route attributes need
/// literal items; the work is done by the generic [`list`] and [`item`].
macro_rules! collection {
    (
        name: $name:ident,
        resource: $resource:ty,
        page: $page:ty,
        item: $item:ty,
        tag: $tag:literal,
        write: $write:ty,
        record: $record:ty,
        kind: $kind:literal,
        filter: [$($filter:ty),*],
        path: $path:literal,
        item_path: $item_path:literal,
        $(#[$list_doc:meta])*
        list: $list:ident,
        list_ok: $list_ok:literal,
        $(#[$item_doc:meta])*
        get: $get:ident,
        item_ok: $item_ok:literal,
        key: $key_doc:literal,
        example: $example:literal,
        not_found: $not_found:literal,
        create: $create:ident,
        replace: $replace:ident,
        patch: $patch:ident,
        delete: $delete:ident,
        download: $download:ident,
        download_path: $download_path:literal $(,)?
    ) => {
        // By these names: utoipa finds the method in actix's `#[get]` ….
        use actix_web::{delete, get, patch, post, put};

        #[utoipa::path(
            tag = $tag,
            summary = concat!("Download every ", $kind, " as one file"),
            description = concat!("Every ", $kind, " the filters keep, in the list's order and language, as one file: \
RFC 4180 CSV with a header row (an embedded record spread over columns such as `provider_slug`, a list's values \
joined with `;`), NDJSON (one record per line) or a JSON array, each record as the API returns it. Streamed page \
by page; `Content-Disposition` names a dated file. The collection's list filters, `sort` and `lang` apply; \
paging and `fields` do not."),
            params(("format" = inline($crate::rest::publish::DownloadFormat), Path, description = "`csv`, `ndjson` or `json`."), $($filter,)* $crate::rest::SortParam<$resource>, $crate::rest::LangParam),
            responses(
                (status = 200, description = "The file.", content(
                    (String = "text/csv"),
                    (String = "application/x-ndjson"),
                    ([$item] = "application/json"),
                ), headers(("Content-Disposition" = String, description = "`attachment` with a dated file name, e.g. `lotse-offers-2026-12-03.csv`."))),
                (status = 400, description = "An unknown parameter or a bad value; `errors` names each.", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = "Another format.", body = $crate::error::Problem, content_type = "application/problem+json"),
            )
        )]
        #[get($download_path)]
        pub async fn $download(
            state: actix_web::web::Data<$crate::state::AppState>,
            req: actix_web::HttpRequest,
            format: actix_web::web::Path<String>,
        ) -> $crate::error::AppResult<actix_web::HttpResponse> {
            $crate::rest::publish::download::<$resource>(&state, &req, &format).await
        }

        /// Registers the collection's download (outside `/api/v1`).
        pub fn configure_download(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
            cfg.service($download);
        }

        $(#[$list_doc])*
        #[utoipa::path(
            tag = $tag,
            params($($filter,)* $crate::rest::PageParams, $crate::rest::SortParam<$resource>, $crate::rest::fields::FieldsParam<$item>, $crate::rest::LangParam),
            responses(
                (status = 200, description = $list_ok, content(
                    ($page = "application/json"),
                    (String = "text/csv"),
                )),
                (status = 400, description = "An unknown parameter or a bad value; `errors` names each.", body = $crate::error::Problem, content_type = "application/problem+json"),
            )
        )]
        #[get($path)]
        pub async fn $list(
            state: actix_web::web::Data<$crate::state::AppState>,
            req: actix_web::HttpRequest,
        ) -> $crate::error::AppResult<actix_web::HttpResponse> {
            $crate::rest::list::<$resource, $page>(&state, &req).await
        }

        $(#[$item_doc])*
        #[utoipa::path(
            tag = $tag,
            description = concat!("Returns one ", $kind, " by its id (a UUID that never changes) or its slug, with the \
summaries of the records it refers to. `fields` keeps only some fields; `lang` or `Accept-Language` picks the language \
of the text. The `ETag` starts with the record's version, which writes compare in `If-Match`. \
`Accept: application/ld+json` returns the whole record as JSON-LD in the schema.org vocabulary, `@id` being its URI."),
            params(("key" = String, Path, description = $key_doc, example = $example), $crate::rest::fields::FieldsParam<$item>, $crate::rest::LangParam),
            responses(
                (status = 200, description = $item_ok, content(
                    ($item = "application/json"),
                    ([Object] = "application/ld+json"),
                )),
                (status = 400, description = "A bad query parameter.", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = $not_found, body = $crate::error::Problem, content_type = "application/problem+json"),
            )
        )]
        #[get($item_path)]
        pub async fn $get(
            state: actix_web::web::Data<$crate::state::AppState>,
            req: actix_web::HttpRequest,
            key: actix_web::web::Path<String>,
        ) -> $crate::error::AppResult<actix_web::HttpResponse> {
            $crate::rest::item::<$resource>(&state, &req, &key).await
        }

        $crate::rest::write_handlers! {
            tag: $tag,
            name: $name,
            kind: $kind,
            shown: $crate::rest::write::Public<$resource>,
            body: $item,
            write: $write,
            record: $record,
            path: $path,
            item_path: $item_path,
            key: $key_doc,
            example: $example,
            not_found: $not_found,
            create: $create,
            replace: $replace,
            patch: $patch,
            delete: $delete,
        }

        /// Registers the collection's routes.
        pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
            cfg.service($list)
                .service($get)
                .service($create)
                .service($replace)
                .service($patch)
                .service($delete);
        }
    };
}
use collection;

/// The `POST`, `PUT`, `PATCH` and `DELETE` handlers of one collection,
/// documented for OpenAPI, the response shown as `shown` says
/// ([`write::Public`] or [`write::AsRecord`]).
macro_rules! write_handlers {
    (
        tag: $tag:literal,
        name: $name:ident,
        kind: $kind:literal,
        shown: $shown:ty,
        body: $body:ty,
        write: $write:ty,
        record: $record:ty,
        path: $path:literal,
        item_path: $item_path:literal,
        key: $key_doc:literal,
        example: $example:literal,
        not_found: $not_found:literal,
        create: $create:ident,
        replace: $replace:ident,
        patch: $patch:ident,
        delete: $delete:ident $(,)?
    ) => {
        #[utoipa::path(
            tag = $tag,
            summary = concat!("Create a ", $kind),
            description = concat!("Creates a ", $kind, " from a record in the format of `lotse import` files \
(references to other records by slug). Needs an API key with the scope `write` or `write:", stringify!($name), "`. \
The id of a new record derives from its slug; the slug cannot change later. Answers the record as `GET` shows it, \
with its `ETag` and `Location`."),
            params($crate::rest::LangParam),
            request_body(content = $record, content_type = "application/json"),
            security(("bearer" = [])),
            responses(
                $crate::rest::write::WriteProblems,
                $crate::rest::write::BodyProblems,
                (status = 201, description = "Created.", body = $body, headers(("ETag" = String, description = "The record's version, for `If-Match`."), ("Location" = String, description = "The new record's URL."))),
                (status = 415, description = "The body is not `application/json`.", body = $crate::error::Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($path)]
        pub async fn $create(
            state: actix_web::web::Data<$crate::state::AppState>,
            req: actix_web::HttpRequest,
            payload: actix_web::web::Payload,
        ) -> $crate::error::AppResult<actix_web::HttpResponse> {
            $crate::rest::write::write::<$shown, $write>(&state, &req, None, false, payload).await
        }

        #[utoipa::path(
            tag = $tag,
            summary = concat!("Replace a ", $kind),
            description = concat!("Replaces the ", $kind, " by the record in the body (the format of `POST`; fields left out \
are cleared, lists replaced). Send the `ETag` of the version you edited as `If-Match`: if the record changed since, \
nothing is written and the answer is 412 with the current `ETag`. Writing the stored record again changes nothing."),
            params(("key" = String, Path, description = $key_doc, example = $example), $crate::rest::write::IfMatchParam, $crate::rest::LangParam),
            request_body(content = $record, content_type = "application/json"),
            security(("bearer" = [])),
            responses(
                $crate::rest::write::WriteProblems,
                $crate::rest::write::BodyProblems,
                $crate::rest::write::ConditionalProblems,
                (status = 200, description = "Replaced.", body = $body, headers(("ETag" = String, description = "The record's new version."))),
                (status = 404, description = $not_found, body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 415, description = "The body is not `application/json`.", body = $crate::error::Problem, content_type = "application/problem+json"),
            )
        )]
        #[put($item_path)]
        pub async fn $replace(
            state: actix_web::web::Data<$crate::state::AppState>,
            req: actix_web::HttpRequest,
            key: actix_web::web::Path<String>,
            payload: actix_web::web::Payload,
        ) -> $crate::error::AppResult<actix_web::HttpResponse> {
            $crate::rest::write::write::<$shown, $write>(&state, &req, Some(&key), false, payload).await
        }

        #[utoipa::path(
            tag = $tag,
            summary = concat!("Change fields of a ", $kind),
            description = concat!("Applies a JSON Merge Patch (RFC 7396) to the ", $kind, " in the format of `POST`: \
fields sent replace the stored ones, `null` clears an optional field, a list replaces the stored list. \
`application/json` is read as a merge patch too. `If-Match` as for `PUT`."),
            params(("key" = String, Path, description = $key_doc, example = $example), $crate::rest::write::IfMatchParam, $crate::rest::LangParam),
            request_body(content(
                (Object = "application/merge-patch+json"),
                (Object = "application/json"),
            ), description = "The fields to change: a JSON Merge Patch (RFC 7396) of the record `PUT` takes; `application/json` is read as one too."),
            security(("bearer" = [])),
            responses(
                $crate::rest::write::WriteProblems,
                $crate::rest::write::BodyProblems,
                $crate::rest::write::ConditionalProblems,
                (status = 200, description = "Changed.", body = $body, headers(("ETag" = String, description = "The record's new version."))),
                (status = 404, description = $not_found, body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 415, description = "The body is neither `application/merge-patch+json` nor `application/json`.", body = $crate::error::Problem, content_type = "application/problem+json",
                    headers(("Accept-Patch" = String, description = "The media types PATCH takes (RFC 5789 §2.2)."))),
            )
        )]
        #[patch($item_path)]
        pub async fn $patch(
            state: actix_web::web::Data<$crate::state::AppState>,
            req: actix_web::HttpRequest,
            key: actix_web::web::Path<String>,
            payload: actix_web::web::Payload,
        ) -> $crate::error::AppResult<actix_web::HttpResponse> {
            $crate::rest::write::write::<$shown, $write>(&state, &req, Some(&key), true, payload).await
        }

        #[utoipa::path(
            tag = $tag,
            summary = concat!("Delete a ", $kind),
            description = concat!("Deletes the ", $kind, " with its links; the change feed keeps a `delete` entry. \
Refused (409) while other records refer to it. `If-Match` as for `PUT`."),
            params(("key" = String, Path, description = $key_doc, example = $example), $crate::rest::write::IfMatchParam),
            security(("bearer" = [])),
            responses(
                $crate::rest::write::WriteProblems,
                $crate::rest::write::ConditionalProblems,
                (status = 204, description = "Deleted."),
                (status = 404, description = $not_found, body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 409, description = "Other records still refer to it; `detail` names them.", body = $crate::error::Problem, content_type = "application/problem+json",
                    example = json!({"type": "/problems/conflict", "title": "Conflict", "status": 409, "detail": "partner `ig-metall` cannot be deleted while other records refer to it: offer `tbs-beratung` (provider); change or delete them first", "code": "conflict"})),
            )
        )]
        #[delete($item_path)]
        pub async fn $delete(
            state: actix_web::web::Data<$crate::state::AppState>,
            req: actix_web::HttpRequest,
            key: actix_web::web::Path<String>,
        ) -> $crate::error::AppResult<actix_web::HttpResponse> {
            $crate::rest::write::delete::<$write>(&state, &req, &key).await
        }

    };
}
pub(crate) use write_handlers;

/// A collection written through the API and shown in the import format
/// (`GET` of an item, and the write handlers): records that appear inside
/// another's public type, such as a partner's contacts.
macro_rules! record_collection {
    (
        tag: $tag:literal,
        name: $name:ident,
        kind: $kind:literal,
        write: $write:ty,
        record: $record:ty,
        path: $path:literal,
        item_path: $item_path:literal,
        example: $example:literal,
        not_found: $not_found:literal,
        $(#[$get_doc:meta])*
        get: $get:ident,
        create: $create:ident,
        replace: $replace:ident,
        patch: $patch:ident,
        delete: $delete:ident $(,)?
    ) => {
        use actix_web::{delete, get, patch, post, put};

        $(#[$get_doc])*
        #[utoipa::path(
            tag = $tag,
            params(("key" = String, Path, description = "The record's id (UUID) or slug.", example = $example), $crate::rest::fields::FieldsParam<$record>, $crate::rest::LangParam),
            responses(
                (status = 200, description = "The record in the format of `lotse import` files, with its `ETag`.", body = $record, headers(("ETag" = String, description = "The record's version, for `If-Match`."))),
                (status = 400, description = "A bad query parameter.", body = $crate::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = $not_found, body = $crate::error::Problem, content_type = "application/problem+json"),
            )
        )]
        #[get($item_path)]
        pub async fn $get(
            state: actix_web::web::Data<$crate::state::AppState>,
            req: actix_web::HttpRequest,
            key: actix_web::web::Path<String>,
        ) -> $crate::error::AppResult<actix_web::HttpResponse> {
            $crate::rest::write::record::<$write>(&state, &req, &key).await
        }

        $crate::rest::write_handlers! {
            tag: $tag,
            name: $name,
            kind: $kind,
            shown: $crate::rest::write::AsRecord<$write>,
            body: $record,
            write: $write,
            record: $record,
            path: $path,
            item_path: $item_path,
            key: "The record's id (UUID) or slug.",
            example: $example,
            not_found: $not_found,
            create: $create,
            replace: $replace,
            patch: $patch,
            delete: $delete,
        }

        /// Registers the collection's routes.
        pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
            cfg.service($get)
                .service($create)
                .service($replace)
                .service($patch)
                .service($delete);
        }
    };
}
use record_collection;

/// `/api/v1/contacts`: a partner's public points of contact, written on
/// their own and shown inside their partner (`GET /api/v1/partners/{key}`).
pub mod contacts {
    super::record_collection! {
        tag: "partners",
        name: partners,
        kind: "contact",
        write: crate::service::import::collections::contacts::Contacts,
        record: crate::service::import::collections::contacts::ContactRecord,
        path: "/contacts",
        item_path: "/contacts/{key}",
        example: "mwide-presse",
        not_found: "No contact has this id or slug.",
        /// Get one contact of a partner, in the format of `lotse import` files.
        ///
        /// Contacts are listed inside their partner; this is the record to
        /// edit with `PUT` or `PATCH` (scope `write` or `write:partners`).
        get: get_contact,
        create: create_contact,
        replace: replace_contact,
        patch: patch_contact,
        delete: delete_contact,
    }
}

/// `/api/v1/people`: the office holders named in the sources, written on
/// their own and shown inside their partner.
pub mod people {
    super::record_collection! {
        tag: "partners",
        name: partners,
        kind: "person",
        write: crate::service::import::collections::people::People,
        record: crate::service::import::collections::people::PersonRecord,
        path: "/people",
        item_path: "/people/{key}",
        example: "franz-josef-lersch-mense",
        not_found: "No person has this id or slug.",
        /// Get one person (a public office holder named in a source), in the
        /// format of `lotse import` files.
        ///
        /// People are listed inside their partner; this is the record to edit
        /// with `PUT` or `PATCH` (scope `write` or `write:partners`).
        get: get_person,
        create: create_person,
        replace: replace_person,
        patch: patch_person,
        delete: delete_person,
    }
}

/// Expands [`crate::service::for_each_collection`]: one module per collection
/// with its two handlers (`rest::partners::list_partners` …), their routes,
/// and each collection's OpenAPI tag.
macro_rules! rest_collections {
    ($(
        $name:ident {
            resource: $resource:ty,
            item: $item:ty,
            page: $page:ty,
            filter: [$($filter:ty),*],
            tag: $tag:literal / $about:literal,
            write: $write:ty,
            record: $record:ty,
            kind: $kind:literal,
            rest: { $($rest:tt)* },
            graphql: { $($graphql:tt)* },
            publish: { $($publish:tt)* },
        }
    )*) => {
        $(
            #[doc = concat!("`/api/v1/", stringify!($name), "`")]
            pub mod $name {
                super::collection! {
                    name: $name,
                    resource: $resource,
                    page: $page,
                    item: $item,
                    tag: $tag,
                    write: $write,
                    record: $record,
                    kind: $kind,
                    filter: [$($filter),*],
                    $($rest)*
                }
            }
        )*

        /// Name and description of each collection's OpenAPI tag, in the
        /// order of the collections.
        pub const COLLECTION_TAGS: &[(&str, &str)] = &[$(($tag, $about)),*];

        fn configure_collections(cfg: &mut ServiceConfig) {
            $(cfg.configure($name::configure);)*
        }

        fn configure_downloads(cfg: &mut ServiceConfig) {
            $(cfg.configure($name::configure_download);)*
        }
    };
}
crate::service::for_each_collection!(rest_collections);

/// `/docs` → `/docs/`: Swagger UI resolves its assets relative to the slash.
pub async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}

/// Registers every route.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.configure(root::configure)
        .configure(publish::configure)
        .configure(configure_downloads);
    cfg.service(
        utoipa_actix_web::scope("/api/v1")
            .configure(configure_collections)
            .configure(stats::configure)
            .configure(search::configure)
            .configure(matching::configure)
            .configure(changes::configure)
            .configure(contacts::configure)
            .configure(people::configure),
    );
}
