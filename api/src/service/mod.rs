//! The query layer: the ONLY code that builds database queries.
//!
//! REST handlers and GraphQL resolvers parse input, call a function
//! here and map its [`AppError`]. One module per resource, each with a filter
//! type, `list` and `get`; rows are turned into DTOs with a constant number of
//! batched queries per page (`hydrate`), never one query per row.

pub mod changes;
pub mod import;
pub mod keys;
pub mod matching;
pub mod meetings;
pub mod offers;
pub mod overview;
pub mod page;
pub mod partners;
pub mod projects;
pub mod reference;
pub mod refs;
pub mod regions;
pub mod resource;
pub mod search;
pub mod selection;
pub mod stats;
pub mod store;
pub mod topics;

/// Every collection the API serves, described once: the resource type (its
/// query layer, in the module of the same name), its public types, filter,
/// OpenAPI tag, and the documentation and names of its REST handlers and
/// GraphQL root fields.
///
/// Each front-end expands this list with its own macro, given by name:
/// `for_each_collection!(rest_collections)` writes the REST handlers with their
/// OpenAPI documentation and registers their routes, `graphql_collections` the
/// GraphQL root fields, `count_collections` the counts of `/`. So a collection
/// cannot be served by one front-end and forgotten by another. An "X-macro"
/// rather than a runtime registry because `#[utoipa::path]`, actix's route
/// attributes and `#[Object]` need literal items per collection; rejected: one
/// hand-written invocation per front-end (how collections drifted apart).
///
/// `graphql.prefetch` (optional) names the function that batch-loads what a
/// page's selected relations need before they resolve (`graphql/objects.rs`).
/// `publish` describes the collection as a DCAT `Dataset` of the catalogue
/// (`publish::catalog`): German and English title and description, German
/// keywords, and EU data themes (codes of
/// <http://publications.europa.eu/resource/authority/data-theme>); its bulk
/// downloads (`publish::downloads`) follow from the entry too.
macro_rules! for_each_collection {
    ($callback:ident) => {
        $callback! {
            partners {
                resource: $crate::service::partners::Partners,
                item: $crate::dto::Partner,
                page: $crate::dto::PartnerPage,
                filter: [$crate::service::partners::PartnerFilter],
                tag: "partners" / "Organisations: ministries, unions, chambers, universities, companies, clusters.",
                write: $crate::service::import::collections::partners::Partners,
                record: $crate::service::import::collections::partners::PartnerRecord,
                kind: "partner",
                rest: {
                    path: "/partners",
                    item_path: "/partners/{key}",
                    /// List partners: ministries, unions, chambers, universities, companies …
                    ///
                    /// Each partner embeds its home region, organisational contacts and the office
                    /// holders named in the sources. `region` follows the region hierarchy.
                    ///
                    /// Sort fields: `name` (default), `created_at`, `updated_at`.
                    list: list_partners,
                    list_ok: "One page of partners.",
                    /// Get one partner by id or slug.
                    get: get_partner,
                    item_ok: "The partner.",
                    key: "The partner's id (UUID) or slug.",
                    example: "mags",
                    not_found: "No partner has this id or slug.",
                    create: create_partner,
                    replace: replace_partner,
                    patch: patch_partner,
                    delete: delete_partner,
                    download: download_partners,
                    download_path: "/downloads/partners.{format}",
                },
                graphql: {
                    query: PartnerQuery,
                    mutation: PartnerMutation,
                    payload: PartnerPayload,
                    create: create_partner,
                    replace: replace_partner,
                    update: update_partner,
                    delete: delete_partner,
                    list: partners,
                    item: partner,
                    doc: "Partners, filtered as in `GET /api/v1/partners`. `orderBy`: by name (default), `created_at` or `updated_at`.",
                    prefetch: partners,
                },
                publish: {
                    title: "Partner des Bündnisses „Wirtschaft und Arbeit 4.0“" / "Partners of the alliance \"Wirtschaft und Arbeit 4.0\"",
                    description: "Ministerien, Gewerkschaften, Kammern, Verbände, Hochschulen und Unternehmen im nordrhein-westfälischen Bündnis „Wirtschaft und Arbeit 4.0“, mit Heimatregion, Kontakten der Organisationen und den in den Quellen genannten Amtsträgerinnen und Amtsträgern." / "Ministries, unions, chambers, associations, universities and companies in North Rhine-Westphalia's alliance \"Wirtschaft und Arbeit 4.0\", with their home region, organisational contacts and the office holders named in the sources.",
                    keywords: ["Bündnis Wirtschaft und Arbeit 4.0", "Sozialpartner", "Ministerium", "Gewerkschaft", "Kammer"],
                    themes: ["GOVE", "ECON"],
                },
            }
            regions {
                resource: $crate::service::regions::Regions,
                item: $crate::dto::Region,
                page: $crate::dto::RegionPage,
                filter: [$crate::service::regions::RegionFilter],
                tag: "regions" / "NRW's regions with official keys (ARS) and NUTS codes, as a hierarchy.",
                write: $crate::service::import::collections::regions::Regions,
                record: $crate::service::import::collections::regions::RegionRecord,
                kind: "region",
                rest: {
                    path: "/regions",
                    item_path: "/regions/{key}",
                    /// List regions: Germany, NRW, its five Regierungsbezirke, 53 districts and
                    /// the economic regions (OWL, Metropole Ruhr, Südwestfalen …).
                    ///
                    /// Each region carries its official key (ARS), NUTS code, parent, members and
                    /// the economic regions it belongs to.
                    ///
                    /// Sort fields: `name` (default), `created_at`, `updated_at`.
                    list: list_regions,
                    list_ok: "One page of regions.",
                    /// Get one region by id, slug, official key (ARS) or NUTS code.
                    get: get_region,
                    item_ok: "The region.",
                    key: "The region's id, slug, official key (e.g. `05711`) or NUTS code (e.g. `DEA41`).",
                    example: "05711",
                    not_found: "No region has this key.",
                    create: create_region,
                    replace: replace_region,
                    patch: patch_region,
                    delete: delete_region,
                    download: download_regions,
                    download_path: "/downloads/regions.{format}",
                },
                graphql: {
                    query: RegionQuery,
                    mutation: RegionMutation,
                    payload: RegionPayload,
                    create: create_region,
                    replace: replace_region,
                    update: update_region,
                    delete: delete_region,
                    list: regions,
                    item: region,
                    doc: "Regions, filtered as in `GET /api/v1/regions`. `orderBy`: by name (default), `created_at` or `updated_at`. Items also by official key or NUTS code.",
                    prefetch: regions,
                },
                publish: {
                    title: "Regionen in Nordrhein-Westfalen" / "Regions of North Rhine-Westphalia",
                    description: "Nordrhein-Westfalen, seine fünf Regierungsbezirke, 53 Kreise und kreisfreien Städte und die Wirtschaftsregionen (OWL, Metropole Ruhr, Südwestfalen …) mit amtlichem Regionalschlüssel (ARS), NUTS-Code und Hierarchie." / "North Rhine-Westphalia, its five Regierungsbezirke, 53 districts and the economic regions (OWL, Metropole Ruhr, Südwestfalen …) with official key (ARS), NUTS code and hierarchy.",
                    keywords: ["Region", "Kreis", "Regionalschlüssel", "NUTS", "Nordrhein-Westfalen"],
                    themes: ["REGI"],
                },
            }
            topics {
                resource: $crate::service::topics::Topics,
                item: $crate::dto::Topic,
                page: $crate::dto::TopicPage,
                filter: [],
                tag: "topics" / "The topic taxonomy offers are tagged with.",
                write: $crate::service::import::collections::topics::Topics,
                record: $crate::service::import::collections::topics::TopicRecord,
                kind: "topic",
                rest: {
                    path: "/topics",
                    item_path: "/topics/{key}",
                    /// List the topics offers are tagged with (Digitalisierung, Industrie 4.0,
                    /// Arbeit 4.0, Qualifizierung …).
                    ///
                    /// Sort fields: `label` (default), `created_at`, `updated_at`.
                    list: list_topics,
                    list_ok: "One page of topics.",
                    /// Get one topic by id or slug.
                    get: get_topic,
                    item_ok: "The topic.",
                    key: "The topic's id (UUID) or slug.",
                    example: "industrie-40",
                    not_found: "No topic has this id or slug.",
                    create: create_topic,
                    replace: replace_topic,
                    patch: patch_topic,
                    delete: delete_topic,
                    download: download_topics,
                    download_path: "/downloads/topics.{format}",
                },
                graphql: {
                    query: TopicQuery,
                    mutation: TopicMutation,
                    payload: TopicPayload,
                    create: create_topic,
                    replace: replace_topic,
                    update: update_topic,
                    delete: delete_topic,
                    list: topics,
                    item: topic,
                    doc: "The topic taxonomy. `orderBy`: by label (default), `created_at` or `updated_at`.",
                    prefetch: topics,
                },
                publish: {
                    title: "Themen der Angebote" / "Topics of the offers",
                    description: "Die Themen-Taxonomie, mit der Transfer- und Unterstützungsangebote verschlagwortet sind (Digitalisierung, Industrie 4.0, Arbeit 4.0, Qualifizierung …)." / "The topic taxonomy that transfer and support offers are tagged with (digitalisation, Industrie 4.0, Arbeit 4.0, qualification …).",
                    keywords: ["Thema", "Taxonomie", "Digitalisierung", "Arbeit 4.0", "Industrie 4.0"],
                    themes: ["ECON", "TECH"],
                },
            }
            projects {
                resource: $crate::service::projects::Projects,
                item: $crate::dto::Project,
                page: $crate::dto::ProjectPage,
                filter: [$crate::service::projects::ProjectFilter],
                tag: "projects" / "The alliance, pilot projects, clusters, networks, programmes and portals.",
                write: $crate::service::import::collections::projects::Projects,
                record: $crate::service::import::collections::projects::ProjectRecord,
                kind: "project",
                rest: {
                    path: "/projects",
                    item_path: "/projects/{key}",
                    /// List projects: the alliance, pilot projects (Arbeit 2020), clusters
                    /// (it's OWL), networks, programmes and portals.
                    ///
                    /// Each project embeds its region and its participants with their roles.
                    ///
                    /// Sort fields: `name` (default), `created_at`, `updated_at`.
                    list: list_projects,
                    list_ok: "One page of projects.",
                    /// Get one project by id or slug.
                    get: get_project,
                    item_ok: "The project.",
                    key: "The project's id (UUID) or slug.",
                    example: "arbeit-2020",
                    not_found: "No project has this id or slug.",
                    create: create_project,
                    replace: replace_project,
                    patch: patch_project,
                    delete: delete_project,
                    download: download_projects,
                    download_path: "/downloads/projects.{format}",
                },
                graphql: {
                    query: ProjectQuery,
                    mutation: ProjectMutation,
                    payload: ProjectPayload,
                    create: create_project,
                    replace: replace_project,
                    update: update_project,
                    delete: delete_project,
                    list: projects,
                    item: project,
                    doc: "Projects, filtered as in `GET /api/v1/projects`. `orderBy`: by name (default), `created_at` or `updated_at`.",
                    prefetch: projects,
                },
                publish: {
                    title: "Projekte, Netzwerke und Programme" / "Projects, networks and programmes",
                    description: "Das Bündnis, Pilotprojekte wie Arbeit 2020, Cluster wie it's OWL, regionale Netzwerke, Förderprogramme und Portale mit ihren Beteiligten und deren Rollen." / "The alliance, pilot projects such as Arbeit 2020, clusters such as it's OWL, regional networks, funding programmes and portals, with their participants and roles.",
                    keywords: ["Pilotprojekt", "Arbeit 2020", "it's OWL", "Netzwerk", "Förderprogramm"],
                    themes: ["ECON"],
                },
            }
            offers {
                resource: $crate::service::offers::Offers,
                item: $crate::dto::Offer,
                page: $crate::dto::OfferPage,
                filter: [$crate::service::offers::OfferFilter],
                tag: "offers" / "Transfer and support offers for SMEs, works councils and others.",
                write: $crate::service::import::collections::offers::Offers,
                record: $crate::service::import::collections::offers::OfferRecord,
                kind: "offer",
                rest: {
                    path: "/offers",
                    item_path: "/offers/{key}",
                    /// List transfer and support offers.
                    ///
                    /// Each offer embeds its provider, project, topics and regions, so one request
                    /// fills a portal page. Filters combine with AND; comma-separated values within
                    /// one filter mean "any of". `region` follows the hierarchy: asking for
                    /// Bielefeld (`05711`) also finds offers for OWL, the Regierungsbezirk Detmold,
                    /// all of NRW and Germany, and asking for a region also finds offers for places
                    /// inside it. `topic` includes narrower topics.
                    ///
                    /// Sort fields: `title` (default), `created_at`, `updated_at`; prefix `-` for
                    /// descending. For incremental sync use `updated_since` with `sort=updated_at`.
                    list: list_offers,
                    list_ok: "One page of offers; `Link: <…>; rel=\"next\"` points to the next page.",
                    /// Get one offer by id or slug.
                    get: get_offer,
                    item_ok: "The offer.",
                    key: "The offer's id (UUID) or slug.",
                    example: "tbs-beratung",
                    not_found: "No offer has this id or slug.",
                    create: create_offer,
                    replace: replace_offer,
                    patch: patch_offer,
                    delete: delete_offer,
                    download: download_offers,
                    download_path: "/downloads/offers.{format}",
                },
                graphql: {
                    query: OfferQuery,
                    mutation: OfferMutation,
                    payload: OfferPayload,
                    create: create_offer,
                    replace: replace_offer,
                    update: update_offer,
                    delete: delete_offer,
                    list: offers,
                    item: offer,
                    doc: "Transfer and support offers, filtered as in `GET /api/v1/offers` and in the same order. `orderBy`: by title (default), `created_at` or `updated_at`, each ascending or descending.",
                    prefetch: offers,
                },
                publish: {
                    title: "Transfer- und Unterstützungsangebote für KMU und Betriebsräte" / "Transfer and support offers for SMEs and works councils",
                    description: "Beratungs-, Förder-, Qualifizierungs- und Netzwerkangebote zur Digitalisierung der Arbeit für kleine und mittlere Unternehmen, Betriebs- und Personalräte und Beschäftigte in Nordrhein-Westfalen, mit Anbieter, Themen, Regionen, Zielgruppen, Kosten und Fristen." / "Consulting, funding, training and network offers on the digitalisation of work for small and medium-sized enterprises, works councils and employees in North Rhine-Westphalia, with provider, topics, regions, target groups, cost and deadlines.",
                    keywords: ["KMU", "Betriebsrat", "Beratung", "Förderung", "Digitalisierung", "Arbeit 4.0"],
                    themes: ["ECON", "EDUC"],
                },
            }
            meetings {
                resource: $crate::service::meetings::Meetings,
                item: $crate::dto::Meeting,
                page: $crate::dto::MeetingPage,
                filter: [],
                tag: "meetings" / "Sessions of the alliance.",
                write: $crate::service::import::collections::meetings::Meetings,
                record: $crate::service::import::collections::meetings::MeetingRecord,
                kind: "meeting",
                rest: {
                    path: "/meetings",
                    item_path: "/meetings/{key}",
                    /// List the alliance's meetings, newest first.
                    ///
                    /// Sort fields: `date` (default `-date`), `created_at`, `updated_at`.
                    list: list_meetings,
                    list_ok: "One page of meetings.",
                    /// Get one meeting by id or slug.
                    get: get_meeting,
                    item_ok: "The meeting.",
                    key: "The meeting's id (UUID) or slug.",
                    example: "zweite-sitzung-2016-11-21",
                    not_found: "No meeting has this id or slug.",
                    create: create_meeting,
                    replace: replace_meeting,
                    patch: patch_meeting,
                    delete: delete_meeting,
                    download: download_meetings,
                    download_path: "/downloads/meetings.{format}",
                },
                graphql: {
                    query: MeetingQuery,
                    mutation: MeetingMutation,
                    payload: MeetingPayload,
                    create: create_meeting,
                    replace: replace_meeting,
                    update: update_meeting,
                    delete: delete_meeting,
                    list: meetings,
                    item: meeting,
                    doc: "Meetings of the alliance, newest first. `orderBy`: by `date` (default descending), `created_at` or `updated_at`.",
                    prefetch: meetings,
                },
                publish: {
                    title: "Sitzungen des Bündnisses" / "Meetings of the alliance",
                    description: "Sitzungen des Bündnisses „Wirtschaft und Arbeit 4.0“ mit Datum, Ort, Gastgeber, Teilnehmenden und Ergebnissen." / "Meetings of the alliance \"Wirtschaft und Arbeit 4.0\" with date, place, host, participants and outcomes.",
                    keywords: ["Sitzung", "Bündnis Wirtschaft und Arbeit 4.0", "Landesregierung"],
                    themes: ["GOVE"],
                },
            }
        }
    };
}
pub(crate) use for_each_collection;

