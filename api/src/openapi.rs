//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]`
//! annotations via utoipa-actix-web scopes: a route that is served is
//! documented, by construction (no hand-kept `paths(...)` list to forget).
use actix_web::App;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

use crate::rest::{self, tags};

mod common;
mod examples;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Lotse – Wirtschaft und Arbeit 4.0",
        description = "Open-data API of the NRW alliance \"Wirtschaft und Arbeit 4.0\": its partners \
(ministries, unions, business, science), pilot projects such as Arbeit 2020, regional networks such \
as it's OWL, meetings, and the transfer and support offers that SMEs and works councils are guided to.

**Conventions.** Lists return `{\"items\": [...], \"next_cursor\": \"…\" | null}` (plus `total` with \
`include_total=true`) and a `Link: <…>; rel=\"next\"` header; follow `next_cursor` to page. Items are \
addressed by id (UUID, stable forever) or slug. Filters are query parameters; comma-separated values \
(`kind=a,b`) or repeated parameters (`kind=a&kind=b`) mean \"any of\". Unknown parameters and bad \
values are rejected with a 400 `application/problem+json` (RFC 9457) that names each parameter. Text is German; `?lang=en` or \
`Accept-Language: en` selects English where available.

**Data licence:** Datenlizenz Deutschland – Namensnennung 2.0 (https://www.govdata.de/dl-de/by-2-0). \
Attribution: Land Nordrhein-Westfalen (press release of 2016-11-21) and the sources cited in each \
record's `source` field.",
        // The data is what the API serves: its licence is the document's.
        // The code's (EUPL-1.2) is named in the name and in `GET /`.
        license(name = "Datenlizenz Deutschland – Namensnennung 2.0 (data); code: EUPL-1.2", identifier = "DL-DE-BY-2.0"),
        contact(name = "Lotse maintainers: the issue tracker of the repository this server is built from (see SECURITY.md)"),
    ),
    components(schemas(
        crate::vocab::Lang,
        crate::vocab::PartnerKind,
        crate::vocab::AllianceGroup,
        crate::vocab::RegionKind,
        crate::vocab::ProjectKind,
        crate::vocab::ProjectStatus,
        crate::vocab::OfferKind,
        crate::vocab::TargetGroup,
        crate::vocab::Cost,
    )),
    tags(
        (name = tags::META, description = "Service root, liveness and readiness."),
        (name = tags::SEARCH, description = "The finder: German full-text search over offers, projects and partners."),
        (name = tags::STATS, description = "Aggregates for dashboards: counts by category over the list filters."),
        (name = tags::OPEN_DATA, description = "Open-data publishing: the DCAT-AP.de catalogue for GovData.de and the European data portal."),
        (name = tags::CHANGES, description = "The change feed: every record created, changed or deleted, in commit order, to mirror the data exactly."),
    )
)]
struct ApiDoc;

/// The server the committed document names; see [`OpenApiDocument::of`].
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

/// Builds the OpenAPI document (no database needed).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_app, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(rest::configure)
        .split_for_parts();
    let mut api = api;
    // The scheme the write operations name in `security`.
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        utoipa::openapi::security::SecurityScheme::Http(
            utoipa::openapi::security::HttpBuilder::new()
                .scheme(utoipa::openapi::security::HttpAuthScheme::Bearer)
                .bearer_format("lotse_<id>_<secret>")
                .description(Some(
                    "An API key from `lotse keys create --name <who> --scope <scope>`, sent as \
                     `Authorization: Bearer <key>`. Scopes: `write` (every collection), \
                     `write:<collection>` (one), `admin`. Reads need no key.",
                ))
                .build(),
        ),
    );
    common::document(&mut api);
    examples::attach(&mut api);
    // The search documents the offer filters' parameters, where `q` is
    // optional; the search requires it (400 without).
    common::require_parameter(&mut api, "/api/v1/search", "q");
    common::enumerate_parameter(
        &mut api,
        "/api/v1/audit",
        "collection",
        crate::service::import::collections::COLLECTIONS,
    );
    // Reads are public: an empty requirement list at the root says so (the
    // write operations name the `bearer` scheme themselves).
    api.security = Some(Vec::new());
    api.servers = Some(vec![
        utoipa::openapi::server::ServerBuilder::new()
            .url(DEFAULT_SERVER)
            .description(Some(
                "The default address of `cargo run --release`; a running server lists its own \
                 public URL (`--public-url`) here instead.",
            ))
            .build(),
    ]);
    // The collections' tags come from their one description; they go after
    // `meta`, in the order of the collections.
    if let Some(tags) = api.tags.as_mut() {
        let collections = rest::COLLECTION_TAGS.iter().map(|(name, about)| {
            utoipa::openapi::tag::TagBuilder::new()
                .name(*name)
                .description(Some(*about))
                .build()
        });
        tags.splice(1..1, collections);
    }
    api
}

/// The document as served at `GET /openapi.json`: compact JSON, made once
/// at start-up.
///
/// Rejected: Swagger UI's own handler for the document, which needs the
/// `OpenApi` value itself. A value of this document is ~3.9 MB of maps and
/// strings; actix-web's app factory and Swagger UI kept four copies of it
/// (two per worker) plus the start-up one, about 19 MB of the 54 MB live
/// heap on 20,000 offers (heaptrack, bench/RESULTS.md 2026-12-02, third
/// session), and the handler serialised it anew on every request.
#[derive(Debug, Clone)]
pub struct OpenApiDocument(pub actix_web::web::Bytes);

impl OpenApiDocument {
    /// Serialises `api` as served at `base_url` (its only `servers` entry,
    /// so that generated clients call this server, not a default one).
    pub fn of(api: &utoipa::openapi::OpenApi, base_url: &str) -> anyhow::Result<Self> {
        // A copy for start-up only; dropped once serialised.
        let mut api = api.clone();
        api.servers = Some(vec![
            utoipa::openapi::server::ServerBuilder::new()
                .url(base_url)
                .description(Some(
                    "This server (its `--public-url`, else the address it listens on).",
                ))
                .build(),
        ]);
        Ok(Self(serde_json::to_vec(&api)?.into()))
    }
}

/// `GET /openapi.json`: the OpenAPI 3.1 document of this server.
pub async fn serve(document: actix_web::web::Data<OpenApiDocument>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(document.0.clone())
}

/// The document as pretty JSON with a trailing newline (the committed form).
pub fn openapi_json() -> anyhow::Result<String> {
    Ok(openapi().to_pretty_json()? + "\n")
}
