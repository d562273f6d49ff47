//! Command line and environment configuration.
//!
//! Every option has an environment fallback and a default, so `cargo run
//! --release` with no arguments serves on `127.0.0.1:8080` from `lotse.db`
//! (ARCHITECTURE.md decision 12). Nothing is read relative to the working
//! directory except that default SQLite file.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::graphql::Limits;
use crate::publish::catalog::{self, CatalogSettings};

/// Default database: a SQLite file in the working directory, created if missing.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://lotse.db?mode=rwc";

/// The `lotse` command line.
#[derive(Debug, Parser)]
#[command(
    name = "lotse",
    version,
    about = "Open-data API of the NRW alliance \"Wirtschaft und Arbeit 4.0\" (REST + OpenAPI).",
    long_about = None
)]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Database URL: `sqlite://path?mode=rwc` or `postgres://user@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true, value_parser = database_url)]
    pub database_url: String,

    /// Log format: human-readable `pretty` or `json` (one object per line).
    #[arg(long, env = "LOTSE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty, global = true)]
    pub log_format: LogFormat,
}

/// Sub-commands of `lotse`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (migrates, and seeds an empty database, first).
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Import a dataset file (the format of api/seed/seed.json): all or nothing,
    /// idempotent. Adds and updates; deletes only with `--prune`.
    Import {
        /// Path of the JSON file.
        file: PathBuf,
        /// Also delete the stored records of each collection present in the
        /// file (an empty array included) that the file no longer contains,
        /// with their links. Refused if a kept record still refers to one.
        #[arg(long)]
        prune: bool,
        /// Check and write inside a transaction that is rolled back: print
        /// what the import would insert, update and (with `--prune`) delete,
        /// and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Add a deterministic synthetic dataset (for benchmarks) to a seeded
    /// database: generated offers and partners, imported like any file.
    Generate {
        /// Number of offers.
        #[arg(long, default_value_t = 20_000)]
        offers: usize,
        /// Number of partners (providers of the generated offers).
        #[arg(long, default_value_t = 400)]
        partners: usize,
        /// Seed: the same seed gives the same records and ids.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Manage the API keys that may write (reads need none).
    Keys {
        #[command(subcommand)]
        action: KeysCommand,
    },
    /// Write the generated contracts (openapi.json, schema.graphql) into a directory.
    ExportSchema {
        /// Target directory.
        #[arg(long, default_value = "schema")]
        out_dir: PathBuf,
    },
}

/// `lotse keys …`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key and print it: the only time it is shown (only its
    /// hash is stored).
    Create {
        /// Who holds it; the actor of its writes in the audit trail.
        #[arg(long)]
        name: String,
        /// What it may do: `write` (every collection), `write:<collection>`
        /// (e.g. `write:offers`), `admin` (audit trail, keys). Repeat for
        /// several.
        #[arg(long = "scope", required = true, value_parser = parse_scope)]
        scopes: Vec<crate::service::keys::Scope>,
    },
    /// List the keys: name, id, scopes, created, last used, revoked.
    List,
    /// Revoke a key: it authenticates nothing from now on.
    Revoke {
        /// The key's name.
        name: String,
    },
}

/// A database URL of a backend this build speaks: `sqlite:` or
/// `postgres:`/`postgresql:` (the rest is checked when connecting).
fn database_url(text: &str) -> Result<String, String> {
    let text = text.trim();
    match text.split_once(':') {
        Some(("sqlite" | "postgres" | "postgresql", _)) => Ok(text.to_owned()),
        _ => Err("must be a sqlite:// or postgres:// URL".into()),
    }
}

/// A `host:port` to listen on: an IP address, or a name such as
/// `localhost`, and a port.
fn listen_addr(text: &str) -> Result<String, String> {
    let text = text.trim();
    let valid = match text.rsplit_once(':') {
        Some((host, port)) => {
            !host.is_empty()
                && !host.chars().any(|c| c.is_whitespace() || c.is_control())
                && port.parse::<u16>().is_ok()
        }
        None => false,
    };
    if valid {
        Ok(text.to_owned())
    } else {
        Err("must be host:port, e.g. 0.0.0.0:9090".into())
    }
}

/// A read replica's URL: PostgreSQL only (SQLite has no replicas; a
/// second SQLite file would be another database, not a copy).
fn read_url(text: &str) -> Result<String, String> {
    let url = database_url(text)?;
    match url.starts_with("postgres://") || url.starts_with("postgresql://") {
        true => Ok(url),
        false => Err("must be a postgres:// URL (read replicas are PostgreSQL's)".into()),
    }
}

/// A number of worker threads: 1 to 1024 (actix-web refuses 0 with a panic).
fn workers(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n @ 1..=1024) => Ok(n),
        _ => Err("must be a number from 1 to 1024".into()),
    }
}

/// A setting that must hold visible text.
fn non_blank(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() || text.chars().any(char::is_control) {
        return Err("must be text without control characters".into());
    }
    Ok(text.to_owned())
}

/// An absolute `http` or `https` URL.
fn http_url(text: &str) -> Result<String, String> {
    match url::Url::parse(text.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
            Ok(url.as_str().trim_end_matches('/').to_owned())
        }
        _ => Err("must be an absolute http(s) URL".into()),
    }
}

/// A web origin (RFC 6454 §4): `http(s)://host[:port]`, with nothing
/// after it but an optional `/`, as a browser sends it in `Origin`; an
/// empty item (`a,,b`) is skipped.
fn origin(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(String::new());
    }
    let bare = text.trim_end_matches('/');
    match url::Url::parse(text) {
        Ok(url)
            if matches!(url.scheme(), "http" | "https")
                && url.host().is_some()
                && url.username().is_empty()
                && url.password().is_none()
                && url.path() == "/"
                && url.query().is_none()
                && url.fragment().is_none()
                && !bare.ends_with(':') =>
        {
            Ok(url.origin().ascii_serialization())
        }
        _ => Err(format!(
            "`{}` is not an origin: must be scheme://host[:port], e.g. https://redaktion.example.org",
            crate::limits::truncate(text, 100)
        )),
    }
}

