//! Database connection: SQLite (embedded default) or PostgreSQL, chosen by URL.
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

/// Opens a pool for `url`.
///
/// SQLite runs in WAL mode with a busy timeout, so readers never block the
/// writer and a short write lock waits instead of failing; foreign keys are
/// enforced. We chose WAL over the default rollback journal because the API
/// is read-heavy and serves reads from several connections at once.
pub async fn connect(
    url: &str,
    max_connections: Option<u32>,
) -> anyhow::Result<DatabaseConnection> {
    Ok(connect_counted(url, max_connections).await?.0)
}

/// The pool size when none is configured: per CPU core (the default number
/// of HTTP workers), 2 connections on SQLite and 4 on PostgreSQL.
///
/// Measured on 2 cores, 20,000 offers, wrk -c32, uncached item by id (one
/// statement) and match (one statement), bench/RESULTS.md 2026-12-02 (third
/// session). PostgreSQL with 4 / 8 / 16 / 32 connections: item 8,457 /
/// 9,102 / 9,300 / 8,793 req/s at p99 5.7 / 6.9 / 9.9 / 11.4 ms, match
/// 1,709 / 1,730 / 1,548 / 1,038 req/s; SQLite with 2 / 4 / 8: item 6,858
/// / 11,087 / 10,643, match 1,391 / 2,176 / 1,749. Beyond that, connections
/// only queue for the same cores. Rejected: the previous fixed 16 on
/// PostgreSQL (the peers use 10), chosen without a measurement.
fn default_max_connections(is_sqlite: bool) -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let per_core = if is_sqlite { 2 } else { 4 };
    u32::try_from(cores * per_core)
        .unwrap_or(u32::MAX)
        .clamp(2, 64)
}

/// Like [`connect`], plus a counter of the statements run through the pool
/// (exported at `/metrics`; tests use it to prove query counts are constant).
pub async fn connect_counted(
    url: &str,
    max_connections: Option<u32>,
) -> anyhow::Result<(DatabaseConnection, Arc<AtomicU64>)> {
    let is_sqlite = url.starts_with("sqlite:");
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections.unwrap_or_else(|| default_max_connections(is_sqlite)))
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        // Statements are traced by our own spans; sqlx's per-statement INFO
        // lines would drown the request log.
        .sqlx_logging(false);
    if is_sqlite {
        options.map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .create_if_missing(true)
        });
    }
    let mut db = Database::connect(options).await?;
    let statements = Arc::new(AtomicU64::new(0));
    let counter = statements.clone();
    db.set_metric_callback(move |_info| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    Ok((db, statements))
}