use std::sync::Arc;

use sea_orm::{ColumnTrait, Condition};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::vocab::Lang;

/// Per-request context that shapes DTOs: response language, the public
/// base URL used in record URIs, and the snapshot of the data the request
/// reads.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Language of human-readable text.
    pub lang: Lang,
    /// Public base URL without a trailing slash, e.g. `https://lotse.example`.
    pub base_url: Arc<str>,
    /// The data's generation and what derives from it (search index,
    /// reference data, match corpus).
    pub store: Arc<store::Store>,
    /// The snapshot this request reads, taken at its first use and shared
    /// by its clones (GraphQL loaders): one generation check per request
    /// however many parts read reference data, and one generation for all
    /// of them. Rejected: asking the store each time, which checked the
    /// generation once per ref lookup when the refresh interval is zero.
    /// Emptied by [`Ctx::forget_snapshot`] after a write of the request.
    snapshot: Arc<std::sync::Mutex<Option<Arc<store::Snapshot>>>>,
    /// The item fields a GraphQL list's nodes select (look-ahead), so that
    /// the list hydrates only their link rows (`Resource::LINK_FIELDS`);
    /// `None`: every field
    /// (REST, single items, relations).
    selection: Option<Arc<[String]>>,
}

impl Ctx {
    /// A context for one request.
    pub fn new(lang: Lang, base_url: Arc<str>, store: Arc<store::Store>) -> Self {
        Self {
            lang,
            base_url,
            store,
            snapshot: Arc::default(),
            selection: None,
        }
    }

