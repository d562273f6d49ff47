//! Spawning the app and talking to it.
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use lotse::config::Settings;
use lotse::startup::Application;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::Value;

/// Environment variable naming an admin URL of a PostgreSQL server for tests.
pub const POSTGRES_ENV: &str = "LOTSE_TEST_POSTGRES_URL";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn init_tracing() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = lotse::telemetry::init(lotse::config::LogFormat::Pretty);
        }
    });
}

/// A fresh, empty database for one app; dropped (PostgreSQL) or deleted
/// (SQLite) when the guard is dropped.
pub struct TestDatabase {
    pub url: String,
    backend: Backend,
    name: String,
}

impl TestDatabase {
    /// Creates the database; `None` for PostgreSQL when it is not configured.
    pub async fn create(backend: Backend) -> Option<Self> {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let pid = std::process::id();
        match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("lotse-test-{pid}-{n}.db"));
                let name = path.to_string_lossy().into_owned();
                Some(Self {
                    url: format!("sqlite://{name}?mode=rwc"),
                    backend,
                    name,
                })
            }
            Backend::Postgres => {
                let admin_url = std::env::var(POSTGRES_ENV).ok()?;
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("connect to PostgreSQL");
                sweep_stale_postgres(&admin).await;
                let name = format!("lotse_test_{pid}_{n}");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                Some(Self {
                    url: replace_db_name(&admin_url, &name),
                    backend,
                    name,
                })
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match self.backend {
            Backend::Sqlite => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", self.name));
                }
            }
            Backend::Postgres => {
                let name = self.name.clone();
                // Drop runs inside the test's runtime; a blocking thread with
                // its own runtime does the async drop without nesting runtimes.
                let _ = std::thread::spawn(move || {
                    let Ok(admin_url) = std::env::var(POSTGRES_ENV) else {
                        return;
                    };
                    let Ok(rt) = tokio::runtime::Runtime::new() else {
                        return;
                    };
                    rt.block_on(async {
                        if let Ok(admin) = Database::connect(&admin_url).await {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                ))
                                .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// Drops test databases left behind by earlier test processes that have exited
/// (the shared per-process database cannot be dropped at exit).
async fn sweep_stale_postgres(admin: &DatabaseConnection) {
    static ONCE: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    ONCE.get_or_init(|| async {
        let rows = admin
            .query_all_raw(sea_orm::Statement::from_string(
                admin.get_database_backend(),
                "SELECT datname FROM pg_database WHERE datname LIKE 'lotse_test_%'",
            ))
            .await
            .unwrap_or_default();
        for row in rows {
            let Ok(name) = row.try_get::<String>("", "datname") else {
                continue;
            };
            let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
            let alive = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
            if !alive {
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
            }
        }
    })
    .await;
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let prefix = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

fn settings(url: &str, seed: bool) -> Settings {
    Settings {
        addr: "127.0.0.1:0".into(),
        database_url: url.into(),
        database_read_url: None,
        public_url: None,
        workers: Some(2),
        db_max_connections: Some(4),
        db_timeouts: lotse::db::Timeouts {
            acquire: std::time::Duration::from_secs(2),
            statement: Some(std::time::Duration::from_secs(5)),
        },
        ready_timeout: std::time::Duration::from_secs(1),
        // Tests hammer the app from one address; the rate-limit tests
        // turn it on.
        rate_limit_anonymous: 0,
        rate_limit_key: 0,
        trusted_proxies: Vec::new(),
        slow_request: std::time::Duration::from_secs(1),
        request_timeout: std::time::Duration::from_secs(30),
        shutdown_timeout: std::time::Duration::from_secs(5),
        admin_addr: None,
        seed,
        require_if_match: false,
        graphql: lotse::graphql::Limits::default(),
        search_refresh: std::time::Duration::ZERO,
        index_dir: None,
        response_cache_bytes: 16 << 20,
        cache_max_age: 60,
        cors_write_origins: vec!["http://editor.example".into()],
        catalog: Default::default(),
    }
}

/// A running app plus a client for it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    /// Only for private apps started with an admin listener: its address.
    pub admin: Option<String>,
    /// Only for private apps: a connection to arrange data with.
    pub db: Option<DatabaseConnection>,
    /// Only for private apps: the app's store (its in-process writer).
    pub store: Option<std::sync::Arc<lotse::service::store::Store>>,
    /// Only for private apps: keeps the database alive.
    _database: Option<TestDatabase>,
}

struct Shared {
    address: String,
}

fn shared_cell(backend: Backend) -> &'static OnceLock<Option<Shared>> {
    static SQLITE: OnceLock<Option<Shared>> = OnceLock::new();
    static POSTGRES: OnceLock<Option<Shared>> = OnceLock::new();
    match backend {
        Backend::Sqlite => &SQLITE,
        Backend::Postgres => &POSTGRES,
    }
}

impl TestApp {
    /// The shared, seeded, read-only app of `backend` (started on first use in
    /// a thread of its own, so it outlives each test's runtime); `None` when
    /// the backend is not configured.
    pub fn shared(backend: Backend) -> Option<TestApp> {
        init_tracing();
        let shared = shared_cell(backend).get_or_init(|| {
            let (tx, rx) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async move {
                    let Some(database) = TestDatabase::create(backend).await else {
                        tx.send(None).expect("report");
                        return;
                    };
                    let app = Application::build(settings(&database.url, true))
                        .await
                        .expect("build the shared app");
                    tx.send(Some(app.port())).expect("report");
                    let _keep = database;
                    app.run_until_stopped().await.expect("serve");
                });
            });
            rx.recv().expect("shared app thread").map(|port| Shared {
                address: format!("http://127.0.0.1:{port}"),
            })
        });
        shared.as_ref().map(|s| TestApp {
            address: s.address.clone(),
            client: client(),
            admin: None,
            db: None,
            store: None,
            _database: None,
        })
    }

    /// A private app on a fresh database, seeded or empty, running in the
    /// current test's runtime; `None` when the backend is not configured.
    pub async fn private(backend: Backend, seed: bool) -> Option<TestApp> {
        Self::private_with(backend, seed, |_| {}).await
    }

    /// Like [`TestApp::private`], with settings adjusted by `configure`.
    pub async fn private_with(
        backend: Backend,
        seed: bool,
        configure: impl FnOnce(&mut Settings),
    ) -> Option<TestApp> {
        Self::private_via(backend, seed, str::to_owned, configure).await
    }

    /// Like [`TestApp::private_with`], with the app reaching its database
    /// at `url_of(its URL)` (a proxy between them, say).
    pub async fn private_via(
        backend: Backend,
        seed: bool,
        url_of: impl FnOnce(&str) -> String,
        configure: impl FnOnce(&mut Settings),
    ) -> Option<TestApp> {
        init_tracing();
        let database = TestDatabase::create(backend).await?;
        let mut settings = settings(&url_of(&database.url), seed);
        configure(&mut settings);
        let app = Application::build(settings)
            .await
            .expect("build a private app");
        let address = format!("http://127.0.0.1:{}", app.port());
        let admin = app.admin_port().map(|p| format!("http://127.0.0.1:{p}"));
        let db = app.db().clone();
        let store = app.store().clone();
        tokio::spawn(app.run_until_stopped());
        Some(TestApp {
            address,
            client: client(),
            admin,
            db: Some(db),
            store: Some(store),
            _database: Some(database),
        })
    }

    /// A second app on this private app's database (another replica, or
    /// another process such as `lotse import`): it shares no memory with
    /// this one. It does not seed; it keeps the database alive only while
    /// this app does.
    pub async fn replica(&self, configure: impl FnOnce(&mut Settings)) -> TestApp {
        let url = self
            ._database
            .as_ref()
            .expect("replicas are of private apps")
            .url
            .clone();
        let mut settings = settings(&url, false);
        configure(&mut settings);
        let app = Application::build(settings).await.expect("build a replica");
        let address = format!("http://127.0.0.1:{}", app.port());
        let db = app.db().clone();
        let store = app.store().clone();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            address,
            client: client(),
            admin: None,
            db: Some(db),
            store: Some(store),
            _database: None,
        }
    }

    /// The private app's store.
    pub fn store(&self) -> &lotse::service::store::Store {
        self.store.as_ref().expect("only private apps have a store")
    }

    /// The private app's database URL.
    pub fn database_url(&self) -> &str {
        &self
            ._database
            .as_ref()
            .expect("only private apps own their database")
            .url
    }

    /// The private app's database connection.
    pub fn db(&self) -> &DatabaseConnection {
        self.db
            .as_ref()
            .expect("only private apps expose their database")
    }

    /// GET `path` (relative to the app).
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request")
    }

    /// GET `path`, assert 200, return the JSON body.
    pub async fn get_json(&self, path: &str) -> Value {
        self.json_of(path, self.get(path).await).await
    }

    /// Like [`TestApp::get_json`] with `Cache-Control: no-cache`: the
    /// handler runs even if the response cache holds an answer.
    pub async fn get_json_uncached(&self, path: &str) -> Value {
        let response = self
            .client
            .get(format!("{}{path}", self.address))
            .header("cache-control", "no-cache")
            .send()
            .await
            .expect("request");
        self.json_of(path, response).await
    }

    async fn json_of(&self, path: &str, response: reqwest::Response) -> Value {
        let status = response.status();
        let body = response.text().await.expect("body");
        assert_eq!(status, 200, "GET {path} → {status}: {body}");
        serde_json::from_str(&body).expect("JSON body")
    }

    /// GET `path`, assert `status` and a problem+json body; return the body.
    pub async fn get_problem(&self, path: &str, status: u16) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), status, "GET {path}");
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert_eq!(content_type, "application/problem+json", "GET {path}");
        let body: Value = response.json().await.expect("problem body");
        assert_eq!(body["status"], status);
        body
    }

    /// POST a GraphQL query; returns the whole response body (data and errors).
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        let response = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&serde_json::json!({"query": query, "variables": variables}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "POST /graphql");
        response.json().await.expect("GraphQL JSON")
    }

    /// POSTs `body` (one GraphQL request or a batch) to `/graphql`, with
    /// `key` as bearer token if given; returns the JSON answer whatever the
    /// status.
    pub async fn graphql_as(&self, key: Option<&str>, body: &Value) -> Value {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(body);
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        request
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("GraphQL JSON")
    }

    /// Like [`TestApp::graphql`], asserting there are no errors; returns `data`.
    pub async fn graphql_data(&self, query: &str, variables: Value) -> Value {
        let body = self.graphql(query, variables).await;
        assert!(body.get("errors").is_none(), "GraphQL errors: {body}");
        body["data"].clone()
    }

    /// POST a JSON body to `path`; returns status and JSON body.
    pub async fn post_json(&self, path: &str, body: &Value) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}{path}", self.address))
            .json(body)
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// `lotse_db_statements_total` from `/metrics`.
    pub async fn statements(&self) -> u64 {
        self.metric("lotse_db_statements_total").await
    }

    /// The value of `name` in `/metrics`.
    pub async fn metric(&self, name: &str) -> u64 {
        let text = self.get("/metrics").await.text().await.expect("metrics");
        // `name value` or `name{labels} value`.
        text.lines()
            .find_map(|l| {
                let rest = l.strip_prefix(name)?;
                let rest = match rest.strip_prefix('{') {
                    Some(labelled) => labelled.split_once("} ")?.1,
                    None => rest.strip_prefix(' ')?,
                };
                Some(rest)
            })
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} in {text}"))
    }

    /// Every item of a list, following `next_cursor` with `limit`.
    pub async fn collect_all(&self, path: &str, limit: u32) -> Vec<Value> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut url = format!("{path}{sep}limit={limit}");
        let mut items = Vec::new();
        for _ in 0..10_000 {
            let page = self.get_json(&url).await;
            items.extend(page["items"].as_array().expect("items").iter().cloned());
            match page["next_cursor"].as_str() {
                Some(cursor) => url = format!("{path}{sep}limit={limit}&cursor={cursor}"),
                None => return items,
            }
        }
        panic!("pagination did not end");
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Slugs of the items of a list body.
pub fn slugs(body: &Value) -> Vec<String> {
    slugs_of(&body["items"])
}