/// An e-mail address (`local@domain`, as a `mailto:` IRI takes it).
fn email(text: &str) -> Result<String, String> {
    let text = text.trim();
    let valid = text.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
    }) && text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "@.!#$%&'*+/=?^_`{|}~-".contains(c))
        && url::Url::parse(&format!("mailto:{text}")).is_ok();
    if valid {
        Ok(text.to_owned())
    } else {
        Err("must be an e-mail address such as opendata@example.org".into())
    }
}

/// A code of a dcat-ap.de list: letters, digits, `.`, `-`, `_`, and `/`
/// between them (`dl-by-de/2.0`).
fn code(text: &str) -> Result<String, String> {
    let text = text.trim();
    let valid = !text.is_empty()
        && !text.starts_with('/')
        && !text.ends_with('/')
        && !text.contains("//")
        && !text.split('/').any(|part| part == "." || part == "..")
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._/".contains(c));
    if valid {
        Ok(text.to_owned())
    } else {
        Err("must be an id of a dcat-ap.de list, such as dl-by-de/2.0 or openNRW (letters, digits, `-`, `.`, `_`, `/`; no `..`)".into())
    }
}

/// An ADMS publisher type (<http://purl.org/adms/publishertype/>).
fn publisher_type(text: &str) -> Result<String, String> {
    const TYPES: [&str; 11] = [
        "Academia-ScientificOrganisation",
        "Company",
        "IndustryConsortium",
        "LocalAuthority",
        "NationalAuthority",
        "NonGovernmentalOrganisation",
        "NonProfitOrganisation",
        "PrivateIndividual",
        "RegionalAuthority",
        "StandardisationBody",
        "SupraNationalAuthority",
    ];
    TYPES
        .iter()
        .find(|t| t.eq_ignore_ascii_case(text.trim()))
        .map(|t| (*t).to_owned())
        .ok_or_else(|| format!("must be one of {}", TYPES.join(", ")))
}

fn parse_scope(text: &str) -> Result<crate::service::keys::Scope, String> {
    crate::service::keys::Scope::parse(text)
}

/// Options of `lotse serve`.
#[derive(Debug, Clone, Parser)]
pub struct ServeArgs {
    /// A read replica of the database (`postgres://…`): reads (lists,
    /// items, search, matching, the snapshot) go there, writes to
    /// `--database-url`. What this process reads then follows the
    /// replica: a write shows once the replica has replayed it.
    #[arg(long, env = "LOTSE_DATABASE_READ_URL", value_parser = read_url)]
    pub database_read_url: Option<String>,

