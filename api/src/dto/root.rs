use serde::Serialize;
use utoipa::ToSchema;

/// What this service is, what it holds, and where to go next.
#[derive(Debug, Serialize, ToSchema)]
pub struct Overview {
    /// Service name.
    #[schema(example = "Lotse")]
    pub name: String,
    /// Service version.
    #[schema(example = "0.1.0")]
    pub version: String,
    /// What the data is about.
    pub description: String,
    /// Licence of the data.
    #[schema(example = "Datenlizenz Deutschland – Namensnennung 2.0")]
    pub license: String,
    /// URL of the licence text.
    #[schema(format = "uri")]
    pub license_url: String,
    /// Whom to credit when using the data.
    pub attribution: String,
    /// Number of records per collection.
    pub counts: Counts,
    /// Entry points.
    pub links: Links,
    /// Every collection as one file, per format.
    pub downloads: Vec<Downloads>,
}

/// `Counts`: one field per collection (see `for_each_collection`).
macro_rules! counts_type {
    ($( $name:ident { $($description:tt)* } )*) => {
        /// Number of records per collection.
        #[derive(Debug, Serialize, ToSchema, async_graphql::SimpleObject)]
        pub struct Counts {
            $(pub $name: u64,)*
        }
    };
}
crate::service::for_each_collection!(counts_type);

/// Entry points of the API.
#[derive(Debug, Serialize, ToSchema)]
pub struct Links {
    /// Swagger UI.
    #[schema(format = "uri")]
    pub docs: String,
    /// OpenAPI 3.1 document.
    #[schema(format = "uri")]
    pub openapi: String,
    /// REST API root.
    #[schema(format = "uri")]
    pub api: String,
    /// Liveness probe.
    #[schema(format = "uri")]
    pub health: String,
    /// The DCAT-AP.de catalogue (Turtle, JSON-LD or RDF/XML by `Accept`).
    #[schema(format = "uri")]
    pub catalog: String,
    /// Readiness probe.
    #[schema(format = "uri")]
    pub ready: String,
}

/// The bulk downloads of one collection (`/downloads/{collection}.{format}`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Downloads {
    /// The collection, e.g. `offers`.
    #[schema(example = "offers")]
    pub collection: String,
    /// RFC 4180 CSV with a header row.
    #[schema(format = "uri")]
    pub csv: String,
    /// One JSON record per line.
    #[schema(format = "uri")]
    pub ndjson: String,
    /// One JSON array.
    #[schema(format = "uri")]
    pub json: String,
}

/// Liveness: the process answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    #[schema(example = "ok")]
    pub status: String,
}

/// Readiness: whether the database answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` or `unavailable`.
    #[schema(example = "ready")]
    pub status: String,
    /// `ok` when the database answered a ping.
    #[schema(example = "ok")]
    pub database: String,
}