/// Slugs of an array of records (REST items, GraphQL nodes …), in order.
pub fn slugs_of(records: &Value) -> Vec<String> {
    records
        .as_array()
        .expect("an array of records")
        .iter()
        .map(|i| i["slug"].as_str().expect("slug").to_owned())
        .collect()
}

/// Runs each named `async fn(TestApp)` on the shared app of every backend.
#[macro_export]
macro_rules! shared_tests {
    ($($test:ident),+ $(,)?) => {$(
        mod $test {
            use $crate::helpers::{Backend, TestApp};

            #[tokio::test]
            async fn sqlite() {
                let app = TestApp::shared(Backend::Sqlite).expect("SQLite is always available");
                super::$test(app).await;
            }

            #[tokio::test]
            async fn postgres() {
                match TestApp::shared(Backend::Postgres) {
                    Some(app) => super::$test(app).await,
                    None => eprintln!("skipped: {} is not set", $crate::helpers::POSTGRES_ENV),
                }
            }
        }
    )+};
}

/// Runs each named `async fn(TestApp)` on a private app (seeded) of every backend.
#[macro_export]
macro_rules! private_tests {
    (seeded: $seed:expr; $($test:ident),+ $(,)?) => {
        $crate::private_tests!(seeded: $seed; configured: |_| {}; $($test),+);
    };
    // Each app's settings adjusted by `$configure` (an `FnOnce(&mut Settings)`).
    (seeded: $seed:expr; configured: $configure:expr; $($test:ident),+ $(,)?) => {$(
        mod $test {
            use $crate::helpers::{Backend, TestApp};

            #[tokio::test]
            async fn sqlite() {
                let app = TestApp::private_with(Backend::Sqlite, $seed, $configure)
                    .await
                    .expect("SQLite is always available");
                super::$test(app).await;
            }

            #[tokio::test]
            async fn postgres() {
                match TestApp::private_with(Backend::Postgres, $seed, $configure).await {
                    Some(app) => super::$test(app).await,
                    None => eprintln!("skipped: {} is not set", $crate::helpers::POSTGRES_ENV),
                }
            }
        }
    )+};
}