    /// Address to listen on (`host:port`; port 0 picks a free one).
    #[arg(long, env = "LOTSE_ADDR", default_value = "127.0.0.1:8080", value_parser = listen_addr)]
    pub addr: String,

    /// Public base URL used in record URIs and links, e.g.
    /// `https://lotse.example.org`; defaults to `http://{addr}`.
    #[arg(long, env = "LOTSE_PUBLIC_URL", value_parser = http_url)]
    pub public_url: Option<String>,

    /// HTTP worker threads; defaults to the number of CPU cores.
    #[arg(long, env = "LOTSE_WORKERS", value_parser = workers)]
    pub workers: Option<usize>,

    /// Largest number of pooled database connections.
    #[arg(long, env = "LOTSE_DB_MAX_CONNECTIONS", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub db_max_connections: Option<u32>,

    /// Longest wait, in milliseconds, for a database connection (opening
    /// one included); then the request gets a 503 problem with
    /// `Retry-After` instead of waiting for a database that is away.
    #[arg(long, env = "LOTSE_DB_ACQUIRE_TIMEOUT_MS", default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub db_acquire_timeout_ms: u64,

    /// Longest run of one statement, in milliseconds (PostgreSQL's
    /// `statement_timeout`; on SQLite the wait for another writer's lock);
    /// then 503 with `Retry-After`.
    #[arg(long, env = "LOTSE_DB_STATEMENT_TIMEOUT_MS", default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    pub db_statement_timeout_ms: u64,

    /// Longest time, in milliseconds, `/ready` waits for the database
    /// before it answers 503, so a load balancer's probe learns of an
    /// outage quickly.
    #[arg(long, env = "LOTSE_READY_TIMEOUT_MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=60_000))]
    pub ready_timeout_ms: u64,

    /// Requests per minute one anonymous client (one IP address) may make,
    /// at once or spread out; beyond it, 429 with `Retry-After`. 0: no
    /// limit. `/health`, `/ready` and `/metrics` are not limited.
    #[arg(long, env = "LOTSE_RATE_LIMIT_PER_MINUTE", default_value_t = 1200)]
    pub rate_limit_per_minute: u32,

    /// Requests per minute one API key may make (its own quota, apart from
    /// its IP address's). 0: no limit.
    #[arg(long, env = "LOTSE_RATE_LIMIT_KEY_PER_MINUTE", default_value_t = 6000)]
    pub rate_limit_key_per_minute: u32,

    /// Proxies (IP addresses or CIDR networks, comma-separated) whose
    /// `Forwarded` / `X-Forwarded-For` names the client; from any other
    /// peer those headers are ignored.
    #[arg(long, env = "LOTSE_TRUSTED_PROXIES", value_delimiter = ',', value_parser = crate::ops::client::parse_network)]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// Requests taking at least this many milliseconds are logged at WARN
    /// with their route and timings (database, search, rendering).
    #[arg(long, env = "LOTSE_SLOW_REQUEST_MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    pub slow_request_ms: u64,

    /// Longest time, in seconds, a read (GET, HEAD, a match) may take to
    /// produce its answer; then 503 with `Retry-After` (`code: timeout`).
    /// A write the database has not finished by then (a network that
    /// stopped answering; its statements have `--db-statement-timeout-ms`)
    /// is abandoned with the same 503, its outcome unknown.
    #[arg(long, env = "LOTSE_REQUEST_TIMEOUT_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout_secs: u64,

    /// Seconds that requests in flight get to finish after SIGTERM or
    /// SIGINT (graceful shutdown); the server takes no new connections
    /// meanwhile.
    #[arg(long, env = "LOTSE_SHUTDOWN_TIMEOUT_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub shutdown_timeout_secs: u64,

    /// Also listen on this address (`host:port`) for the operator's
    /// endpoints (`/metrics`, `/health`, `/ready`), and serve `/metrics`
    /// only there, not to the public.
    #[arg(long, env = "LOTSE_ADMIN_ADDR", value_parser = listen_addr)]
    pub admin_addr: Option<String>,

