//! The DCAT-AP.de catalogue: what GovData.de and the European data portal
//! harvest to list this API's data.
//!
//! One `dcat:Catalog` with one `dcat:Dataset` per collection (the
//! `publish` entries of [`crate::service::for_each_collection`]), four
//! `dcat:Distribution`s each (the CSV, NDJSON and JSON downloads and the API
//! list endpoint) and one `dcat:DataService` for the REST API, described by
//! `/openapi.json`. The shapes it follows are those of DCAT-AP.de 2.0 with
//! GovData's conventions (<https://www.dcat-ap.de/def/dcatde/2.0/spec/>,
//! `…/implRules/`): publisher on every dataset (K36), one contributor id
//! (K12/13), a licence from <http://dcat-ap.de/def/licenses/> on every
//! distribution (K31), a contact point with e-mail or URL (K01).
//!
//! The graph is built as [`oxrdf`] triples and written by [`oxrdfio`]'s
//! serialisers, so the three serialisations are the same graph. Rejected:
//! Turtle assembled from strings (escaping, and a second copy for each
//! syntax). Every node is an IRI (hash IRIs under `/catalog`), none blank,
//! so a harvester can tell records apart between runs and the graphs of the
//! three syntaxes compare without blank-node matching.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use oxrdf::Triple;
use oxrdfio::RdfFormat;

use super::rdf::{self, Graph};
use crate::error::AppResult;

/// Namespaces of the catalogue, with the prefixes the serialisations use.
const PREFIXES: [(&str, &str); 6] = [
    ("dcat", DCAT),
    ("dct", DCT),
    ("dcatde", DCATDE),
    ("foaf", FOAF),
    ("vcard", VCARD),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
];
const DCAT: &str = "http://www.w3.org/ns/dcat#";
const DCT: &str = "http://purl.org/dc/terms/";
const DCATDE: &str = "http://dcat-ap.de/def/dcatde/";
const FOAF: &str = "http://xmlns.com/foaf/0.1/";
const VCARD: &str = "http://www.w3.org/2006/vcard/ns#";

/// EU data themes (<http://publications.europa.eu/resource/authority/data-theme>).
const DATA_THEME: &str = "http://publications.europa.eu/resource/authority/data-theme";
/// EU file types (`dct:format`).
const FILE_TYPE: &str = "http://publications.europa.eu/resource/authority/file-type/";
/// EU languages (`dct:language`).
const LANGUAGE: &str = "http://publications.europa.eu/resource/authority/language/";
/// EU frequencies (`dct:accrualPeriodicity`).
const FREQUENCY: &str = "http://publications.europa.eu/resource/authority/frequency/";
/// IANA media types (`dcat:mediaType`), as DCAT-AP.de writes them.
const IANA: &str = "https://www.iana.org/assignments/media-types/";
/// The dcat-ap.de licence list (`dct:license`, Konvention 31).
pub const LICENSES: &str = "http://dcat-ap.de/def/licenses/";
/// The dcat-ap.de contributor list (`dcatde:contributorID`, Konvention 12/13).
pub const CONTRIBUTORS: &str = "http://dcat-ap.de/def/contributors/";
/// ADMS publisher types (`dct:type` of the publisher).
pub const PUBLISHER_TYPES: &str = "http://purl.org/adms/publishertype/";
/// The state key of North Rhine-Westphalia (`05`), DCAT-AP.de's political
/// geocoding of every dataset here.
const NRW: &str = "http://dcat-ap.de/def/politicalGeocoding/stateKey/05";
/// The geocoding level of [`NRW`].
const STATE_LEVEL: &str = "http://dcat-ap.de/def/politicalGeocoding/Level/state";

