//! Prometheus metrics, served at `/metrics` in the text exposition format
//! 0.0.4 (<https://prometheus.io/docs/instrumenting/exposition_formats/>).
//!
//! Names and units follow Prometheus' conventions
//! (<https://prometheus.io/docs/practices/naming/>): a `lotse_` prefix,
//! base units (seconds), `_total` on counters, labels of bounded
//! cardinality (a request is labelled with its route template, such as
//! `/api/v1/offers/{id}`, never its path). Values that are read rather than
//! counted (pool, data generation) are taken at scrape time.
//!
//! Built on the `prometheus` crate (the registry, histograms and the text
//! encoder); rejected: writing the format by hand as before, which had no
//! histograms and no escaping of label values.
use std::sync::Arc;
use std::time::Duration;

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};
use sea_orm::DatabaseConnection;

use crate::service::store::Store;

/// Bucket bounds of the latency histograms, in seconds: 1 ms to 10 s.
const LATENCY_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The statements run through one pool: counted and timed by the pool's
/// metric callback (`crate::db`).
#[derive(Clone)]
pub struct StatementStats {
    /// `lotse_db_statements_total`.
    pub count: IntCounter,
    /// `lotse_db_statement_duration_seconds`.
    pub duration: Histogram,
}

impl std::fmt::Debug for StatementStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatementStats")
            .field("count", &self.count.get())
            .finish_non_exhaustive()
    }
}

impl StatementStats {
    /// New, unregistered collectors for one pool; `pool` (`primary` or
    /// `replica`) labels them.
    pub fn new(pool: &str) -> prometheus::Result<Self> {
        let count = IntCounter::with_opts(
            Opts::new(
                "lotse_db_statements_total",
                "SQL statements run since start.",
            )
            .const_label("pool", pool),
        )?;
        let duration = Histogram::with_opts(
            HistogramOpts::new(
                "lotse_db_statement_duration_seconds",
                "Time one SQL statement took, from sending to the last row.",
            )
            .const_label("pool", pool)
            .buckets(LATENCY_BUCKETS.to_vec()),
        )?;
        Ok(Self { count, duration })
    }

    /// Counts and times one statement.
    pub fn observe(&self, elapsed: Duration) {
        self.count.inc();
        self.duration.observe(elapsed.as_secs_f64());
    }
}