    /// Do not load the shipped seed data into an empty database.
    #[arg(long, env = "LOTSE_NO_SEED")]
    pub no_seed: bool,

    /// Refuse `PUT`, `PATCH` and `DELETE` without `If-Match` (428), so no
    /// client can overwrite a change it has not seen.
    #[arg(long, env = "LOTSE_REQUIRE_IF_MATCH")]
    pub require_if_match: bool,

    /// Seconds between checks whether another process changed the data
    /// (`lotse import`, another replica): then the search index, match
    /// corpus, region graph and topic tree are rebuilt and cached responses
    /// dropped. Writes through this process are seen at once. 0: check on
    /// every request. (The name predates the other derived data.)
    #[arg(long, env = "LOTSE_SEARCH_REFRESH_SECS", default_value_t = 5)]
    pub search_refresh_secs: u64,

    /// Megabytes of finished responses to keep for repeated requests (GET
    /// reads, GraphQL queries, matches), dropped when the data changes.
    /// 0 turns the cache off.
    #[arg(long, env = "LOTSE_RESPONSE_CACHE_MB", default_value_t = 16)]
    pub response_cache_mb: u64,

    /// Seconds browsers and shared caches may reuse an anonymous read
    /// without asking again (`Cache-Control: public, max-age=…`); after
    /// that they revalidate with `If-None-Match` and get a `304` while the
    /// data is unchanged. 0: revalidate every time; at most 31,536,000 (a
    /// year).
    #[arg(long, env = "LOTSE_CACHE_MAX_AGE", default_value_t = 60, value_parser = clap::value_parser!(u64).range(0..=31_536_000))]
    pub cache_max_age: u64,

    /// Origins whose pages may write (CORS), comma-separated, e.g.
    /// `https://redaktion.example.org`. Every origin may read.
    #[arg(long, env = "LOTSE_CORS_WRITE_ORIGINS", value_delimiter = ',', value_parser = origin)]
    pub cors_write_origins: Vec<String>,

    /// Keep the search index in this directory (rebuilt if missing or
    /// corrupt) instead of in memory; a restart with unchanged data then
    /// skips the rebuild.
    #[arg(long, env = "LOTSE_INDEX_DIR")]
    pub index_dir: Option<PathBuf>,

    /// DCAT catalogue: the publisher's name.
    #[arg(long, env = "LOTSE_CATALOG_PUBLISHER", default_value = catalog::DEFAULT_PUBLISHER, value_parser = non_blank)]
    pub catalog_publisher: String,

    /// DCAT catalogue: the publisher's web site (an absolute http(s) URL).
    #[arg(long, env = "LOTSE_CATALOG_PUBLISHER_URL", default_value = catalog::DEFAULT_PUBLISHER_URL, value_parser = http_url)]
    pub catalog_publisher_url: String,

    /// DCAT catalogue: the publisher's type, an ADMS code
    /// (`RegionalAuthority`, `NationalAuthority`, `LocalAuthority` …).
    #[arg(long, env = "LOTSE_CATALOG_PUBLISHER_TYPE", default_value = catalog::DEFAULT_PUBLISHER_TYPE, value_parser = publisher_type)]
    pub catalog_publisher_type: String,

    /// DCAT catalogue: the contact point's e-mail address (none by default).
    #[arg(long, env = "LOTSE_CATALOG_CONTACT_EMAIL", value_parser = email)]
    pub catalog_contact_email: Option<String>,

    /// DCAT catalogue: the contact point's web page; the publisher's web
    /// site when not given.
    #[arg(long, env = "LOTSE_CATALOG_CONTACT_URL", value_parser = http_url)]
    pub catalog_contact_url: Option<String>,

    /// DCAT catalogue: GovData's id of the delivering portal
    /// (`dcatde:contributorID`, from <http://dcat-ap.de/def/contributors/>).
    #[arg(long, env = "LOTSE_CATALOG_CONTRIBUTOR_ID", default_value = catalog::DEFAULT_CONTRIBUTOR, value_parser = code)]
    pub catalog_contributor_id: String,

    /// The data licence: its id in <http://dcat-ap.de/def/licenses/>, e.g.
    /// `dl-by-de/2.0` or `cc-by/4.0`.
    #[arg(long, env = "LOTSE_DATA_LICENSE", default_value = catalog::DEFAULT_LICENSE, value_parser = code)]
    pub data_license: String,