/// Who publishes the catalogue and under which licence; from the command
/// line or the environment (`lotse serve --help`), with the NRW labour
/// ministry (the alliance's convenor, per the 2016-11-21 press release)
/// and Datenlizenz Deutschland – Namensnennung 2.0 as defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogSettings {
    /// The publisher's name (`foaf:name` of `dct:publisher`).
    pub publisher_name: String,
    /// The publisher's web site (`foaf:homepage`).
    pub publisher_url: String,
    /// The publisher's ADMS type, e.g. `RegionalAuthority` (a code of
    /// [`PUBLISHER_TYPES`]).
    pub publisher_type: String,
    /// The contact point's e-mail address (`vcard:hasEmail`), if any.
    pub contact_email: Option<String>,
    /// The contact point's web page (`vcard:hasURL`).
    pub contact_url: String,
    /// GovData's id of the delivering portal, e.g. `openNRW` (a code of
    /// [`CONTRIBUTORS`]).
    pub contributor_id: String,
    /// The data licence, e.g. `dl-by-de/2.0` (a code of [`LICENSES`]).
    pub license: String,
    /// Whom to name when using the data (`dcatde:licenseAttributionByText`).
    pub attribution: String,
}

/// Default [`CatalogSettings::publisher_name`].
pub const DEFAULT_PUBLISHER: &str =
    "Ministerium für Arbeit, Gesundheit und Soziales des Landes Nordrhein-Westfalen";
/// Default [`CatalogSettings::publisher_url`].
pub const DEFAULT_PUBLISHER_URL: &str = "https://www.mags.nrw";
/// Default [`CatalogSettings::publisher_type`].
pub const DEFAULT_PUBLISHER_TYPE: &str = "RegionalAuthority";
/// Default [`CatalogSettings::contributor_id`]: NRW's open-data portal.
pub const DEFAULT_CONTRIBUTOR: &str = "openNRW";
/// Default [`CatalogSettings::license`].
pub const DEFAULT_LICENSE: &str = "dl-by-de/2.0";
/// Default [`CatalogSettings::attribution`].
pub const DEFAULT_ATTRIBUTION: &str = "Land Nordrhein-Westfalen (Pressemitteilung vom 21.11.2016) und die im Feld „source“ jedes Datensatzes genannten Quellen";

impl Default for CatalogSettings {
    fn default() -> Self {
        Self {
            publisher_name: DEFAULT_PUBLISHER.to_owned(),
            publisher_url: DEFAULT_PUBLISHER_URL.to_owned(),
            publisher_type: DEFAULT_PUBLISHER_TYPE.to_owned(),
            contact_email: None,
            contact_url: DEFAULT_PUBLISHER_URL.to_owned(),
            contributor_id: DEFAULT_CONTRIBUTOR.to_owned(),
            license: DEFAULT_LICENSE.to_owned(),
            attribution: DEFAULT_ATTRIBUTION.to_owned(),
        }
    }
}

impl CatalogSettings {
    /// The licence's IRI in the dcat-ap.de list.
    pub fn license_iri(&self) -> String {
        format!("{LICENSES}{}", self.license)
    }
}

/// One collection as a DCAT dataset: the `publish` entry of
/// [`crate::service::for_each_collection`].
#[derive(Debug)]
pub struct DatasetInfo {
    /// The collection's name, e.g. `offers` (its path under `/api/v1`).
    pub collection: &'static str,
    /// The OpenAPI tag of its operations (for the landing page).
    pub tag: &'static str,
    /// Title in German and English.
    pub title: (&'static str, &'static str),
    /// Description in German and English.
    pub description: (&'static str, &'static str),
    /// German keywords.
    pub keywords: &'static [&'static str],
    /// EU data-theme codes, e.g. `ECON`.
    pub themes: &'static [&'static str],
}

/// When a collection's records were first and last written, from the
/// change log.
pub type Dates = HashMap<String, (DateTime<Utc>, DateTime<Utc>)>;

/// The syntaxes the catalogue is served in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// Turtle (`text/turtle`, `/catalog.ttl`): the default.
    Turtle,
    /// Expanded JSON-LD (`application/ld+json`, `/catalog.jsonld`).
    JsonLd,
    /// RDF/XML (`application/rdf+xml`, `/catalog.rdf`).
    RdfXml,
}

impl Syntax {
    /// Every syntax, the default first.
    pub const ALL: [Syntax; 3] = [Syntax::Turtle, Syntax::JsonLd, Syntax::RdfXml];

