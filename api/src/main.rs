//! The `lotse` binary: parses the command line and hands over to the library.
use std::process::ExitCode;

use clap::Parser;
use lotse::config::{Cli, Command, ServeArgs, Settings};
use lotse::startup::Application;
use lotse::{db, openapi, service, telemetry};
use migration::{Migrator, MigratorTrait};

/// mimalloc instead of the system allocator: glibc keeps freed memory in
/// per-thread arenas, so after the search index build the server held ~190 MB
/// resident for ~125 MB in use (measured with `MALLOC_ARENA_MAX=1`: 128 MB).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
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
            tracing::error!("{err:#}");
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => serve(cli.database_url, ServeArgs::parse_from(["lotse"])).await,
        Some(Command::Serve(args)) => serve(cli.database_url, args).await,
        Some(Command::Migrate) => {
            let db = db::connect(&cli.database_url, None).await?;
            Migrator::up(&db, None).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Some(Command::Import { file }) => {
            let json = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let db = db::connect(&cli.database_url, None).await?;
            Migrator::up(&db, None).await?;
            match service::import::import_json(&db, &json).await {
                Ok(report) => {
                    println!("{}: {report}", file.display());
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
            service::import::seed_if_empty(&db)
                .await
                .map_err(|e| anyhow::anyhow!("loading the seed failed: {e}"))?;
            let started = std::time::Instant::now();
            let report = lotse::generate::run(&db, offers, partners, seed)
                .await
                .map_err(|e| anyhow::anyhow!("{e}: {}", e.detail()))?;
            println!("{report} in {:.1} s", started.elapsed().as_secs_f64());
            Ok(())
        }
        Some(Command::ExportSchema { out_dir }) => {
            std::fs::create_dir_all(&out_dir)?;
            let path = out_dir.join("openapi.json");
            std::fs::write(&path, openapi::openapi_json()?)?;
            println!("wrote {}", path.display());
            let path = out_dir.join("schema.graphql");
            std::fs::write(&path, lotse::graphql::sdl())?;
            println!("wrote {}", path.display());
            Ok(())
        }
    }
}

async fn serve(database_url: String, args: ServeArgs) -> anyhow::Result<()> {
    let app = Application::build(Settings::from_args(database_url, args)).await?;
    tracing::info!(
        "Lotse is ready: API {base}/api/v1, docs {base}/docs/",
        base = app.base_url()
    );
    app.run_until_stopped().await?;
    tracing::info!("stopped");
    Ok(())
}