    /// Whom to name when using the data (`dcatde:licenseAttributionByText`).
    #[arg(long, env = "LOTSE_DATA_ATTRIBUTION", default_value = catalog::DEFAULT_ATTRIBUTION, value_parser = non_blank)]
    pub data_attribution: String,

    /// GraphQL: deepest nesting of selections.
    #[arg(long, env = "LOTSE_GRAPHQL_MAX_DEPTH", default_value_t = Limits::default().depth)]
    pub graphql_max_depth: usize,

    /// GraphQL: largest query complexity (a connection costs its page size
    /// times its selection, a relation list 20 times).
    #[arg(long, env = "LOTSE_GRAPHQL_MAX_COMPLEXITY", default_value_t = Limits::default().complexity)]
    pub graphql_max_complexity: usize,

    /// GraphQL: most aliased fields in one document.
    #[arg(long, env = "LOTSE_GRAPHQL_MAX_ALIASES", default_value_t = Limits::default().aliases)]
    pub graphql_max_aliases: usize,

    /// GraphQL: most operations in one batched request.
    #[arg(long, env = "LOTSE_GRAPHQL_MAX_BATCH", default_value_t = Limits::default().batch)]
    pub graphql_max_batch: usize,

    /// GraphQL: largest document, in bytes (checked before parsing).
    #[arg(long, env = "LOTSE_GRAPHQL_MAX_DOCUMENT_BYTES", default_value_t = Limits::default().document_bytes)]
    pub graphql_max_document_bytes: usize,

    /// GraphQL: most tokens in one document (checked before parsing).
    #[arg(long, env = "LOTSE_GRAPHQL_MAX_TOKENS", default_value_t = Limits::default().tokens)]
    pub graphql_max_tokens: usize,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable, coloured when on a terminal.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Everything [`crate::startup::Application::build`] needs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address to listen on.
    pub addr: String,
    /// Database URL.
    pub database_url: String,
    /// Read replica's URL, if reads go elsewhere.
    pub database_read_url: Option<String>,
    /// Public base URL (without trailing slash), if configured.
    pub public_url: Option<String>,
    /// HTTP workers.
    pub workers: Option<usize>,
    /// Pool size.
    pub db_max_connections: Option<u32>,
    /// How long database work may wait before a request gets a 503.
    pub db_timeouts: crate::db::Timeouts,
    /// How long `/ready` waits for the database.
    pub ready_timeout: std::time::Duration,
    /// Anonymous requests per minute per IP address (0: unlimited).
    pub rate_limit_anonymous: u32,
    /// Requests per minute per API key (0: unlimited).
    pub rate_limit_key: u32,
    /// Proxies whose forwarding headers are believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Requests at least this slow are logged at WARN.
    pub slow_request: std::time::Duration,
    /// Longest a read may take.
    pub request_timeout: std::time::Duration,
    /// Time in-flight requests get after SIGTERM.
    pub shutdown_timeout: std::time::Duration,
    /// The operator's listener (`/metrics` only there), if any.
    pub admin_addr: Option<String>,
    /// Load the seed into an empty database.
    pub seed: bool,
    /// Writes must send `If-Match`.
    pub require_if_match: bool,
    /// GraphQL limits.
    pub graphql: Limits,
    /// How stale the search index may get before a search rebuilds it.
    pub search_refresh: std::time::Duration,
    /// Directory of the search index; in memory when `None`.
    pub index_dir: Option<PathBuf>,
    /// Bytes of responses to cache (0: off).
    pub response_cache_bytes: u64,
    /// `max-age` of anonymous reads, in seconds.
    pub cache_max_age: u64,
    /// Origins (`scheme://host[:port]`) whose pages may write.
    pub cors_write_origins: Vec<String>,
    /// Publisher, contact and licence of the DCAT catalogue.
    pub catalog: CatalogSettings,
}