    /// The media type it is served as.
    pub fn media_type(self) -> &'static str {
        match self {
            Syntax::Turtle => "text/turtle",
            Syntax::JsonLd => "application/ld+json",
            Syntax::RdfXml => "application/rdf+xml",
        }
    }

    /// The file extension of its URL (`/catalog.ttl` …).
    pub fn extension(self) -> &'static str {
        match self {
            Syntax::Turtle => "ttl",
            Syntax::JsonLd => "jsonld",
            Syntax::RdfXml => "rdf",
        }
    }

    /// The syntax of an extension, if it is one of ours.
    pub fn of_extension(extension: &str) -> Option<Syntax> {
        Self::ALL.into_iter().find(|s| s.extension() == extension)
    }

    fn format(self) -> RdfFormat {
        match self {
            Syntax::Turtle => RdfFormat::Turtle,
            Syntax::JsonLd => RdfFormat::JsonLd {
                profile: oxjsonld_profile(),
            },
            Syntax::RdfXml => RdfFormat::RdfXml,
        }
    }
}

/// No JSON-LD profile: plain (non-streaming) JSON-LD, what most
/// consumers expect.
fn oxjsonld_profile() -> oxrdfio::JsonLdProfileSet {
    oxrdfio::JsonLdProfileSet::empty()
}

/// Writes `triples` in `syntax`, with the catalogue's prefixes.
///
/// Errors: [`AppError::Unexpected`] if a serialiser fails (it writes to
/// memory, so only on a term it cannot express).
pub fn serialize(triples: &[Triple], syntax: Syntax) -> AppResult<Vec<u8>> {
    rdf::serialize(triples, syntax.format(), &PREFIXES)
}

