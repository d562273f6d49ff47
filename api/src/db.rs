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

/// Like [`connect`], plus a counter of the statements run through the pool
/// (exported at `/metrics`; tests use it to prove query counts are constant).
pub async fn connect_counted(
    url: &str,
    max_connections: Option<u32>,
) -> anyhow::Result<(DatabaseConnection, Arc<AtomicU64>)> {
    let is_sqlite = url.starts_with("sqlite:");
    let mut options = ConnectOptions::new(url.to_owned());
    let default_max = if is_sqlite { 4 } else { 16 };
    options
        .max_connections(max_connections.unwrap_or(default_max))
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
