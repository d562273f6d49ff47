//! `/catalog` (DCAT-AP.de) and `/downloads/{collection}.{format}`: the
//! open-data side of the API (see [`crate::publish`]).
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::params::{FromQuery, QueryParams};
use super::{item_ctx, query, tags};
use crate::error::{AppError, AppResult, Problem};
use crate::http::media;
use crate::publish::calendar;
use crate::publish::catalog::{self, CatalogSettings, Syntax};
use crate::publish::downloads::{self, FileFormat, Job};
use crate::publish::table::Tables;
use crate::publish::{DATASETS, table};
use crate::service::meetings::Meetings;
use crate::service::offers::{OfferFilter, Offers};
use crate::service::page::Sort;
use crate::service::resource::{self, Resource};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_catalog)
        .service(get_catalog_file)
        .service(get_calendar);
}

/// The syntax of `/catalog.{format}`.
#[derive(Debug, Clone, Copy, serde::Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CatalogFormat {
    /// Turtle.
    Ttl,
    /// JSON-LD.
    Jsonld,
    /// RDF/XML.
    Rdf,
}

/// The DCAT-AP.de catalogue of this API's data, in the syntax `Accept` asks
/// for.
///
/// One `dcat:Catalog` with a `dcat:Dataset` per collection, four
/// distributions each (CSV, NDJSON and JSON downloads, the API list) with
/// their licence, and a `dcat:DataService` for this API described by
/// `/openapi.json`. For harvesting by GovData.de and the European data
/// portal (DCAT-AP.de 2.0 with GovData's conventions). Turtle unless
/// `Accept` prefers JSON-LD (or plain JSON) or RDF/XML (or plain XML);
/// `/catalog.ttl`, `/catalog.jsonld` and `/catalog.rdf` serve one syntax
/// each.
#[utoipa::path(
    tag = tags::OPEN_DATA,
    responses(
        (status = 200, description = "The catalogue (`Vary: Accept`).", content(
            (String = "text/turtle"),
            ([Object] = "application/ld+json"),
            (String = "application/rdf+xml"),
        )),
        (status = 400, description = "A query parameter other than `lang`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/catalog")]
pub async fn get_catalog(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    item_ctx(&state, &req)?;
    // Plain JSON and XML asked for get the RDF syntax written in them.
    const OFFERED: [&str; 5] = [
        "text/turtle",
        "application/ld+json",
        "application/rdf+xml",
        "application/json",
        "application/xml",
    ];
    let syntax = match media::negotiate(&req, &OFFERED) {
        Some("application/ld+json" | "application/json") => Syntax::JsonLd,
        Some("application/rdf+xml" | "application/xml") => Syntax::RdfXml,
        _ => Syntax::Turtle,
    };
    serve_catalog(&state, &req, syntax).await
}

/// The DCAT-AP.de catalogue in one syntax: `ttl` (Turtle), `jsonld`
/// (JSON-LD) or `rdf` (RDF/XML).
///
/// The same graph as `/catalog`, whatever `Accept` says: for tools that
/// take a file name, such as the DCAT-AP.de validator.
#[utoipa::path(
    tag = tags::OPEN_DATA,
    params(("format" = inline(CatalogFormat), Path, description = "The syntax: `ttl`, `jsonld` or `rdf`.")),
    responses(
        (status = 200, description = "The catalogue.", content(
            (String = "text/turtle"),
            ([Object] = "application/ld+json"),
            (String = "application/rdf+xml"),
        )),
        (status = 400, description = "A query parameter other than `lang`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Another format.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/catalog.{format}")]
pub async fn get_catalog_file(
    state: web::Data<AppState>,
    req: HttpRequest,
    format: web::Path<String>,
) -> AppResult<HttpResponse> {
    let syntax = Syntax::of_extension(&format).ok_or(AppError::NoRoute)?;
    item_ctx(&state, &req)?;
    serve_catalog(&state, &req, syntax).await
}

async fn serve_catalog(
    state: &AppState,
    req: &HttpRequest,
    syntax: Syntax,
) -> AppResult<HttpResponse> {
    let settings = req
        .app_data::<web::Data<CatalogSettings>>()
        .map(|s| s.get_ref().clone())
        .unwrap_or_default();
    let dates = crate::service::changes::dates_by_collection(&state.reader).await?;
    let triples = catalog::triples(&state.base_url, &settings, DATASETS, &dates)?;
    let body = catalog::serialize(&triples, syntax)?;
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            format!("{}; charset=utf-8", syntax.media_type()),
        ))
        .insert_header((header::VARY, HeaderValue::from_static("Accept")))
        .body(body))
}