/// The catalogue's triples, grouped by subject.
///
/// `base` is the public base URL (no trailing slash), `datasets` the
/// collections, `dates` their first and last change.
///
/// Errors: [`AppError::Unexpected`] if `base` or a setting does not make
/// a valid IRI (the settings are checked at start, so only on a bug).
pub fn triples(
    base: &str,
    settings: &CatalogSettings,
    datasets: &[DatasetInfo],
    dates: &Dates,
) -> AppResult<Vec<Triple>> {
    let mut g = Graph::default();
    let catalog = g.node(&format!("{base}/catalog"))?;
    let publisher = g.node(&format!("{base}/catalog#publisher"))?;
    let contact = g.node(&format!("{base}/catalog#contact"))?;
    let service = g.node(&format!("{base}/catalog#api"))?;
    let license = g.node(&settings.license_iri())?;
    let first = dates.values().map(|(first, _)| *first).min();
    let last = dates.values().map(|(_, last)| *last).max();

    g.a(&catalog, DCAT, "Catalog");
    g.text(
        &catalog,
        DCT,
        "title",
        (
            "Lotse – Offene Daten des Bündnisses „Wirtschaft und Arbeit 4.0“",
            "Lotse – open data of the alliance \"Wirtschaft und Arbeit 4.0\"",
        ),
    );
    g.text(&catalog, DCT, "description", (
        "Partner, Regionen, Projekte, Sitzungen und die Transfer- und Unterstützungsangebote, zu denen das nordrhein-westfälische Bündnis „Wirtschaft und Arbeit 4.0“ kleine und mittlere Unternehmen und Betriebsräte lotst: als REST-API (OpenAPI), GraphQL und Downloads.",
        "Partners, regions, projects, meetings and the transfer and support offers that North Rhine-Westphalia's alliance \"Wirtschaft und Arbeit 4.0\" guides SMEs and works councils to: as a REST API (OpenAPI), GraphQL and downloads.",
    ));
    g.link(&catalog, DCT, "publisher", &publisher);
    g.link(&catalog, FOAF, "homepage", &g.node(&format!("{base}/"))?);
    for language in ["DEU", "ENG"] {
        g.link(
            &catalog,
            DCT,
            "language",
            &g.node(&format!("{LANGUAGE}{language}"))?,
        );
    }
    stamp(&mut g, &catalog, first, last);
    g.link(&catalog, DCT, "license", &license);
    g.link(&catalog, DCT, "spatial", &g.node(NRW)?);
    g.link(&catalog, DCAT, "themeTaxonomy", &g.node(DATA_THEME)?);
    for dataset in datasets {
        let node = g.node(&dataset_iri(base, dataset.collection))?;
        g.link(&catalog, DCAT, "dataset", &node);
    }
    g.link(&catalog, DCAT, "service", &service);

    g.a(&publisher, FOAF, "Organization");
    g.a(&publisher, FOAF, "Agent");
    g.plain(&publisher, FOAF, "name", &settings.publisher_name);
    g.link(
        &publisher,
        FOAF,
        "homepage",
        &g.node(&settings.publisher_url)?,
    );
    let kind = g.node(&format!("{PUBLISHER_TYPES}{}", settings.publisher_type))?;
    g.link(&publisher, DCT, "type", &kind);

    g.a(&contact, VCARD, "Organization");
    g.a(&contact, VCARD, "Kind");
    g.plain(&contact, VCARD, "fn", &settings.publisher_name);
    if let Some(email) = &settings.contact_email {
        g.link(
            &contact,
            VCARD,
            "hasEmail",
            &g.node(&format!("mailto:{email}"))?,
        );
    }
    g.link(&contact, VCARD, "hasURL", &g.node(&settings.contact_url)?);

    g.a(&service, DCAT, "DataService");
    g.text(&service, DCT, "title", ("Lotse REST-API", "Lotse REST API"));
    g.text(&service, DCT, "description", (
        "Lesen, Filtern, Suchen und Abgleichen aller Sammlungen über HTTP und JSON; beschrieben in OpenAPI 3.1.",
        "Read, filter, search and match every collection over HTTP and JSON; described in OpenAPI 3.1.",
    ));
    g.link(
        &service,
        DCAT,
        "endpointURL",
        &g.node(&format!("{base}/api/v1"))?,
    );
    g.link(
        &service,
        DCAT,
        "endpointDescription",
        &g.node(&format!("{base}/openapi.json"))?,
    );
    g.link(&service, DCT, "publisher", &publisher);
    g.link(&service, DCAT, "contactPoint", &contact);
    g.link(&service, DCT, "license", &license);
    for dataset in datasets {
        let node = g.node(&dataset_iri(base, dataset.collection))?;
        g.link(&service, DCAT, "servesDataset", &node);
    }

    for dataset in datasets {
        let collection = dataset.collection;
        let node = g.node(&dataset_iri(base, collection))?;
        let (first, last) = dates
            .get(collection)
            .map_or((None, None), |(f, l)| (Some(*f), Some(*l)));
        g.a(&node, DCAT, "Dataset");
        g.text(&node, DCT, "title", dataset.title);
        g.text(&node, DCT, "description", dataset.description);
        g.plain(&node, DCT, "identifier", node.as_str());
        stamp(&mut g, &node, first, last);
        g.link(&node, DCT, "publisher", &publisher);
        g.link(&node, DCAT, "contactPoint", &contact);
        for keyword in dataset.keywords {
            g.tagged(&node, DCAT, "keyword", keyword, "de");
        }
        for theme in dataset.themes {
            g.link(
                &node,
                DCAT,
                "theme",
                &g.node(&format!("{DATA_THEME}/{theme}"))?,
            );
        }
        g.link(&node, DCT, "language", &g.node(&format!("{LANGUAGE}DEU"))?);
        g.link(
            &node,
            DCT,
            "accrualPeriodicity",
            &g.node(&format!("{FREQUENCY}CONT"))?,
        );
        g.link(&node, DCT, "spatial", &g.node(NRW)?);
        g.link(&node, DCATDE, "politicalGeocodingURI", &g.node(NRW)?);
        g.link(
            &node,
            DCATDE,
            "politicalGeocodingLevelURI",
            &g.node(STATE_LEVEL)?,
        );
        let contributor = g.node(&format!("{CONTRIBUTORS}{}", settings.contributor_id))?;
        g.link(&node, DCATDE, "contributorID", &contributor);
        g.link(
            &node,
            DCAT,
            "landingPage",
            &g.node(&format!("{base}/docs/#/{}", dataset.tag))?,
        );
        for distribution in Distribution::ALL {
            let d = g.node(&format!(
                "{}-{}",
                dataset_iri(base, collection),
                distribution.suffix()
            ))?;
            g.link(&node, DCAT, "distribution", &d);
            g.a(&d, DCAT, "Distribution");
            let (de, en) = distribution.title();
            g.text(
                &d,
                DCT,
                "title",
                (
                    &format!("{} ({de})", dataset.title.0),
                    &format!("{} ({en})", dataset.title.1),
                ),
            );
            let url = g.node(&distribution.url(base, collection))?;
            g.link(&d, DCAT, "accessURL", &url);
            if distribution.is_download() {
                g.link(&d, DCAT, "downloadURL", &url);
            } else {
                g.link(&d, DCAT, "accessService", &service);
            }
            if let Some(media_type) = distribution.media_type() {
                g.link(
                    &d,
                    DCAT,
                    "mediaType",
                    &g.node(&format!("{IANA}{media_type}"))?,
                );
            }
            g.link(
                &d,
                DCT,
                "format",
                &g.node(&format!("{FILE_TYPE}{}", distribution.file_type()))?,
            );
            g.link(&d, DCT, "license", &license);
            g.plain(
                &d,
                DCATDE,
                "licenseAttributionByText",
                &settings.attribution,
            );
            stamp(&mut g, &d, None, last);
        }
    }
    Ok(g.into_triples())
}