    /// This context for items of which only `fields` (GraphQL field names)
    /// are read: the collection may leave the others empty and skip reading
    /// what only they need.
    pub fn selecting(mut self, fields: Vec<String>) -> Self {
        self.selection = Some(fields.into());
        self
    }

    /// Whether the items built in this context may be read for `field`.
    pub fn selects(&self, field: &str) -> bool {
        self.selection
            .as_ref()
            .is_none_or(|fields| fields.iter().any(|f| f == field))
    }

    /// Whether any of `fields` may be read (see [`Ctx::selects`]).
    pub fn selects_any(&self, fields: &[&str]) -> bool {
        fields.iter().any(|f| self.selects(f))
    }

    /// `{base_url}/api/v1/{collection}/{id}`: the record's canonical URI.
    pub fn uri(&self, collection: &str, id: Uuid) -> String {
        format!("{}/api/v1/{collection}/{id}", self.base_url)
    }

    /// This context, reading `snapshot` (one the request has taken already).
    pub fn reading(self, snapshot: Arc<store::Snapshot>) -> Self {
        self.held_snapshot().get_or_insert(snapshot);
        self
    }

    /// The snapshot of the current data (see [`store::Store::snapshot`]),
    /// the same for the whole request.
    pub async fn snapshot(&self) -> AppResult<Arc<store::Snapshot>> {
        if let Some(snapshot) = self.held_snapshot().as_ref() {
            return Ok(snapshot.clone());
        }
        let snapshot = self.store.snapshot().await?;
        Ok(self.held_snapshot().get_or_insert(snapshot).clone())
    }