/// The browser for rendering tests: `LOTSE_TEST_CHROMIUM`, else Debian's chromium.
fn chromium() -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os("LOTSE_TEST_CHROMIUM") {
        return Some(path.into());
    }
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .into_iter()
    .map(std::path::PathBuf::from)
    .find(|p| p.exists())
}

/// The DOM of `url` after its scripts ran, rendered by headless Chromium that
/// can resolve no host name but 127.0.0.1 ("network off"). `None` (test
/// skipped) without a browser, except in CI, where that fails.
pub async fn render_headless(url: &str) -> Option<String> {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium (see .ci/run)"
        );
        eprintln!("skipped: no chromium; set LOTSE_TEST_CHROMIUM or install Debian's chromium");
        return None;
    };
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let profile = std::env::temp_dir().join(format!("lotse-chromium-{}-{n}", std::process::id()));
    let output = tokio::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--virtual-time-budget=20000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .output()
        .await
        .expect("run chromium");
    let _ = std::fs::remove_dir_all(&profile);
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// One record of the shipped seed, as written in `api/seed/seed.json`.
pub fn seed_record(collection: &str, slug: &str) -> serde_json::Value {
    let seed: serde_json::Value = serde_json::from_str(lotse::service::import::SEED_JSON).unwrap();
    seed[collection]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["slug"] == slug)
        .unwrap_or_else(|| panic!("{collection}/{slug} is not in the seed"))
        .clone()
}