impl Settings {
    /// Settings from parsed `serve` options.
    pub fn from_args(database_url: String, args: ServeArgs) -> Self {
        Self {
            addr: args.addr,
            database_url,
            database_read_url: args.database_read_url,
            public_url: args.public_url.map(|u| u.trim_end_matches('/').to_owned()),
            workers: args.workers,
            db_max_connections: args.db_max_connections,
            db_timeouts: crate::db::Timeouts {
                acquire: std::time::Duration::from_millis(args.db_acquire_timeout_ms),
                statement: Some(std::time::Duration::from_millis(
                    args.db_statement_timeout_ms,
                )),
            },
            ready_timeout: std::time::Duration::from_millis(args.ready_timeout_ms),
            rate_limit_anonymous: args.rate_limit_per_minute,
            rate_limit_key: args.rate_limit_key_per_minute,
            trusted_proxies: args.trusted_proxies,
            slow_request: std::time::Duration::from_millis(args.slow_request_ms),
            request_timeout: std::time::Duration::from_secs(args.request_timeout_secs),
            shutdown_timeout: std::time::Duration::from_secs(args.shutdown_timeout_secs),
            admin_addr: args.admin_addr,
            seed: !args.no_seed,
            require_if_match: args.require_if_match,
            search_refresh: std::time::Duration::from_secs(args.search_refresh_secs),
            index_dir: args.index_dir,
            response_cache_bytes: args.response_cache_mb.saturating_mul(1024 * 1024),
            cache_max_age: args.cache_max_age,
            cors_write_origins: args
                .cors_write_origins
                .iter()
                .map(|o| o.trim().trim_end_matches('/').to_owned())
                .filter(|o| !o.is_empty())
                .collect(),
            catalog: CatalogSettings {
                contact_url: args
                    .catalog_contact_url
                    .unwrap_or_else(|| args.catalog_publisher_url.clone()),
                publisher_name: args.catalog_publisher,
                publisher_url: args.catalog_publisher_url,
                publisher_type: args.catalog_publisher_type,
                contact_email: args.catalog_contact_email,
                contributor_id: args.catalog_contributor_id,
                license: args.data_license,
                attribution: args.data_attribution,
            },
            graphql: Limits {
                depth: args.graphql_max_depth,
                complexity: args.graphql_max_complexity,
                aliases: args.graphql_max_aliases,
                batch: args.graphql_max_batch,
                document_bytes: args.graphql_max_document_bytes,
                tokens: args.graphql_max_tokens,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serve(args: &[&str]) -> Result<ServeArgs, String> {
        let mut argv = vec!["lotse", "serve"];
        argv.extend_from_slice(args);
        match Cli::try_parse_from(argv)
            .map_err(|e| e.to_string())?
            .command
        {
            Some(Command::Serve(args)) => Ok(*args),
            other => Err(format!("{other:?}")),
        }
    }

    #[test]
    fn catalogue_settings_are_checked_at_start() {
        let defaults = serve(&[]).unwrap();
        assert_eq!(defaults.data_license, "dl-by-de/2.0");
        assert_eq!(defaults.catalog_publisher_type, "RegionalAuthority");
        let ok = serve(&[
            "--public-url",
            "https://lotse.example.org/",
            "--catalog-contact-email",
            "opendata@example.org",
            "--catalog-publisher-type",
            "nationalauthority",
            "--data-license",
            "cc-by/4.0",
        ])
        .unwrap();
        assert_eq!(ok.public_url.as_deref(), Some("https://lotse.example.org"));
        assert_eq!(ok.catalog_publisher_type, "NationalAuthority");
        for (flag, value) in [
            ("--public-url", "lotse.example.org"),
            ("--public-url", "ftp://example.org"),
            ("--catalog-publisher-url", "not a url"),
            ("--catalog-contact-email", "nobody"),
            ("--catalog-contact-email", "a@b"),
            ("--catalog-contact-email", "a b@example.org"),
            ("--catalog-publisher-type", "Ministry"),
            ("--data-license", "dl by de"),
            ("--data-license", "/cc-by"),
            ("--catalog-contributor-id", "a//b"),
            ("--data-license", "../../evil"),
            ("--data-attribution", "  "),
            ("--trusted-proxies", "10.0.0.0/8,proxy.local"),
            ("--rate-limit-per-minute", "lots"),
            ("--workers", "0"),
            ("--db-max-connections", "0"),
            ("--db-acquire-timeout-ms", "0"),
            ("--slow-request-ms", "soon"),
        ] {
            let error = serve(&[flag, value]).unwrap_err();
            assert!(error.contains(flag), "{flag} {value}: {error}");
        }
    }
}
