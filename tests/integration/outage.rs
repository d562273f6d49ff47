//! Database outages (issue 17): the app keeps answering what it can, says
//! 503 with `Retry-After` for the rest within its configured bounds, never
//! 500, and recovers by itself once the database is back.
//!
//! PostgreSQL is reached through a TCP proxy the test controls: *cut*
//! (every connection closed, new ones refused), *blackhole* (connections
//! held open, nothing forwarded: a dead network) and *open*. SQLite has no
//! network; its outage is another writer holding the lock.
//!
//! The durations asserted here are the configured timeouts (plus a margin
//! for a debug build on a loaded machine), not speed claims: a request
//! that waited for the database for 10 s, as before, fails them.
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::helpers::{Backend, TestApp};

/// What the proxy does with the traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Open,
    Cut,
    Blackhole,
}

/// A TCP proxy to `127.0.0.1:5432`'s server that the test can cut.
struct Proxy {
    port: u16,
    mode: watch::Sender<Mode>,
}

impl Proxy {
    async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let (mode, _) = watch::channel(Mode::Open);
        let modes = mode.clone();
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let rx = modes.subscribe();
                if *rx.borrow() == Mode::Cut {
                    drop(client);
                    continue;
                }
                tokio::spawn(pump(client, target.clone(), rx));
            }
        });
        Self { port, mode }
    }

    /// A proxy to the server of `LOTSE_TEST_POSTGRES_URL` (`None`, and a
    /// note, when it is not set).
    async fn to_postgres() -> Option<Self> {
        let Ok(admin) = std::env::var(crate::helpers::POSTGRES_ENV) else {
            eprintln!("skipped: {} is not set", crate::helpers::POSTGRES_ENV);
            return None;
        };
        let upstream = url::Url::parse(&admin).expect("PostgreSQL URL");
        let target = format!(
            "{}:{}",
            upstream.host_str().unwrap_or("127.0.0.1"),
            upstream.port().unwrap_or(5432)
        );
        Some(Self::start(target).await)
    }

    /// The database URL `url`, reached through this proxy.
    fn url(&self, url: &str) -> String {
        let mut url = url::Url::parse(url).expect("URL");
        url.set_host(Some("127.0.0.1")).expect("host");
        url.set_port(Some(self.port)).expect("port");
        url.to_string()
    }

    fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }
}

/// Forwards one connection while the mode is open; holds it while it is a
/// blackhole (the upstream connection is opened only once it opens); drops
/// both ends when it is cut.
async fn pump(client: TcpStream, target: String, mut mode: watch::Receiver<Mode>) {
    let (mut client_read, mut client_write) = client.into_split();
    let mut upstream: Option<(
        tokio::net::tcp::OwnedReadHalf,
        tokio::net::tcp::OwnedWriteHalf,
    )> = None;
    let mut from_client = vec![0u8; 16 * 1024];
    let mut from_server = vec![0u8; 16 * 1024];
    loop {
        let current = *mode.borrow_and_update();
        match current {
            Mode::Cut => return,
            Mode::Blackhole => {
                if mode.changed().await.is_err() {
                    return;
                }
            }
            Mode::Open => {
                if upstream.is_none() {
                    let Ok(server) = TcpStream::connect(&target).await else {
                        return;
                    };
                    upstream = Some(server.into_split());
                }
                let Some((server_read, server_write)) = upstream.as_mut() else {
                    return;
                };
                tokio::select! {
                    read = client_read.read(&mut from_client) => match read {
                        Ok(0) | Err(_) => return,
                        Ok(n) => if server_write.write_all(&from_client[..n]).await.is_err() { return },
                    },
                    read = server_read.read(&mut from_server) => match read {
                        Ok(0) | Err(_) => return,
                        Ok(n) => if client_write.write_all(&from_server[..n]).await.is_err() { return },
                    },
                    changed = mode.changed() => if changed.is_err() { return },
                }
            }
        }
    }
}

/// The configured bounds of the app under test.
const ACQUIRE: Duration = Duration::from_millis(1000);
const READY: Duration = Duration::from_millis(500);
/// Slack for a debug build on a busy 2-core machine.
const SLACK: Duration = Duration::from_millis(700);

/// One request's outcome.
struct Seen {
    status: StatusCode,
    took: Duration,
    headers: reqwest::header::HeaderMap,
    body: String,
}

