//! `/`, `/health`, `/ready`: what this is, and whether it works.
use actix_web::{HttpRequest, HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{AppState, json_response, tags};
use crate::dto::{Downloads, Health, Links, Overview, Readiness};
use crate::error::{AppError, AppResult, Problem};
use crate::publish::catalog::{CatalogSettings, DEFAULT_LICENSE};
use crate::service::overview;

/// Licence of the data.
pub const LICENSE: &str = "Datenlizenz Deutschland – Namensnennung 2.0";
/// URL of the licence text.
pub const LICENSE_URL: &str = "https://www.govdata.de/dl-de/by-2-0";

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(root)
        .service(api_root)
        .service(health)
        .service(ready)
        .service(metrics);
}

/// What this service is, how many records it holds, and where to go next.
///
/// The entry point for a client that knows nothing else: the name and
/// version, the code and data licences with the attribution the data
/// licence asks for, the number of records per collection, and links to the
/// collections, the OpenAPI document, the GraphQL endpoint and the docs.
///
/// A browser (an `Accept` that ranks `text/html` above JSON) gets the same
/// as a page for people, with the latest changes and examples; clients
/// without `text/html` in `Accept` get JSON.
#[utoipa::path(
    tag = tags::META,
    responses(
        (status = 200, description = "Name, version, licence, counts per collection and links; an HTML page for browsers.", content(
            (Overview = "application/json"),
            (String = "text/html"),
        )),
        (status = 503, description = "The database is not reachable.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/")]
pub async fn root(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    if crate::pages::wants_html(&req) {
        // A page: `lang` as the pages read it (any case; an unknown value
        // falls back to Accept-Language rather than refusing a person).
        let ctx = state.ctx(&req, Some(crate::pages::lang(&req)));
        let body = overview_of(&state, &req).await?;
        return crate::pages::home::page(&state, &req, &ctx, body).await;
    }
    overview(&state, &req).await
}

/// The REST API's root: the same answer as `/`.
///
/// The catalogue's `dcat:endpointURL` and `links.api` point here, so a
/// harvester or client that follows them learns the collections, counts
/// and links of this API.
#[utoipa::path(
    tag = tags::META,
    responses(
        (status = 200, description = "Name, version, licence, counts per collection and links.", body = Overview),
        (status = 503, description = "The database is not reachable.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/api/v1")]
pub async fn api_root(state: web::Data<AppState>, req: HttpRequest) -> AppResult<HttpResponse> {
    overview(&state, &req).await
}

/// The body of `/` and `/api/v1`: the licence and attribution as
/// configured (`--data-license`, `--data-attribution`), the same as the
/// catalogue's.
async fn overview(state: &AppState, req: &HttpRequest) -> AppResult<HttpResponse> {
    let ctx = super::item_ctx(state, req)?;
    let body = overview_of(state, req).await?;
    Ok(json_response(&ctx, &body))
}

/// The overview the root answers with (JSON here, HTML in
/// [`crate::pages::home`]).
async fn overview_of(state: &AppState, req: &HttpRequest) -> AppResult<Overview> {
    let (license, license_url, attribution) = licence(req);
    let counts = overview::counts(&state.reader).await?;
    let base = &state.base_url;
    let body = Overview {
        name: "Lotse".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        description: "Open data of the NRW alliance \"Wirtschaft und Arbeit 4.0\": partners, \
                      regions, projects such as Arbeit 2020 and it's OWL, meetings, and the \
                      transfer and support offers for SMEs and works councils."
            .to_owned(),
        license,
        license_url,
        attribution,
        counts,
        downloads: crate::publish::DATASETS
            .iter()
            .map(|d| {
                let url = |format: &str| format!("{base}/downloads/{}.{format}", d.collection);
                Downloads {
                    collection: d.collection.to_owned(),
                    csv: url("csv"),
                    ndjson: url("ndjson"),
                    json: url("json"),
                }
            })
            .collect(),
        links: Links {
            docs: format!("{base}/docs/"),
            openapi: format!("{base}/openapi.json"),
            api: format!("{base}/api/v1"),
            health: format!("{base}/health"),
            catalog: format!("{base}/catalog"),
            ready: format!("{base}/ready"),
        },
    };
    Ok(body)
}

