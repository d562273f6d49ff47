//! The `lotse` binary: parses the command line and hands over to the library.
use std::process::ExitCode;

use clap::Parser;
use lotse::config::{Cli, Command, KeysCommand, ServeArgs, Settings};
use lotse::startup::Application;
use lotse::{db, openapi, service, telemetry};
use migration::{Migrator, MigratorTrait};

/// mimalloc instead of the system allocator. Measured on 20,000 offers
/// (SQLite, wrk -c32, uncached): glibc served 30–40 % fewer requests (item
/// 1,374 against 2,000 req/s, list page 484 against 800); capped at two
/// arenas (`MALLOC_ARENA_MAX=2`) it is leaner (82 MB) but no faster, and
/// uncapped it held ~190 MB after the index build.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Makes mimalloc give freed memory back to the system after 10 ms.
///
/// By default it keeps freed pages for a second (`purge_delay`); and it
/// never returns memory of an arena committed eagerly, which it does on
/// Linux unless built with `MI_DEFAULT_ARENA_EAGER_COMMIT=0` (set in
/// `.cargo/config.toml`). The server frees most of what its start-up (index
/// and corpus build) allocates, so without both it keeps holding that.
/// Measured on 20,000 offers (SQLite; start, then 3 s of each uncached list,
/// filtered list, stats and search scenario at wrk -c32; 3 runs): peak
/// resident memory 122–130 MB by default, 107–117 MB with the purge delay at
/// 0, 92–98 MB with both; throughput within 2–6 % of the default. Why 10 ms
/// and not 0: once pages were planned in memory (issue 12), purging at once
/// cost a third of the server's CPU in page faults, zeroing and TLB
/// shootdowns (`perf record`); GraphQL list on PostgreSQL, `bench/ab.sh`,
/// 3 alternating runs: 0 ms 3,643–5,055 req/s, 10 ms 6,952–8,158, 1,000 ms
/// 3,417–4,238; peak RSS 75–78 MB each; never purging 118 MB
/// (bench/RESULTS.md, 2026-12-02). An option set through
/// `MIMALLOC_PURGE_DELAY` is left alone.
///
/// Rejected: the environment variable alone (mimalloc reads it before `main`
/// runs, so the binary cannot set it for itself); `purge_delay` has no
/// build-time default to override.
#[cfg(feature = "mimalloc")]
#[allow(unsafe_code)]
fn release_freed_memory_promptly() {
    // mimalloc v3's number for `purge_delay` (include/mimalloc.h, `enum
    // mi_option_e`; libmimalloc-sys names only v2's). It is changed only if it
    // holds v3's default, so a different numbering changes nothing.
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    const DEFAULT_PURGE_DELAY_MS: std::ffi::c_long = 1000;
    const PURGE_DELAY_MS: std::ffi::c_long = 10;
    // SAFETY: `mi_option_get` and `mi_option_set` read and write one integer
    // of mimalloc's option table; mimalloc allows both at any time, and this
    // runs first thing in `main`, before other threads exist.
    unsafe {
        if libmimalloc_sys::mi_option_get(PURGE_DELAY) == DEFAULT_PURGE_DELAY_MS {
            libmimalloc_sys::mi_option_set(PURGE_DELAY, PURGE_DELAY_MS);
        }
    }
}