/// Every family this process exports.
pub struct Metrics {
    registry: Registry,
    /// `lotse_http_requests_total{method, route, status}`.
    pub requests: IntCounterVec,
    /// `lotse_http_request_duration_seconds{method, route}`: until the
    /// response head is ready (a streamed download's body is not counted).
    pub request_duration: HistogramVec,
    /// `lotse_http_requests_in_flight`.
    pub in_flight: IntGauge,
    /// `lotse_response_cache_requests_total{result}`: `hit`, `miss`,
    /// `stale` (served during a database outage).
    pub cache: IntCounterVec,
    /// `lotse_rate_limit_rejections_total{client}`: `anonymous` or `key`.
    pub rate_limited: IntCounterVec,
    /// `lotse_db_unavailable_total`: answers that were 503 because the
    /// database was away, busy or too slow (a GraphQL answer with an error
    /// of code `unavailable` or `timeout` counts too).
    pub unavailable: IntCounter,
    pool: IntGaugeVec,
    pool_max: IntGaugeVec,
    generation: IntGauge,
    version: IntGauge,
    lag: IntGauge,
    checked_age: prometheus::Gauge,
    documents: IntGauge,
    databases: Vec<(&'static str, DatabaseConnection, u32)>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// Registers every family; `pools` are the connection pools with their
    /// name, statement collectors and size limit.
    pub fn new(
        pools: &[(&'static str, DatabaseConnection, u32, StatementStats)],
    ) -> anyhow::Result<Arc<Self>> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "lotse_http_requests_total",
                "HTTP requests answered, by route template, method and status.",
            ),
            &["method", "route", "status"],
        )?;
        let request_duration = HistogramVec::new(
            HistogramOpts::new(
                "lotse_http_request_duration_seconds",
                "Time from a request's arrival to its response head, by route template and method.",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["method", "route"],
        )?;
        let in_flight = IntGauge::new(
            "lotse_http_requests_in_flight",
            "Requests being handled now.",
        )?;
        let cache = IntCounterVec::new(
            Opts::new(
                "lotse_response_cache_requests_total",
                "Cacheable requests by outcome: hit, miss, or stale (served while the database was away).",
            ),
            &["result"],
        )?;
        let rate_limited = IntCounterVec::new(
            Opts::new(
                "lotse_rate_limit_rejections_total",
                "Requests refused with 429, by kind of client (anonymous: per IP; key: per API key).",
            ),
            &["client"],
        )?;
        // Every label value from the start: a series that appears only
        // after its first event breaks `rate()` and "absent" alerts.
        for client in ["anonymous", "key"] {
            rate_limited.with_label_values(&[client]);
        }
        for result in ["hit", "miss", "stale"] {
            cache.with_label_values(&[result]);
        }
        let unavailable = IntCounter::new(
            "lotse_db_unavailable_total",
            "Requests answered 503 (GraphQL: with an error of code unavailable or timeout) because the database was away, too slow or busy.",
        )?;
        let pool = IntGaugeVec::new(
            Opts::new(
                "lotse_db_pool_connections",
                "Open connections of a pool, by state (idle, in_use).",
            ),
            &["pool", "state"],
        )?;
        let pool_max = IntGaugeVec::new(
            Opts::new(
                "lotse_db_pool_max_connections",
                "Most connections a pool opens.",
            ),
            &["pool"],
        )?;
        let generation = IntGauge::new(
            "lotse_data_generation",
            "Versions of the data this process has built its snapshot (index, corpus) from since start.",
        )?;
        let version = IntGauge::new(
            "lotse_data_version",
            "The change log's sequence number this process's snapshot was built from (0: empty log).",
        )?;
        let lag = IntGauge::new(
            "lotse_data_version_lag",
            "Changes in the database that this process's snapshot does not hold yet (-1: the database did not answer).",
        )?;
        let checked_age = prometheus::Gauge::new(
            "lotse_data_checked_age_seconds",
            "Seconds since this process last confirmed its snapshot against the database.",
        )?;
        let documents = IntGauge::new(
            "lotse_graphql_documents",
            "Parsed GraphQL documents kept for reuse.",
        )?;
        let build = IntGaugeVec::new(
            Opts::new("lotse_build_info", "Always 1; the labels name the build."),
            &["version"],
        )?;
        build.with_label_values(&[env!("CARGO_PKG_VERSION")]).set(1);
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(request_duration.clone()),
            Box::new(in_flight.clone()),
            Box::new(cache.clone()),
            Box::new(rate_limited.clone()),
            Box::new(unavailable.clone()),
            Box::new(pool.clone()),
            Box::new(pool_max.clone()),
            Box::new(generation.clone()),
            Box::new(version.clone()),
            Box::new(lag.clone()),
            Box::new(checked_age.clone()),
            Box::new(documents.clone()),
            Box::new(build),
        ] {
            registry.register(collector)?;
        }
        let mut databases = Vec::new();
        for (name, db, max, stats) in pools {
            registry.register(Box::new(stats.count.clone()))?;
            registry.register(Box::new(stats.duration.clone()))?;
            databases.push((*name, db.clone(), *max));
        }
        Ok(Arc::new(Self {
            registry,
            requests,
            request_duration,
            in_flight,
            cache,
            rate_limited,
            unavailable,
            pool,
            pool_max,
            generation,
            version,
            lag,
            checked_age,
            documents,
            databases,
        }))
    }

    /// The text exposition of every family, with the values read now:
    /// pools, the data's generation and how far this process lags behind
    /// the database (one read of the change log's newest entry, given
    /// `lag_timeout` to answer; -1 if it does not).
    pub async fn render(&self, store: &Store, documents: usize, lag_timeout: Duration) -> String {
        for (name, db, max) in &self.databases {
            let (size, idle) = pool_usage(db);
            self.pool.with_label_values(&[name, "idle"]).set(idle);
            self.pool
                .with_label_values(&[name, "in_use"])
                .set(size.saturating_sub(idle));
            self.pool_max
                .with_label_values(&[name])
                .set(i64::from(*max));
        }
        self.documents
            .set(i64::try_from(documents).unwrap_or(i64::MAX));
        if let Some(snapshot) = store.latest() {
            self.generation
                .set(i64::try_from(snapshot.generation).unwrap_or(i64::MAX));
            let held = snapshot.version.unwrap_or(0);
            self.version.set(held);
            let newest = super::observe::uncounted(tokio::time::timeout(
                lag_timeout,
                store.newest_version(),
            ))
            .await;
            self.lag.set(match newest {
                Ok(Ok(newest)) => newest.unwrap_or(0).saturating_sub(held).max(0),
                _ => -1,
            });
        }
        self.checked_age.set(store.checked_age().as_secs_f64());
        let mut text = Vec::new();
        // Encoding into a Vec only fails on a malformed family, which the
        // registry refuses at registration.
        if let Err(err) = TextEncoder::new().encode(&self.registry.gather(), &mut text) {
            tracing::error!(error = %err, "metrics could not be encoded");
        }
        String::from_utf8(text).unwrap_or_default()
    }
}

/// Open and idle connections of `db`'s pool.
fn pool_usage(db: &DatabaseConnection) -> (i64, i64) {
    use sea_orm::DatabaseBackend;
    match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (i64::from(pool.size()), pool.num_idle() as i64)
        }
        DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (i64::from(pool.size()), pool.num_idle() as i64)
        }
        _ => (0, 0),
    }
}