/// The data's licence (its name and text where we know them, else its id
/// and IRI) and attribution, as configured (`--data-license`,
/// `--data-attribution`): the same as the catalogue's.
pub fn licence(req: &HttpRequest) -> (String, String, String) {
    let settings = req
        .app_data::<web::Data<CatalogSettings>>()
        .map(|s| s.get_ref().clone())
        .unwrap_or_default();
    let (license, license_url) = match settings.license.as_str() {
        DEFAULT_LICENSE => (LICENSE.to_owned(), LICENSE_URL.to_owned()),
        _ => (settings.license.clone(), settings.license_iri()),
    };
    (license, license_url, settings.attribution)
}

/// Liveness: answers as long as the process runs (does not touch the database).
///
/// For a supervisor's liveness probe: a failure means the process should be
/// restarted. It is never cached and never reads the database, so a slow or
/// lost database does not make a healthy process look dead (that is what
/// `/ready` reports).
#[utoipa::path(
    tag = tags::META,
    responses((status = 200, description = "The process is alive.", body = Health))
)]
#[get("/health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".to_owned(),
    })
}

/// Readiness: 200 when the database answers, else 503 (take the instance out
/// of the load balancer).
///
/// For a load balancer's readiness probe: runs one trivial statement on the
/// database each time, and answers 503 (`code: unavailable`, with
/// `Retry-After`) when it gets no answer within `--ready-timeout-ms`
/// (1 s by default), so a probe learns of an outage before its own
/// timeout; never cached.
#[utoipa::path(
    tag = tags::META,
    responses(
        (status = 200, description = "Ready to serve.", body = Readiness),
        (status = 503, description = "The database is not reachable.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    overview::ping(&state.reader, state.ready_timeout).await?;
    Ok(HttpResponse::Ok().json(Readiness {
        status: "ready".to_owned(),
        database: "ok".to_owned(),
    }))
}

/// Operational metrics in the Prometheus text format.
///
/// For a Prometheus scrape (text exposition format 0.0.4): requests by
/// route template, method and status, their latency, the connection pool,
/// statements, the response cache, rate-limit refusals, the data's
/// generation and this process's lag behind the database, build info
/// (`api/src/ops/metrics.rs` lists the families). It reads the database
/// once, for the lag, waiting at most 200 ms: it answers while the
/// database is down (the lag is then -1); never cached.
#[utoipa::path(
    tag = tags::META,
    responses((status = 200, description = "Prometheus text format 0.0.4: `lotse_http_requests_total`, `lotse_http_request_duration_seconds`, `lotse_http_requests_in_flight`, `lotse_db_statements_total`, `lotse_db_statement_duration_seconds`, `lotse_db_pool_connections`, `lotse_db_pool_max_connections`, `lotse_db_unavailable_total`, `lotse_response_cache_requests_total`, `lotse_rate_limit_rejections_total`, `lotse_data_generation`, `lotse_data_version`, `lotse_data_version_lag`, `lotse_data_checked_age_seconds`, `lotse_graphql_documents`, `lotse_build_info`.", content_type = "text/plain; version=0.0.4", body = String))
)]
#[get("/metrics")]
pub async fn metrics(
    state: web::Data<AppState>,
    metrics: web::Data<std::sync::Arc<crate::ops::metrics::Metrics>>,
    documents: web::Data<crate::graphql::Documents>,
) -> HttpResponse {
    let text = metrics
        .render(
            &state.store,
            documents.len(),
            std::time::Duration::from_millis(200),
        )
        .await;
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(text)
}