async fn send(request: reqwest::RequestBuilder) -> Seen {
    let started = Instant::now();
    let response = request.send().await.expect("the app answers");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.text().await.expect("body");
    Seen {
        status,
        took: started.elapsed(),
        headers,
        body,
    }
}

impl Seen {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// A 503 problem with `code: unavailable` and `Retry-After`, in time.
    fn assert_unavailable(&self, what: &str, bound: Duration) {
        assert_eq!(self.status, 503, "{what}: {}", self.body);
        assert_eq!(
            self.header("content-type"),
            "application/problem+json",
            "{what}"
        );
        let problem: Value = serde_json::from_str(&self.body).expect("problem JSON");
        assert_eq!(problem["code"], "unavailable", "{what}: {problem}");
        let retry: u64 = self.header("retry-after").parse().unwrap_or(0);
        assert!(
            retry >= 1,
            "{what}: Retry-After {:?}",
            self.header("retry-after")
        );
        assert!(
            self.took <= bound,
            "{what} took {:?}, bound {bound:?}",
            self.took
        );
    }
}

const GRAPHQL_CACHED: &str = "{ offers(first: 2) { nodes { slug } } }";

/// The requests whose answers are cached before the outage.
fn cached_requests(app: &TestApp) -> Vec<(&'static str, reqwest::RequestBuilder)> {
    let c = &app.client;
    let a = &app.address;
    vec![
        ("list", c.get(format!("{a}/api/v1/offers?limit=3"))),
        (
            "graphql",
            c.post(format!("{a}/graphql"))
                .json(&json!({ "query": GRAPHQL_CACHED })),
        ),
    ]
}

/// Requests nobody asked before: uncached, they need the database.
fn uncached_requests(app: &TestApp, n: usize) -> Vec<(String, reqwest::RequestBuilder)> {
    let c = &app.client;
    let a = &app.address;
    vec![
        (
            format!("list {n}"),
            c.get(format!("{a}/api/v1/offers?limit={}", n + 1))
                .header("cache-control", "no-cache"),
        ),
        (
            format!("item {n}"),
            c.get(format!("{a}/api/v1/partners/mags"))
                .header("cache-control", "no-cache"),
        ),
        (
            // Cacheable, but not in the cache: answered without a second
            // wait for the database.
            format!("cacheable item {n}"),
            c.get(format!("{a}/api/v1/partners/mags")),
        ),
        (
            format!("match {n}"),
            c.post(format!("{a}/api/v1/match")).json(
                &json!({"region": "bielefeld", "role": "works_council", "date": format!("2025-01-{:02}", 1 + n % 28)}),
            ),
        ),
    ]
}

