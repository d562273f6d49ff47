//! Building and running the application.
//!
//! [`Application::build`] connects, migrates, seeds an empty database, binds
//! the listener (port 0 picks a free port, which tests use) and returns the
//! server without running it, so callers can read the bound port first.
use std::net::TcpListener;
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{self, Next};
use actix_web::{App, HttpMessage, HttpServer, web};
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use tracing_actix_web::RequestId;
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::config::Settings;
use crate::response_cache::ResponseCache;
use crate::rest;
use crate::search::SearchIndex;
use crate::service::store::Store;
use crate::state::AppState;
use crate::{db, graphql, guard, http, openapi, response_cache, service, telemetry};

/// A built, not yet running, server.
pub struct Application {
    port: u16,
    base_url: String,
    db: DatabaseConnection,
    store: Arc<Store>,
    server: Server,
}

impl Application {
    /// Connects, migrates, seeds (if enabled and empty) and binds.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let (db, statements) =
            db::connect_counted(&settings.database_url, settings.db_max_connections).await?;
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
        let index = SearchIndex::open(settings.index_dir.as_deref())?;
        let store = Store::open(db.clone(), index, settings.search_refresh).await?;
        let listener = TcpListener::bind(&settings.addr)?;
        let local = listener.local_addr()?;
        let base_url = settings
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{local}"));
        let state = AppState {
            db: db.clone(),
            base_url: Arc::from(base_url.as_str()),
            statements,
            store: store.clone(),
            require_if_match: settings.require_if_match,
        };
        let server = run(listener, state, &settings)?;
        Ok(Self {
            port: local.port(),
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

    /// Serves until SIGINT/SIGTERM; in-flight requests finish first.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Threads of each worker's blocking pool (see `run`).
const BLOCKING_THREADS_PER_WORKER: usize = 4;

/// Starts the HTTP server on `listener` with the limits, workers, caches and
/// origins of `settings`.
pub fn run(listener: TcpListener, state: AppState, settings: &Settings) -> anyhow::Result<Server> {
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
        state.db.clone(),
        limits,
        documents.clone(),
    ));
    let documents = web::Data::from(documents);
    let limits = web::Data::new(limits);
    let cache = web::Data::new(ResponseCache::new(settings.response_cache_bytes));
    let mut server = HttpServer::new(move || {
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
            .configure(graphql::routes::configure);
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
            .app_data(routes.clone())
            .app_data(policy.clone())
            // Innermost, so what it stores carries no per-request headers.
            .wrap(middleware::from_fn(response_cache::cached))
            // Outside the cache: a 304 is decided before it and the handler.
            .wrap(middleware::from_fn(http::conditional::conditional))
            // Before routing: a HEAD is routed, cached and validated as a GET.
            .wrap(middleware::from_fn(http::methods::head_as_get))
            .wrap(middleware::from_fn(http::headers::code_in_place))
            .wrap(middleware::from_fn(http::headers::mark_small_bodies))
            .wrap(middleware::Compress::default())
            .wrap(middleware::from_fn(http::headers::per_request_codings))
            .wrap(middleware::from_fn(http::headers::after_compression))
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
            // Inside TracingLogger, which assigns the id this copies out.
            .wrap(middleware::from_fn(request_id_header))
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
    .listen(listener)?;
    if let Some(workers) = settings.workers {
        server = server.workers(workers);
    }
    Ok(server.run())
}

/// Echoes the request id of the tracing span as `X-Request-Id`, so a client
/// can quote it and an operator can find the request's log lines.
async fn request_id_header(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req.extensions().get::<RequestId>().copied();
    let mut response = next.call(req).await?;
    if let Some(value) = id.and_then(|id| HeaderValue::from_str(&id.to_string()).ok()) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(response)
}