/// `(collection, record_id, op)` of the change log after `seq`, by seq.
pub async fn changes_after(app: &TestApp, seq: i64) -> Vec<(String, uuid::Uuid, String)> {
    let db = app.db();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT collection, record_id, op FROM changes WHERE seq > {seq} ORDER BY seq"),
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            (
                r.try_get_by_index::<String>(0).unwrap(),
                r.try_get_by_index::<uuid::Uuid>(1).unwrap(),
                r.try_get_by_index::<String>(2).unwrap(),
            )
        })
        .collect()
}

/// The newest `seq` of the change log (0 when empty).
pub async fn newest_seq(app: &TestApp) -> i64 {
    let db = app.db();
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COALESCE(MAX(seq), 0) AS n FROM changes",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// Every offer whose title, summary or description holds `word` (lower
/// case) as a whole word: what a search for it must find, whatever fuzzy
/// matching adds.
pub async fn offers_holding_word(app: &TestApp, word: &str) -> Vec<String> {
    app.collect_all("/api/v1/offers", 100)
        .await
        .iter()
        .filter(|o| {
            let text = format!("{} {} {}", o["title"], o["summary"], o["description"]);
            text.to_lowercase()
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| w == word)
        })
        .map(|o| o["slug"].as_str().unwrap().to_owned())
        .collect()
}

/// Whether an external test tool runs (`program args` exits 0). CI installs
/// every tool (`.ci/run`), so there a missing one fails the test; locally
/// the test skips with a message naming how to install it.
pub fn tool_available(program: impl AsRef<std::ffi::OsStr>, args: &[&str], install: &str) -> bool {
    let ok = std::process::Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install {install} (see .ci/run)"
        );
        eprintln!("skipped: {install} is not installed");
    }
    ok
}