#[tokio::test]
async fn postgres_outage_is_answered_with_503_stale_answers_and_recovery() {
    let Some(proxy) = Proxy::to_postgres().await else {
        return;
    };
    let app = TestApp::private_via(
        Backend::Postgres,
        true,
        |url| proxy.url(url),
        |s| {
            s.db_timeouts.acquire = ACQUIRE;
            s.ready_timeout = READY;
            // Every request checks the data's version: the outage is
            // noticed at once, and the cache must still answer.
            s.search_refresh = Duration::ZERO;
        },
    )
    .await
    .expect("PostgreSQL is configured");

    // Before: answers, two of them stored in the response cache.
    let mut before = Vec::new();
    for (what, request) in cached_requests(&app) {
        let seen = send(request).await;
        assert_eq!(seen.status, 200, "{what}: {}", seen.body);
        before.push(seen.body);
    }
    for (what, request) in cached_requests(&app) {
        assert_eq!(send(request).await.header("x-cache"), "hit", "{what}");
    }
    assert_eq!(app.get("/ready").await.status(), 200);

    let mut statuses = Vec::new();
    for mode in [Mode::Cut, Mode::Blackhole] {
        proxy.set(mode);
        let ready = send(app.client.get(format!("{}/ready", app.address))).await;
        ready.assert_unavailable(&format!("{mode:?}: /ready"), READY + SLACK);

        // Cached answers: served stale, the same bodies, quickly enough.
        for ((what, request), body) in cached_requests(&app).into_iter().zip(&before) {
            let seen = send(request).await;
            assert_eq!(seen.status, 200, "{mode:?}: {what}: {}", seen.body);
            assert_eq!(seen.header("x-cache"), "stale", "{mode:?}: {what}");
            assert_eq!(&seen.body, body, "{mode:?}: {what}");
            assert!(
                seen.took <= ACQUIRE + SLACK,
                "{mode:?}: {what} took {:?}",
                seen.took
            );
            statuses.push(seen.status);
        }

        // Uncached: 503 problems within the bound.
        for (what, request) in uncached_requests(&app, 0) {
            let seen = send(request).await;
            seen.assert_unavailable(&format!("{mode:?}: {what}"), ACQUIRE + SLACK);
            statuses.push(seen.status);
        }
        // GraphQL: the same code in `extensions`.
        let seen = send(
            app.client
                .post(format!("{}/graphql", app.address))
                .json(&json!({"query": "{ partners(first: 1) { nodes { slug } } }"})),
        )
        .await;
        let body: Value = serde_json::from_str(&seen.body).expect("GraphQL JSON");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "unavailable",
            "{mode:?}: {body}"
        );
        assert!(
            seen.took <= ACQUIRE + SLACK,
            "{mode:?}: GraphQL took {:?}",
            seen.took
        );

        // 20 at once: all 503, and the pool does not make them queue one
        // timeout after another.
        let started = Instant::now();
        let requests: Vec<_> = (1..=7)
            .flat_map(|n| uncached_requests(&app, n))
            .take(20)
            .map(|(what, request)| async move { (what, send(request).await) })
            .collect();
        for (what, seen) in futures_util::future::join_all(requests).await {
            seen.assert_unavailable(&format!("{mode:?}: concurrent {what}"), 2 * ACQUIRE + SLACK);
            statuses.push(seen.status);
        }
        assert!(
            started.elapsed() <= 2 * ACQUIRE + SLACK,
            "{mode:?}: 20 concurrent requests took {:?}",
            started.elapsed()
        );
    }
    assert!(statuses.iter().all(|s| *s != 500), "{statuses:?}");

    // Back: ready again within 2 s of the restore, without a restart.
    proxy.set(Mode::Open);
    let restored = Instant::now();
    loop {
        if app.get("/ready").await.status() == 200 {
            break;
        }
        assert!(
            restored.elapsed() <= Duration::from_secs(2),
            "not ready 2 s after the database came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for (what, request) in uncached_requests(&app, 99) {
        let seen = send(request).await;
        assert_eq!(seen.status, 200, "after the outage: {what}: {}", seen.body);
    }
    for (what, request) in cached_requests(&app) {
        let seen = send(request).await;
        assert_eq!(seen.status, 200, "after the outage: {what}");
        assert_ne!(seen.header("x-cache"), "stale", "after the outage: {what}");
    }
}

