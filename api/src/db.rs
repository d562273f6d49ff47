//! Database connection: SQLite (embedded default) or PostgreSQL, chosen by URL.
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
    Ok(Database::connect(options).await?)
}
