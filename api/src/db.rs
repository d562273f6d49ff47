//! Database connection: SQLite (embedded default) or PostgreSQL, chosen by URL.
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

use crate::ops::metrics::StatementStats;

/// How long database work may wait before it fails (and the request
/// gets a 503 with `Retry-After`, see [`crate::error::unavailable`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Longest wait for a pooled connection (including opening one and the
    /// ping that checks it before use).
    pub acquire: Duration,
    /// Longest run of one statement: PostgreSQL's `statement_timeout`;
    /// on SQLite the busy timeout (the wait for another writer's lock).
    /// `None`: unbounded on PostgreSQL, 10 s busy timeout on SQLite.
    pub statement: Option<Duration>,
}

impl Default for Timeouts {
    /// For the command-line tools (`import`, `migrate`, `keys`): patient,
    /// since nobody waits on an HTTP answer and an import's statements may
    /// run long.
    fn default() -> Self {
        Self {
            acquire: Duration::from_secs(10),
            statement: None,
        }
    }
}

/// Opens a pool for `url` with the command-line tools' timeouts.
///
/// SQLite runs in WAL mode with a busy timeout, so readers never block the
/// writer and a short write lock waits instead of failing; foreign keys are
/// enforced. We chose WAL over the default rollback journal because the API
/// is read-heavy and serves reads from several connections at once.
pub async fn connect(
    url: &str,
    max_connections: Option<u32>,
) -> anyhow::Result<DatabaseConnection> {
    Ok(
        connect_counted(url, max_connections, Timeouts::default(), "primary")
            .await?
            .0,
    )
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

/// The pool size for `url`: `configured`, else the default of its database.
pub fn pool_size(url: &str, configured: Option<u32>) -> u32 {
    configured.unwrap_or_else(|| default_max_connections(url.starts_with("sqlite:")))
}

/// Like [`connect`] with `timeouts`, plus, labelled `pool` (`primary`,
/// `replica`), the count and durations of the
/// statements run through the pool (exported at `/metrics`; tests use the
/// count to prove query counts are constant), each also added to the
/// current request's `db` timing.
///
/// Connections are pinged before use, within the acquire timeout, so one
/// that died during a database outage is replaced rather than handed to a
/// request, and the pool recovers by itself once the database is back.
pub async fn connect_counted(
    url: &str,
    max_connections: Option<u32>,
    timeouts: Timeouts,
    pool: &str,
) -> anyhow::Result<(DatabaseConnection, StatementStats)> {
    let is_sqlite = url.starts_with("sqlite:");
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(pool_size(url, max_connections))
        .min_connections(1)
        .connect_timeout(timeouts.acquire)
        .acquire_timeout(timeouts.acquire)
        .test_before_acquire(true)
        // Statements are traced by our own spans; sqlx's per-statement INFO
        // lines would drown the request log.
        .sqlx_logging(false);
    if let (Some(statement), false) = (timeouts.statement, is_sqlite) {
        options.statement_timeout(statement);
        // A transaction whose client stopped answering (a write abandoned
        // on a dead network) ends after as long, and with it its locks,
        // the writers' advisory lock included; else they lasted until TCP
        // gave up on the connection, minutes, and every replica's writes
        // waited. The server's transactions never idle that long between
        // statements.
        let idle = statement.as_millis().to_string();
        options.map_sqlx_postgres_opts(move |opts| {
            opts.options([("idle_in_transaction_session_timeout", idle.clone())])
        });
    }
    if is_sqlite {
        let busy = timeouts.statement.unwrap_or(Duration::from_secs(10));
        options.map_sqlx_sqlite_opts(move |opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(busy)
                .foreign_keys(true)
                .create_if_missing(true)
        });
    }
    let mut db = Database::connect(options).await?;
    let statements = StatementStats::new(pool)?;
    let stats = statements.clone();
    db.set_metric_callback(move |info| {
        if crate::ops::observe::counted() {
            stats.observe(info.elapsed);
        }
        crate::ops::observe::add_db(info.elapsed);
    });
    Ok((db, statements))
}