fn main() -> ExitCode {
    #[cfg(feature = "mimalloc")]
    release_freed_memory_promptly();
    let cli = Cli::parse();
    if let Err(err) = telemetry::init(cli.log_format) {
        eprintln!("cannot set up logging: {err}");
        return ExitCode::FAILURE;
    }
    // Blocking threads (the search index writer) leave after 1 s idle, not
    // tokio's default 10 s: a thread's allocator heap keeps the memory it
    // freed until the thread allocates again or exits, so an idle one holds
    // the index build's peak (measured: ~150 MB resident at ready, ~120 MB
    // once it left).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_keep_alive(std::time::Duration::from_secs(1))
        .build();
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line, not also a log line: both would go to stderr.
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// `lotse keys create | list | revoke`.
async fn keys(db: &sea_orm::DatabaseConnection, action: KeysCommand) -> anyhow::Result<()> {
    use service::keys;
    let failed = |err: lotse::error::AppError| anyhow::anyhow!("{}", err.detail());
    match action {
        KeysCommand::Create { name, scopes } => {
            let key = keys::create(db, &name, &scopes).await.map_err(failed)?;
            say(format_args!("{key}"));
            eprintln!(
                "This is the only time the key is shown: store it now. Send it as `Authorization: Bearer <key>`."
            );
        }
        KeysCommand::List => {
            let fmt = |t: Option<chrono::DateTime<chrono::Utc>>| {
                t.map_or_else(
                    || "-".to_owned(),
                    |t| t.format("%Y-%m-%d %H:%M").to_string(),
                )
            };
            say(format_args!(
                "{:<24} {:<12} {:<36} {:<16} {:<16} revoked",
                "name", "id", "scopes", "created", "last used"
            ));
            for k in keys::list(db).await.map_err(failed)? {
                say(format_args!(
                    "{:<24} {:<12} {:<36} {:<16} {:<16} {}",
                    k.name,
                    k.id,
                    k.scopes,
                    fmt(Some(k.created_at)),
                    fmt(k.last_used_at),
                    fmt(k.revoked_at)
                ));
            }
        }
        KeysCommand::Revoke { name } => {
            keys::revoke(db, &name).await.map_err(failed)?;
            say(format_args!("revoked {name}"));
        }
    }
    Ok(())
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => serve(cli.database_url, ServeArgs::parse_from(["lotse"])).await,
        Some(Command::Serve(args)) => serve(cli.database_url, *args).await,
        Some(Command::Migrate) => {
            let db = db::connect(&cli.database_url, None).await?;
            Migrator::up(&db, None).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Some(Command::Import {
            file,
            prune,
            dry_run,
        }) => {
            let json = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let db = db::connect(&cli.database_url, None).await?;
            Migrator::up(&db, None).await?;
            let options = service::import::ImportOptions { prune, dry_run };
            match service::import::import_json_with(&db, &json, options).await {
                Ok(report) => {
                    // `{:#}`: the totals, then one line per deleted record.
                    say(format_args!("{}: {report:#}", file.display()));
                    Ok(())
                }
                Err(err) => {
                    for e in err.field_errors() {
                        eprintln!("  {}: {}", e.field, e.message);
                    }
                    anyhow::bail!(
                        "import of {} rejected, nothing written: {err}",
                        file.display()
                    )
                }
            }
        }
        Some(Command::Generate {
            offers,
            partners,
            seed,
        }) => {
            let db = db::connect(&cli.database_url, None).await?;
            Migrator::up(&db, None).await?;
            service::import::seed_or_upgrade(&db)
                .await
                .map_err(|e| anyhow::anyhow!("loading the seed failed: {e}"))?;
            let started = std::time::Instant::now();
            let report = lotse::generate::run(&db, offers, partners, seed)
                .await
                .map_err(|e| anyhow::anyhow!("{e}: {}", e.detail()))?;
            say(format_args!(
                "{report} in {:.1} s",
                started.elapsed().as_secs_f64()
            ));
            Ok(())
        }
        Some(Command::Keys { action }) => {
            let db = db::connect(&cli.database_url, None).await?;
            Migrator::up(&db, None).await?;
            keys(&db, action).await
        }
        Some(Command::ExportSchema { out_dir }) => {
            std::fs::create_dir_all(&out_dir)?;
            let path = out_dir.join("openapi.json");
            std::fs::write(&path, openapi::openapi_json()?)?;
            say(format_args!("wrote {}", path.display()));
            let path = out_dir.join("schema.graphql");
            std::fs::write(&path, lotse::graphql::sdl())?;
            say(format_args!("wrote {}", path.display()));
            Ok(())
        }
    }
}

/// Prints a result line. A closed stdout (`lotse import … | head -1`) is not
/// an error of the command, whose work is done: `println!` panicked there
/// (exit 101 after a committed import).
fn say(line: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

async fn serve(database_url: String, args: ServeArgs) -> anyhow::Result<()> {
    let app = Application::build(Settings::from_args(database_url, args)).await?;
    tracing::info!(
        "Lotse is ready: API {base}/api/v1, docs {base}/docs/",
        base = app.base_url()
    );
    let handle = app.handle();
    tokio::spawn(async move {
        let signal = stop_signal().await;
        tracing::info!("{signal}: finishing the requests in flight, then stopping");
        handle.stop(true).await;
    });
    app.run_until_stopped().await?;
    tracing::info!("stopped");
    Ok(())
}

/// Waits for SIGINT (Ctrl-C) or SIGTERM (what `docker stop` and systemd
/// send), and names it. Both stop gracefully: an operator's Ctrl-C should
/// not cut a client's download off either.
async fn stop_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => "SIGINT",
                _ = term.recv() => "SIGTERM",
            },
            Err(err) => {
                tracing::warn!("cannot watch for SIGTERM: {err}");
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

#[cfg(all(test, feature = "mimalloc"))]
#[allow(unsafe_code)]
mod tests {
    /// Fails when `.cargo/config.toml`'s define did not reach mimalloc's
    /// build, or when a mimalloc upgrade renumbered `purge_delay`.
    #[test]
    fn mimalloc_returns_freed_memory_after_10_ms() {
        const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
        super::release_freed_memory_promptly();
        // SAFETY: reads of mimalloc's option table.
        let (eager, delay) = unsafe {
            (
                libmimalloc_sys::mi_option_get(ARENA_EAGER_COMMIT),
                libmimalloc_sys::mi_option_get(15),
            )
        };
        assert_eq!(eager, 0, "arenas are committed eagerly");
        assert_eq!(delay, 10, "freed memory is kept for {delay} ms");
    }
}
