//! Building and running the application.
//!
//! [`Application::build`] connects, migrates, seeds an empty database, binds
//! the listener (port 0 picks a free port, which tests use) and returns the
//! server without running it, so callers can read the bound port first.
use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware;
use actix_web::{App, HttpServer, web};
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::config::Settings;
use crate::ops::admin::{AdminAddr, split_listeners};
use crate::ops::client::TrustedProxies;
use crate::ops::observe::{ObserveSettings, deadline, observe};
use crate::ops::rate_limit::{RateLimits, rate_limit};
use crate::response_cache::ResponseCache;
use crate::rest;
use crate::search::SearchIndex;
use crate::service::store::Store;
use crate::state::AppState;
use crate::{db, graphql, guard, http, openapi, response_cache, service, telemetry};

/// A built, not yet running, server.
pub struct Application {
    port: u16,
    admin_port: Option<u16>,
    base_url: String,
    db: DatabaseConnection,
    store: Arc<Store>,
    server: Server,
}

impl Application {
    /// Connects, migrates, seeds (if enabled and empty) and binds.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        // Before the database work, which can take a while: this bind
        // would fail only at its end.
        if settings.admin_addr.as_deref() == Some(settings.addr.as_str())
            && !settings.addr.ends_with(":0")
        {
            anyhow::bail!(
                "--admin-addr {}: must differ from --addr (the operator's endpoints need a listener of their own)",
                settings.addr
            );
        }
        let (db, statements) = db::connect_counted(
            &settings.database_url,
            settings.db_max_connections,
            settings.db_timeouts,
            "primary",
        )
        .await
        .map_err(|err| anyhow::anyhow!("--database-url (DATABASE_URL): {err}"))?;
        Migrator::up(&db, None).await?;
        if settings.seed {
            match service::import::seed_or_upgrade(&db).await {
                Ok(outcome @ service::import::SeedOutcome::Imported { .. }) => {
                    tracing::info!(%outcome, "shipped seed")
                }
                Ok(service::import::SeedOutcome::Foreign) => {
                    tracing::info!(
                        "the database holds other data than the shipped seed; not loading it"
                    )
                }
                Ok(service::import::SeedOutcome::Current) => {}
                Err(err) => anyhow::bail!("loading the seed failed: {err} ({})", err.detail()),
            }
        }
        let mut pools = vec![(
            "primary",
            db.clone(),
            db::pool_size(&settings.database_url, settings.db_max_connections),
            statements,
        )];
        let reader = match &settings.database_read_url {
            Some(url) => {
                let (reader, statements) = db::connect_counted(
                    url,
                    settings.db_max_connections,
                    settings.db_timeouts,
                    "replica",
                )
                .await
                .map_err(|err| anyhow::anyhow!("--database-read-url: {err}"))?;
                pools.push((
                    "replica",
                    reader.clone(),
                    db::pool_size(url, settings.db_max_connections),
                    statements,
                ));
                reader
            }
            None => db.clone(),
        };
        let index =
            SearchIndex::open(settings.index_dir.as_deref()).map_err(|err| {
                match &settings.index_dir {
                    Some(dir) => {
                        anyhow::Error::from(err).context(format!("--index-dir {}", dir.display()))
                    }
                    None => err.into(),
                }
            })?;
        // The snapshot follows what the reads see (the replica): an index
        // or corpus ahead of the rows it points to would find none.
        let store = Store::open(
            reader.clone(),
            db.clone(),
            index,
            settings.search_refresh,
            settings.db_timeouts.acquire,
        )
        .await?;
        let listener = TcpListener::bind(&settings.addr)
            .map_err(|err| anyhow::anyhow!("--addr {}: {err}", settings.addr))?;
        let local = listener.local_addr()?;
        let base_url = settings
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{local}"));
        let metrics = crate::ops::metrics::Metrics::new(&pools)?;
        let state = AppState {
            db: db.clone(),
            reader,
            base_url: Arc::from(base_url.as_str()),
            metrics,
            store: store.clone(),
            require_if_match: settings.require_if_match,
            ready_timeout: settings.ready_timeout,
            write_deadline: settings.request_timeout,
        };
        let admin = match &settings.admin_addr {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .map_err(|err| anyhow::anyhow!("--admin-addr {addr}: {err}"))?,
            ),
            None => None,
        };
        let admin_port = match &admin {
            Some(admin) => Some(admin.local_addr()?.port()),
            None => None,
        };
        let server = run(listener, admin, state, &settings)?;
        Ok(Self {
            port: local.port(),
            admin_port,
            base_url,
            db,
            store,
            server,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the operator's listener (`--admin-addr`), if any.
    pub fn admin_port(&self) -> Option<u16> {
        self.admin_port
    }

    /// The public base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The connection pool (tests use it to arrange data).
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The store: tests write through it to see in-process writes at once.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Serves until stopped through [`Application::handle`] (`lotse serve`
    /// stops it on SIGINT and SIGTERM): it takes no new connections, and
    /// requests in flight finish first, for at most `--shutdown-timeout-secs`.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    /// The server's handle, to stop it gracefully (`stop(true)`).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }
}

/// Threads of each worker's blocking pool (see `run`).
const BLOCKING_THREADS_PER_WORKER: usize = 4;

/// Starts the HTTP server on `listener` (and the operator's endpoints on
/// `admin`, if given) with the limits, workers, caches and origins of
/// `settings`.
pub fn run(
    listener: TcpListener,
    admin: Option<TcpListener>,
    state: AppState,
    settings: &Settings,
) -> anyhow::Result<Server> {
    let admin_addr = web::Data::new(AdminAddr(match &admin {
        Some(admin) => Some(admin.local_addr()?),
        None => None,
    }));
    let limits = settings.graphql;
    let state = web::Data::new(state);
    // Built once, not per worker: the same document and schema serve all.
    let api = openapi::openapi();
    let routes = web::Data::new(http::methods::RouteTable::new(&api));
    // Only the serialised document is kept (see `OpenApiDocument`).
    let document = web::Data::new(openapi::OpenApiDocument::of(&api, &state.base_url)?);
    let tables = web::Data::new(crate::publish::table::Tables::new(
        &api,
        &crate::publish::item_types(),
    ));
    let catalog = web::Data::new(settings.catalog.clone());
    drop(api);
    let policy = web::Data::new(http::conditional::CachePolicy::new(settings.cache_max_age));
    let write_origins = Arc::new(settings.cors_write_origins.clone());
    let documents = std::sync::Arc::new(graphql::Documents::default());
    let schema = web::Data::new(graphql::build_schema(
        state.reader.clone(),
        limits,
        documents.clone(),
    ));
    let documents = web::Data::from(documents);
    let limits = web::Data::new(limits);
    let cache = web::Data::new(ResponseCache::new(settings.response_cache_bytes));
    let metrics = web::Data::new(state.metrics.clone());
    let observing = web::Data::new(ObserveSettings {
        slow: settings.slow_request,
        deadline: settings.request_timeout,
    });
    let rate_limits = web::Data::new(RateLimits::new(
        settings.rate_limit_anonymous,
        settings.rate_limit_key,
        TrustedProxies::new(settings.trusted_proxies.clone()),
    ));
    let mut server = HttpServer::new(move || {
        let admin_addr = admin_addr.clone();
        let (app, _) = App::new()
            .into_utoipa_app()
            .app_data(state.clone())
            .app_data(documents.clone())
            .app_data(tables.clone())
            .app_data(catalog.clone())
            .configure(rest::configure)
            .split_for_parts();
        let app = app
            .app_data(schema.clone())
            .app_data(limits.clone())
            .configure(graphql::routes::configure)
            .configure(crate::pages::configure);
        app.route("/docs", web::get().to(rest::docs_redirect))
            .route("/openapi.json", web::get().to(openapi::serve))
            .app_data(document.clone())
            // No validator badge: by default Swagger UI asks
            // validator.swagger.io for one on any host but localhost, a
            // request leaving the server (and an image the CSP blocks).
            .service(
                SwaggerUi::new("/docs/{_:.*}")
                    .config(SwaggerConfig::from("/openapi.json").validator_url("none")),
            )
            .default_service(web::to(http::methods::unrouted))
            .app_data(cache.clone())
            .app_data(metrics.clone())
            .app_data(observing.clone())
            .app_data(rate_limits.clone())
            .app_data(routes.clone())
            .app_data(policy.clone())
            // Innermost, so what it stores carries no per-request headers.
            .wrap(middleware::from_fn(response_cache::cached))
            // Outside the cache: a 304 is decided before it and the handler.
            .wrap(middleware::from_fn(http::conditional::conditional))
            // Before routing: a HEAD is routed, cached and validated as a GET.
            .wrap(middleware::from_fn(http::methods::head_as_get))
            // Inside CORS and the rate limiter, whose headers its 503 gets.
            .wrap(middleware::from_fn(deadline))
            // Inside CORS, so a page can read its 429 and the RateLimit
            // fields; outside the cache, so cached answers count too.
            .wrap(middleware::from_fn(rate_limit))
            // Inside Compress, so it reads the problem it turns into a page;
            // outside the rate limiter and the deadline, whose refusals a
            // browser reads as pages too.
            .wrap(middleware::from_fn(crate::pages::errors::html_errors))
            .wrap(middleware::from_fn(http::headers::code_in_place))
            .wrap(middleware::from_fn(http::headers::mark_small_bodies))
            .wrap(middleware::Compress::default())
            .wrap(middleware::from_fn(http::headers::per_request_codings))
            .wrap(middleware::from_fn(http::headers::after_compression))
            .wrap(middleware::from_fn(split_listeners))
            .app_data(admin_addr)
            .app_data(web::Data::new(http::cors::WriteOrigins(
                write_origins.clone(),
            )))
            .wrap(http::cors::cors(write_origins.clone()))
            .wrap(middleware::from_fn(http::cors::preflight_no_content))
            // Before routing and the cache: bounds on the head, problems for
            // every error response (CORS' refusals too), client errors
            // logged at INFO.
            .wrap(middleware::from_fn(guard::guard))
            .wrap(middleware::from_fn(http::headers::security_headers))
            // Inside TracingLogger, whose span it logs in and whose id it
            // echoes (or the client's, when sane).
            .wrap(middleware::from_fn(observe))
            .wrap(TracingLogger::<telemetry::BoundedRootSpan>::new())
    })
    // A coded answer is written in pieces (head, coded chunks, trailer);
    // with Nagle's algorithm the second piece waits for the client's
    // delayed ACK, 40 ms on Linux: an uncached gzip list page took 42 ms
    // (p50) instead of 3 ms (bench/RESULTS.md, 2026-12-02, third session).
    .tcp_nodelay(true)
    // Searches and `Compress`'s coding of large answers run on the worker's
    // blocking pool (512 threads by default), each thread with its own
    // allocator heap and coder state. With 4 per worker, uncached gzip
    // pages and searches were 15–17 % faster than with the default and the
    // server ran 16 threads instead of 33 (same RESULTS.md entry).
    .worker_max_blocking_threads(BLOCKING_THREADS_PER_WORKER)
    .shutdown_timeout(settings.shutdown_timeout.as_secs())
    // actix-server stops at once on SIGINT (graceful only on SIGTERM);
    // `lotse serve` handles both itself, gracefully, and an embedding (the
    // tests) keeps its own Ctrl-C.
    .disable_signals()
    .listen(listener)?;
    if let Some(admin) = admin {
        server = server.listen(admin)?;
    }
    if let Some(workers) = settings.workers {
        server = server.workers(workers);
    }
    Ok(server.run())
}