/// SQLite under write load: a writer that holds the lock past the busy
/// timeout makes the API's writes 503 with `Retry-After`, not 500; once
/// it commits, the same write succeeds.
#[tokio::test]
async fn sqlite_busy_database_is_503_not_500() {
    use sea_orm::{ConnectionTrait, Database};
    let app = TestApp::private_with(Backend::Sqlite, true, |s| {
        s.db_timeouts.statement = Some(Duration::from_millis(300));
    })
    .await
    .expect("SQLite is always available");
    let key = lotse::service::keys::create(app.db(), "busy", &[lotse::service::keys::Scope::Write])
        .await
        .expect("key");
    // Another process's connection (its own pool) takes the write lock.
    let other = Database::connect(app.database_url())
        .await
        .expect("second connection");
    other
        .execute_unprepared("BEGIN IMMEDIATE")
        .await
        .expect("write lock");
    let patch = || {
        app.client
            .patch(format!(
                "{}/api/v1/offers/arbeit-2020-begleitung",
                app.address
            ))
            .bearer_auth(&key)
            .header("content-type", "application/merge-patch+json")
            .body(r#"{"note": "busy test"}"#)
    };
    let slug_exists = app
        .get("/api/v1/offers/arbeit-2020-begleitung")
        .await
        .status();
    assert_eq!(slug_exists, 200, "the seed offer the test edits");
    let seen = send(patch()).await;
    seen.assert_unavailable(
        "PATCH while another writer holds the lock",
        Duration::from_secs(5),
    );
    other.execute_unprepared("COMMIT").await.expect("release");
    let seen = send(patch()).await;
    assert_eq!(
        seen.status, 200,
        "after the lock is released: {}",
        seen.body
    );
}

/// A PostgreSQL app whose read pool goes through `proxy` and whose primary
/// is reached directly, with the outage test's bounds.
async fn app_with_read_pool_via(proxy: &Proxy) -> Option<TestApp> {
    let read_url = |url: &str| proxy.url(url);
    TestApp::private_with(Backend::Postgres, true, move |s| {
        s.database_read_url = Some(read_url(&s.database_url));
        s.db_timeouts.acquire = ACQUIRE;
        s.ready_timeout = READY;
    })
    .await
}

/// With `--database-read-url`, a write whose read replica is away commits
/// on the primary and says so (200 with the record, REST and GraphQL),
/// instead of a 503 that would make the client retry a done write; reads
/// say 503 until the replica is back, and then show the write.
#[tokio::test]
async fn a_write_commits_and_answers_while_the_read_replica_is_away() {
    let Some(proxy) = Proxy::to_postgres().await else {
        return;
    };
    let app = app_with_read_pool_via(&proxy)
        .await
        .expect("PostgreSQL is configured");
    let key =
        lotse::service::keys::create(app.db(), "replica", &[lotse::service::keys::Scope::Write])
            .await
            .expect("key");
    let item = "/api/v1/offers/arbeit-2020-begleitung";
    for mode in [Mode::Cut, Mode::Blackhole] {
        proxy.set(mode);
        let note = format!("written while the replica is {mode:?}");
        let seen = send(
            app.client
                .patch(format!("{}{item}", app.address))
                .bearer_auth(&key)
                .header("content-type", "application/merge-patch+json")
                .body(json!({ "note": note }).to_string()),
        )
        .await;
        assert_eq!(seen.status, 200, "{mode:?}: PATCH: {}", seen.body);
        let body: Value = serde_json::from_str(&seen.body).expect("record");
        assert_eq!(
            body["note"],
            note.as_str(),
            "{mode:?}: the answer shows the write"
        );
        assert!(!seen.header("etag").is_empty(), "{mode:?}: ETag");

        let graphql_note = format!("{note} (GraphQL)");
        let seen = send(
            app.client
                .post(format!("{}/graphql", app.address))
                .bearer_auth(&key)
                .json(&json!({
                    "query": "mutation($p: JSON!) { updateOffer(key: \"arbeit-2020-begleitung\", patch: $p) { record { note } errors { code message } } }",
                    "variables": { "p": { "note": graphql_note } },
                })),
        )
        .await;
        let body: Value = serde_json::from_str(&seen.body).expect("GraphQL JSON");
        assert!(body.get("errors").is_none(), "{mode:?}: {body}");
        assert_eq!(
            body["data"]["updateOffer"]["record"]["note"],
            graphql_note.as_str(),
            "{mode:?}: {body}"
        );

        // Reads go to the replica: 503 while it is away.
        let read = send(
            app.client
                .get(format!("{}{item}", app.address))
                .header("cache-control", "no-cache"),
        )
        .await;
        read.assert_unavailable(&format!("{mode:?}: GET"), 2 * ACQUIRE + SLACK);

        // Committed on the primary, whatever the answer's path.
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let stored = entity::offer::Entity::find()
            .filter(entity::offer::Column::Slug.eq("arbeit-2020-begleitung"))
            .one(app.db())
            .await
            .expect("read the primary")
            .expect("the offer");
        assert_eq!(stored.note.as_deref(), Some(graphql_note.as_str()));

        proxy.set(Mode::Open);
        let restored = Instant::now();
        loop {
            let response = app
                .client
                .get(format!("{}{item}", app.address))
                .header("cache-control", "no-cache")
                .send()
                .await
                .expect("GET");
            if response.status() == 200 {
                let body: Value = response.json().await.expect("JSON");
                assert_eq!(body["note"], graphql_note.as_str(), "{mode:?}: after");
                break;
            }
            assert!(
                restored.elapsed() <= Duration::from_secs(3),
                "{mode:?}: reads not back 3 s after the replica returned"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A write whose answers the network swallows (PostgreSQL runs it, nothing
/// comes back) is abandoned after `--request-timeout-secs`: a 503 `timeout`
/// problem that says its outcome is unknown, instead of a wait until the
/// network returns; the process's writer turn is free again, so the writes
/// behind it are answered within their bounds, and succeed once the
/// network is back.
#[tokio::test]
async fn a_write_the_network_swallows_is_abandoned_in_time() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    const DEADLINE: Duration = Duration::from_secs(2);
    let Some(proxy) = Proxy::to_postgres().await else {
        return;
    };
    let app = TestApp::private_via(
        Backend::Postgres,
        true,
        |url| proxy.url(url),
        |s| {
            s.db_timeouts.acquire = ACQUIRE;
            s.db_timeouts.statement = Some(DEADLINE);
            s.ready_timeout = READY;
            s.request_timeout = DEADLINE;
        },
    )
    .await
    .expect("PostgreSQL is configured");
    let key =
        lotse::service::keys::create(app.db(), "network", &[lotse::service::keys::Scope::Write])
            .await
            .expect("key");
    let item = format!("{}/api/v1/offers/arbeit-2020-begleitung", app.address);
    let patch = |note: &str| {
        app.client
            .patch(&item)
            .bearer_auth(&key)
            .header("content-type", "application/merge-patch+json")
            .body(json!({ "note": note }).to_string())
    };

    // Another session, not behind the proxy, holds the table: the write
    // waits inside PostgreSQL while the network goes dark, then runs, and
    // its answers stay in the dark.
    let other = sea_orm::Database::connect(app.database_url())
        .await
        .expect("connect");
    let lock = other.begin().await.expect("begin");
    lock.execute_unprepared("LOCK TABLE offers IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock");
    let first = tokio::spawn(send(patch("swallowed by the network")));
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.set(Mode::Blackhole);
    lock.commit().await.expect("unlock");
    let seen = tokio::time::timeout(4 * DEADLINE, first)
        .await
        .expect("the write is answered while the network is dark")
        .expect("task");
    assert_eq!(seen.status, 503, "{}", seen.body);
    assert!(seen.took <= DEADLINE + SLACK, "took {:?}", seen.took);
    assert!(!seen.header("retry-after").is_empty());
    let problem: Value = serde_json::from_str(&seen.body).expect("problem");
    assert_eq!(problem["code"], "timeout", "{problem}");
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("may or may not have been made"), "{detail}");

    // The next write is not held up behind it.
    let seen = tokio::time::timeout(4 * DEADLINE, send(patch("after the dark")))
        .await
        .expect("the next write is answered while the network is dark");
    assert_eq!(seen.status, 503, "{}", seen.body);
    assert!(seen.took <= DEADLINE + SLACK, "took {:?}", seen.took);

    // Nor are the writes of another process that reaches the database: the
    // abandoned transaction (and the writers' lock it holds) ends on the
    // server once it has been idle as long as a statement may run.
    let other_process = app
        .replica(|s| {
            s.db_timeouts.statement = Some(Duration::from_secs(20));
            s.request_timeout = Duration::from_secs(30);
        })
        .await;
    let seen = send(
        app.client
            .patch(format!(
                "{}/api/v1/offers/arbeit-2020-begleitung",
                other_process.address
            ))
            .bearer_auth(&key)
            .header("content-type", "application/merge-patch+json")
            .body(json!({ "note": "from another process" }).to_string()),
    )
    .await;
    assert_eq!(seen.status, 200, "{}", seen.body);
    assert!(seen.took <= 2 * DEADLINE + SLACK, "took {:?}", seen.took);

    proxy.set(Mode::Open);
    let restored = Instant::now();
    loop {
        let seen = send(patch("after the dark")).await;
        if seen.status == 200 {
            break;
        }
        assert!(
            restored.elapsed() <= Duration::from_secs(5),
            "writes not back 5 s after the network: {} {}",
            seen.status,
            seen.body
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// With the primary away and a read replica up, GraphQL sent with an API
/// key is still a GraphQL answer: queries are answered (the key is checked
/// only by a mutation), and a mutation says `unavailable` as a GraphQL
/// error, not as a REST problem.
#[tokio::test]
async fn graphql_with_a_key_is_answered_while_the_primary_is_away() {
    let Some(proxy) = Proxy::to_postgres().await else {
        return;
    };
    let primary = |url: &str| proxy.url(url);
    let app = TestApp::private_with(Backend::Postgres, true, move |s| {
        let direct = s.database_url.clone();
        s.database_url = primary(&direct);
        s.database_read_url = Some(direct);
        s.db_timeouts.acquire = ACQUIRE;
        s.ready_timeout = READY;
    })
    .await
    .expect("PostgreSQL is configured");
    let key =
        lotse::service::keys::create(app.db(), "primary", &[lotse::service::keys::Scope::Write])
            .await
            .expect("key");
    let graphql = |query: &str| {
        app.client
            .post(format!("{}/graphql", app.address))
            .bearer_auth(&key)
            .json(&json!({ "query": query }))
    };
    const QUERY: &str = "{ offers(first: 2) { nodes { slug } } }";
    const MUTATION: &str = r#"mutation { updateOffer(key: "arbeit-2020-begleitung", patch: {note: "primary away"}) { record { note } } }"#;
    proxy.set(Mode::Cut);

    let seen = send(graphql(QUERY)).await;
    assert_eq!(seen.status, 200, "{}", seen.body);
    let body: Value = serde_json::from_str(&seen.body).expect("GraphQL JSON");
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(
        body["data"]["offers"]["nodes"].as_array().map(Vec::len),
        Some(2)
    );

    let seen = send(graphql(MUTATION)).await;
    let body: Value = serde_json::from_str(&seen.body).expect("GraphQL JSON");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "unavailable",
        "{}: {body}",
        seen.status
    );
    assert!(seen.took <= 2 * ACQUIRE + SLACK, "took {:?}", seen.took);

    proxy.set(Mode::Open);
    let restored = Instant::now();
    loop {
        let seen = send(graphql(MUTATION)).await;
        let body: Value = serde_json::from_str(&seen.body).expect("GraphQL JSON");
        if body.get("errors").is_none() {
            assert_eq!(
                body["data"]["updateOffer"]["record"]["note"],
                "primary away"
            );
            break;
        }
        assert!(
            restored.elapsed() <= Duration::from_secs(3),
            "mutations not back 3 s after the primary: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The time a write waits for its turn behind another write does not count
/// against its own bound: of two slow writes one after the other, each
/// within `--request-timeout-secs` but not together, both are made.
#[tokio::test]
async fn a_write_waiting_for_its_turn_is_not_abandoned() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    const DEADLINE: Duration = Duration::from_secs(2);
    let Some(app) = TestApp::private_with(Backend::Postgres, true, |s| {
        s.request_timeout = DEADLINE;
    })
    .await
    else {
        eprintln!("skipped: {} is not set", crate::helpers::POSTGRES_ENV);
        return;
    };
    let key =
        lotse::service::keys::create(app.db(), "queue", &[lotse::service::keys::Scope::Write])
            .await
            .expect("key");
    let other = sea_orm::Database::connect(app.database_url())
        .await
        .expect("connect");
    // Locks released at 0.7 and 1.3 deadlines: the first write (a
    // partner) ends at 0.7, the second (a topic) waits for its turn until
    // then and runs 0.6 more.
    let lock = |table: &'static str, after: Duration| {
        let other = other.clone();
        async move {
            let tx = other.begin().await.expect("begin");
            tx.execute_unprepared(&format!("LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
                .await
                .expect("lock");
            // The handle of the task that releases it.
            let release = tokio::spawn(async move {
                tokio::time::sleep(after).await;
                tx.commit().await.expect("unlock");
            });
            (release,)
        }
    };
    let (partners,) = lock("partners", DEADLINE.mul_f32(0.7)).await;
    let (topics,) = lock("topics", DEADLINE.mul_f32(1.3)).await;
    let patch = |path: &str, body: Value| {
        send(
            app.client
                .patch(format!("{}{path}", app.address))
                .bearer_auth(&key)
                .header("content-type", "application/merge-patch+json")
                .body(body.to_string()),
        )
    };
    let first = tokio::spawn(patch("/api/v1/partners/mwide", json!({"note": "first"})));
    tokio::time::sleep(DEADLINE.mul_f32(0.1)).await;
    let second = patch(
        "/api/v1/topics/digitalisierung",
        json!({"description_en": "second"}),
    )
    .await;
    let first = first.await.expect("task");
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(second.status, 200, "{}", second.body);
    partners.await.expect("partners unlocked");
    topics.await.expect("topics unlocked");
}