/// The IRI of a collection's dataset.
pub fn dataset_iri(base: &str, collection: &str) -> String {
    format!("{base}/catalog#dataset-{collection}")
}

/// The four ways a collection is distributed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distribution {
    /// `/downloads/{collection}.csv`.
    Csv,
    /// `/downloads/{collection}.ndjson`.
    NdJson,
    /// `/downloads/{collection}.json`.
    Json,
    /// `/api/v1/{collection}`: the paged list of the API.
    Api,
}

impl Distribution {
    /// Every distribution of a dataset.
    pub const ALL: [Distribution; 4] = [
        Distribution::Csv,
        Distribution::NdJson,
        Distribution::Json,
        Distribution::Api,
    ];

    fn suffix(self) -> &'static str {
        match self {
            Distribution::Csv => "csv",
            Distribution::NdJson => "ndjson",
            Distribution::Json => "json",
            Distribution::Api => "api",
        }
    }

    fn title(self) -> (&'static str, &'static str) {
        match self {
            Distribution::Csv => ("CSV-Download", "CSV download"),
            Distribution::NdJson => (
                "NDJSON-Download, ein Datensatz je Zeile",
                "NDJSON download, one record per line",
            ),
            Distribution::Json => ("JSON-Download", "JSON download"),
            Distribution::Api => ("REST-API, seitenweise", "REST API, paged"),
        }
    }

    fn is_download(self) -> bool {
        self != Distribution::Api
    }

    /// Where it is.
    pub fn url(self, base: &str, collection: &str) -> String {
        match self {
            Distribution::Api => format!("{base}/api/v1/{collection}"),
            download => format!("{base}/downloads/{collection}.{}", download.suffix()),
        }
    }

    /// The IANA media type; `None` for NDJSON, which IANA has not
    /// registered (DCAT-AP: `dcat:mediaType` only for IANA types).
    fn media_type(self) -> Option<&'static str> {
        match self {
            Distribution::Csv => Some("text/csv"),
            Distribution::NdJson => None,
            Distribution::Json | Distribution::Api => Some("application/json"),
        }
    }

    /// The EU file type. NDJSON has none of its own; each line is JSON.
    fn file_type(self) -> &'static str {
        match self {
            Distribution::Csv => "CSV",
            Distribution::NdJson | Distribution::Json | Distribution::Api => "JSON",
        }
    }
}

/// `dct:issued` and `dct:modified`, where known.
fn stamp(
    g: &mut Graph,
    subject: &oxrdf::NamedNode,
    issued: Option<DateTime<Utc>>,
    modified: Option<DateTime<Utc>>,
) {
    if let Some(issued) = issued {
        g.time(subject, DCT, "issued", issued);
    }
    if let Some(modified) = modified {
        g.time(subject, DCT, "modified", modified);
    }
}