    /// The snapshot cell; a poisoned lock still holds a whole `Option`.
    fn held_snapshot(&self) -> std::sync::MutexGuard<'_, Option<Arc<store::Snapshot>>> {
        self.snapshot.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Drops the request's snapshot (and its clones'): after a write of this
    /// request, its later reads take the current one (a GraphQL mutation's
    /// result, the next fields and operations of its document and batch).
    pub fn forget_snapshot(&self) {
        *self.held_snapshot() = None;
    }

    /// After a write this request committed: the server's snapshot is
    /// stale, and the request's later reads (the record it answers with, a
    /// GraphQL document's next fields and operations) take the new one.
    ///
    /// When the database the snapshot is read from (the read replica,
    /// `--database-read-url`) does not answer, they read the last snapshot
    /// instead: the write is committed on the primary and its answer must
    /// say so, not 503 (a client would retry a write that was done). Only
    /// the reference data (region and topic labels) may then lag by the
    /// writes of others. Rejected: answering 204 without the record, which
    /// would make the answer depend on the replica's health.
    ///
    /// Errors: those of the snapshot other than [`AppError::Unavailable`].
    pub async fn after_write(&self) -> AppResult<()> {
        self.store.invalidate();
        self.forget_snapshot();
        let snapshot = match self.store.snapshot().await {
            Ok(snapshot) => snapshot,
            Err(AppError::Unavailable(err)) => match self.store.latest() {
                Some(snapshot) => {
                    tracing::warn!(error = %err, "the read pool is away: a write's answer reads the last snapshot");
                    snapshot
                }
                None => return Err(AppError::Unavailable(err)),
            },
            Err(err) => return Err(err),
        };
        self.held_snapshot().get_or_insert(snapshot);
        Ok(())
    }

    /// Regions and topics of the current data.
    pub async fn reference(&self) -> AppResult<Arc<store::Reference>> {
        Ok(self.snapshot().await?.reference.clone())
    }
}

/// Records of `kind` matching `q`, through the search index (stemming,
/// umlaut folding, typos).
pub async fn q_condition<C: ColumnTrait>(
    ctx: &Ctx,
    q: &str,
    kind: crate::dto::HitKind,
    id_column: C,
) -> AppResult<Condition> {
    ctx.snapshot().await?;
    Ok(Condition::all().add(id_column.is_in(ctx.store.index().ids(q, kind)?)))
}