/// What a download reads: the collection's filters and `sort` (its list's
/// parameters without paging and `fields`), and `lang`.
pub struct DownloadRequest<R: Resource> {
    filter: R::Filter,
    sort: Sort<R::Entity>,
}

impl<R: Resource<Filter: FromQuery>> FromQuery for DownloadRequest<R> {
    fn from_query(p: &mut QueryParams) -> Self {
        Self {
            filter: R::Filter::from_query(p),
            sort: super::params::sort(p, R::SORTS, R::DEFAULT_SORT),
        }
    }
}

/// The file format of a download.
#[derive(Debug, Clone, Copy, serde::Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DownloadFormat {
    /// RFC 4180 CSV with a header row.
    Csv,
    /// One JSON record per line.
    Ndjson,
    /// One JSON array.
    Json,
}

/// `GET /downloads/{collection}.{format}` of resource `R` (see
/// [`crate::publish::downloads`]): the first page is read before the
/// answer starts, so a bad filter is a 400 problem, not a broken file.
pub async fn download<R>(
    state: &AppState,
    req: &HttpRequest,
    format: &str,
) -> AppResult<HttpResponse>
where
    R: Resource<Filter: FromQuery + 'static, Item: utoipa::ToSchema>,
{
    let format = FileFormat::of_extension(format).ok_or(AppError::NoRoute)?;
    let (request, ctx) = query::<DownloadRequest<R>>(state, req)?;
    let lang = ctx.lang;
    let job = Job::<R> {
        db: state.reader.clone(),
        filter: request.filter,
        sort: request.sort,
        ctx,
        columns: columns::<R::Item>(req),
    };
    let body = downloads::stream(job, format).await?;
    let today = chrono::Utc::now().date_naive();
    let file = format!("lotse-{}-{today}.{}", R::COLLECTION, format.extension());
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, format.content_type()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file}\""),
        ))
        .insert_header((header::CONTENT_LANGUAGE, lang.as_str()))
        .insert_header((header::VARY, HeaderValue::from_static("Accept-Language")))
        .streaming(body))
}

/// The CSV columns of `T` (built at start, see [`Tables`]).
pub fn columns<T: utoipa::ToSchema>(req: &HttpRequest) -> std::sync::Arc<[table::Column]> {
    req.app_data::<web::Data<Tables>>()
        .map(|tables| tables.columns(&T::name()))
        .unwrap_or_default()
}

/// What the calendar holds: the offers the offer filters keep, and the
/// meetings unless `meetings=false`.
struct CalendarRequest {
    filter: OfferFilter,
    meetings: bool,
}

impl FromQuery for CalendarRequest {
    fn from_query(p: &mut QueryParams) -> Self {
        Self {
            filter: OfferFilter::from_query(p),
            meetings: p.boolean("meetings").unwrap_or(true),
        }
    }
}

/// `meetings` of the calendar, for OpenAPI.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeetingsParam {
    /// Also list the alliance's meetings (default `true`).
    #[param(default = true)]
    pub meetings: Option<bool>,
}

/// The offers' deadlines and the alliance's meetings as an iCalendar feed
/// (RFC 5545), for a calendar to subscribe to.
///
/// An all-day event for each offer's application deadline and last day,
/// and one for each meeting. The offer filters of `GET /api/v1/offers`
/// choose the offers (`region` with the region hierarchy, `target_group`,
/// `topic` …): `?region=05711&target_group=works_council` is the calendar
/// of a works council in Bielefeld. `UID`s are stable across requests and
/// instances; `LAST-MODIFIED` is the record's latest change.
#[utoipa::path(
    tag = tags::OPEN_DATA,
    params(OfferFilter, MeetingsParam, super::LangParam),
    responses(
        (status = 200, description = "The calendar.", content_type = "text/calendar", body = String),
        (status = 400, description = "An unknown parameter or a bad value; `errors` names each.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/calendar.ics")]
pub async fn get_calendar(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    let (request, ctx) = query::<CalendarRequest>(&state, &req)?;
    let offers = resource::all::<Offers, _>(&state.reader, &request.filter, &ctx).await?;
    let meetings = match request.meetings {
        true => resource::all::<Meetings, _>(&state.reader, &(), &ctx).await?,
        false => Vec::new(),
    };
    let ids: Vec<_> = offers
        .iter()
        .map(|o| o.id)
        .chain(meetings.iter().map(|m| m.id))
        .collect();
    let modified = crate::service::changes::last_changed(&state.reader, &ids).await?;
    let body = calendar::render(&offers, &meetings, &modified, ctx.lang);
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/calendar; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "inline; filename=\"lotse.ics\"",
        ))
        .insert_header((header::CONTENT_LANGUAGE, ctx.lang.as_str()))
        .insert_header((header::VARY, HeaderValue::from_static("Accept-Language")))
        .body(body))
}
