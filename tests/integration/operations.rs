//! Operations (issue 17): `/metrics` as Prometheus parses it, rate limits
//! per client, request ids and `Server-Timing`.
use std::io::Write as _;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp};

/// The families `/metrics` must hold, with their Prometheus types.
const FAMILIES: [(&str, &str); 16] = [
    ("lotse_http_requests", "counter"),
    ("lotse_http_request_duration_seconds", "histogram"),
    ("lotse_http_requests_in_flight", "gauge"),
    ("lotse_db_statements", "counter"),
    ("lotse_db_statement_duration_seconds", "histogram"),
    ("lotse_db_pool_connections", "gauge"),
    ("lotse_db_pool_max_connections", "gauge"),
    ("lotse_db_unavailable", "counter"),
    ("lotse_response_cache_requests", "counter"),
    ("lotse_rate_limit_rejections", "counter"),
    ("lotse_data_generation", "gauge"),
    ("lotse_data_version", "gauge"),
    ("lotse_data_version_lag", "gauge"),
    ("lotse_data_checked_age_seconds", "gauge"),
    ("lotse_graphql_documents", "gauge"),
    ("lotse_build_info", "gauge"),
];

/// `/metrics` parsed by the reference parser (Python `prometheus_client`),
/// as `{family: {"type": …, "samples": [[name, labels, value], …]}}`.
fn parse_with_prometheus_client(text: &str) -> Value {
    const SCRIPT: &str = r#"
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = {}
for family in text_string_to_metric_families(sys.stdin.read()):
    out[family.name] = {
        "type": family.type,
        "samples": [[s.name, s.labels, s.value] for s in family.samples],
    }
print(json.dumps(out))
"#;
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write");
    let output = child.wait_with_output().expect("parser output");
    assert!(
        output.status.success(),
        "prometheus_client could not parse /metrics (pip install prometheus_client): {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON")
}

/// The value of the sample `name` whose labels include `labels`.
fn sample(families: &Value, family: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    families[family]["samples"]
        .as_array()?
        .iter()
        .find(|s| s[0] == name && labels.iter().all(|(k, v)| s[1][*k].as_str() == Some(*v)))
        .and_then(|s| s[2].as_f64())
}

async fn metrics_parse_and_hold_every_family(app: TestApp) {
    // Some traffic first: a miss and a hit of the cache, a 404, a search.
    app.get("/api/v1/offers?limit=2&lang=en").await;
    app.get("/api/v1/offers?limit=2&lang=en").await;
    app.get("/api/v1/offers/no-such-offer").await;
    app.get("/api/v1/search?q=beratung").await;
    // Invented methods share one label (else each would add series).
    for n in 0..3 {
        let method = reqwest::Method::from_bytes(format!("ZZ{n}").as_bytes()).expect("a token");
        let response = app
            .client
            .request(method, format!("{}/api/v1/topics", app.address))
            .send()
            .await
            .expect("r");
        assert_eq!(response.status(), 405);
    }
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4"
    );
    let text = response.text().await.expect("text");
    let families = parse_with_prometheus_client(&text);
    for (family, kind) in FAMILIES {
        assert_eq!(families[family]["type"], kind, "{family} in {text}");
    }
    // Requests are labelled with their route template, not their path.
    let item = sample(
        &families,
        "lotse_http_requests",
        "lotse_http_requests_total",
        &[
            ("route", "/api/v1/offers/{key}"),
            ("method", "GET"),
            ("status", "404"),
        ],
    );
    assert!(
        item.is_some_and(|n| n >= 1.0),
        "{}",
        families["lotse_http_requests"]
    );
    assert!(
        !text.contains("ZZ0"),
        "a method a client made up is a label"
    );
    let other = sample(
        &families,
        "lotse_http_requests",
        "lotse_http_requests_total",
        &[
            ("method", "other"),
            ("route", "/api/v1/topics"),
            ("status", "405"),
        ],
    );
    assert_eq!(other, Some(3.0));
    assert!(
        !text.contains("no-such-offer"),
        "a path reached a label: cardinality would grow with the clients"
    );
    let observed = sample(
        &families,
        "lotse_http_request_duration_seconds",
        "lotse_http_request_duration_seconds_count",
        &[("route", "/api/v1/search")],
    );
    assert!(observed.is_some_and(|n| n >= 1.0));
    for outcome in ["hit", "miss"] {
        let n = sample(
            &families,
            "lotse_response_cache_requests",
            "lotse_response_cache_requests_total",
            &[("result", outcome)],
        );
        assert!(n.is_some_and(|n| n >= 1.0), "cache {outcome}");
    }
    let statements = sample(
        &families,
        "lotse_db_statements",
        "lotse_db_statements_total",
        &[],
    );
    assert!(statements.is_some_and(|n| n >= 1.0));
    let max = sample(
        &families,
        "lotse_db_pool_max_connections",
        "lotse_db_pool_max_connections",
        &[("pool", "primary")],
    );
    assert_eq!(max, Some(4.0), "the test apps' pool size");
    assert_eq!(
        sample(
            &families,
            "lotse_data_version_lag",
            "lotse_data_version_lag",
            &[]
        ),
        Some(0.0)
    );
    assert!(
        sample(
            &families,
            "lotse_data_generation",
            "lotse_data_generation",
            &[]
        )
        .is_some_and(|g| g >= 1.0)
    );
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        sample(
            &families,
            "lotse_build_info",
            "lotse_build_info",
            &[("version", version)]
        ),
        Some(1.0)
    );
}

/// One write through the API: `note` on partner `mags`, with a new key.
async fn write_a_note(app: &TestApp, note: &str) {
    let key = lotse::service::keys::create(app.db(), note, &[lotse::service::keys::Scope::Write])
        .await
        .expect("key");
    let response = app
        .client
        .patch(format!("{}/api/v1/partners/mags", app.address))
        .bearer_auth(&key)
        .header("content-type", "application/merge-patch+json")
        .body(json!({ "note": note }).to_string())
        .send()
        .await
        .expect("patch");
    assert_eq!(response.status(), 200);
}

/// A replica that has not caught up reports its lag in changes.
async fn metrics_report_a_replicas_lag(app: TestApp) {
    let replica = app
        .replica(|s| s.search_refresh = std::time::Duration::from_secs(3600))
        .await;
    let lag = |text: String| {
        let families = parse_with_prometheus_client(&text);
        sample(
            &families,
            "lotse_data_version_lag",
            "lotse_data_version_lag",
            &[],
        )
    };
    let before = replica.get("/metrics").await.text().await.expect("text");
    assert_eq!(lag(before), Some(0.0));
    write_a_note(&app, "lag test").await;
    let after = replica.get("/metrics").await.text().await.expect("text");
    assert_eq!(lag(after), Some(1.0), "one change the replica has not seen");
}

/// Hammering past the anonymous quota: 429 problems with `Retry-After`
/// and the IETF fields; another client (a key, another address behind a
/// trusted proxy) is unaffected; probes are never limited.
async fn rate_limits_apply_per_client(app: TestApp) {
    let get = |forwarded_for: &'static str| {
        app.client
            .get(format!("{}/api/v1/topics", app.address))
            .header("x-forwarded-for", forwarded_for)
    };
    let first = get("203.0.113.1").send().await.expect("request");
    assert_eq!(first.status(), 200);
    assert_eq!(
        first.headers()["ratelimit-policy"],
        "\"anonymous\";q=5;w=60"
    );
    assert_eq!(first.headers()["ratelimit"], "\"anonymous\";r=4;t=12");
    for _ in 0..4 {
        assert_eq!(get("203.0.113.1").send().await.expect("r").status(), 200);
    }
    let refused = get("203.0.113.1").send().await.expect("request");
    assert_eq!(refused.status(), 429);
    assert_eq!(
        refused.headers()["content-type"],
        "application/problem+json"
    );
    let retry: u64 = refused.headers()["retry-after"]
        .to_str()
        .expect("text")
        .parse()
        .expect("seconds");
    assert!((1..=12).contains(&retry), "Retry-After {retry}");
    let state = refused.headers()["ratelimit"]
        .to_str()
        .expect("text")
        .to_owned();
    assert!(state.starts_with("\"anonymous\";r=0;t="), "{state}");
    let problem: Value = refused.json().await.expect("problem");
    assert_eq!(problem["code"], "rate_limited");
    assert_eq!(problem["status"], 429);

    // A browser asking for a page reads the refusal as a page, with the
    // same fields.
    let page = app
        .client
        .get(format!("{}/finder", app.address))
        .header("x-forwarded-for", "203.0.113.1")
        .header("accept", "text/html")
        .header("accept-language", "de")
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 429);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert!(page.headers().contains_key("retry-after"));
    assert_eq!(page.headers()["ratelimit-policy"], "\"anonymous\";q=5;w=60");
    let text = page.text().await.expect("page");
    assert!(text.contains("Zu viele Anfragen"), "{text}");

    // Another address behind the trusted proxy (127.0.0.1) is its own client.
    assert_eq!(get("203.0.113.2").send().await.expect("r").status(), 200);
    // Probes are not limited.
    assert_eq!(app.get("/health").await.status(), 200);
    // A valid key has its own quota; a made-up one is anonymous.
    let key =
        lotse::service::keys::create(app.db(), "portal", &[lotse::service::keys::Scope::Write])
            .await
            .expect("key");
    let keyed = get("203.0.113.1")
        .bearer_auth(&key)
        .send()
        .await
        .expect("r");
    assert_eq!(keyed.status(), 200);
    assert_eq!(keyed.headers()["ratelimit-policy"], "\"key\";q=50;w=60");
    let forged = get("203.0.113.1")
        .bearer_auth(
            "lotse_000000000000_0000000000000000000000000000000000000000000000000000000000000000",
        )
        .send()
        .await
        .expect("r");
    assert_eq!(
        forged.status(),
        429,
        "a forged key gets no quota of its own"
    );

    // Keys cost the database a lookup only within the address's quota, and
    // a key once looked up is not looked up again: past it, neither a
    // repeated nor a made-up key costs a statement.
    let statements = || async {
        let text = app.get("/metrics").await.text().await.expect("text");
        let families = parse_with_prometheus_client(&text);
        sample(
            &families,
            "lotse_db_statements",
            "lotse_db_statements_total",
            &[("pool", "primary")],
        )
        .expect("lotse_db_statements_total")
    };
    for _ in 0..5 {
        assert_eq!(get("203.0.113.7").send().await.expect("r").status(), 200);
    }
    let before = statements().await;
    let made_up = |n: usize| format!("lotse_{n:012}_{}", "1".repeat(64));
    for n in std::iter::repeat_n(0, 3).chain(1..=10) {
        let response = get("203.0.113.7")
            .bearer_auth(made_up(n))
            .send()
            .await
            .expect("r");
        assert_eq!(response.status(), 429, "made-up key {n}");
        assert_eq!(
            response.headers()["ratelimit-policy"],
            "\"anonymous\";q=5;w=60"
        );
    }
    assert_eq!(
        statements().await - before,
        5.0,
        "one lookup for the repeated key, four more for new ones, then none"
    );

    let families =
        parse_with_prometheus_client(&app.get("/metrics").await.text().await.expect("text"));
    let rejected = sample(
        &families,
        "lotse_rate_limit_rejections",
        "lotse_rate_limit_rejections_total",
        &[("client", "anonymous")],
    );
    assert_eq!(rejected, Some(16.0));
}

/// Without a trusted proxy, `X-Forwarded-For` is the client's word: it
/// cannot buy a fresh quota.
async fn forwarded_for_from_strangers_is_ignored(app: TestApp) {
    for n in 0..5 {
        let response = app
            .client
            .get(format!("{}/api/v1/topics", app.address))
            .header("x-forwarded-for", format!("198.51.100.{n}"))
            .send()
            .await
            .expect("r");
        assert_eq!(response.status(), 200);
    }
    let response = app
        .client
        .get(format!("{}/api/v1/topics", app.address))
        .header("x-forwarded-for", "198.51.100.99")
        .send()
        .await
        .expect("r");
    assert_eq!(response.status(), 429);
}

async fn request_ids_are_taken_when_sane_and_timings_are_sent(app: TestApp) {
    let with_id = |id: &str| {
        app.client
            .get(format!("{}/api/v1/search?q=robotik", app.address))
            .header("x-request-id", id.to_owned())
            .header("cache-control", "no-cache")
    };
    let kept = with_id("portal-7f3a.42").send().await.expect("r");
    assert_eq!(kept.headers()["x-request-id"], "portal-7f3a.42");
    let timing = kept.headers()["server-timing"]
        .to_str()
        .expect("text")
        .to_owned();
    for metric in ["db;dur=", "search;dur=", "render;dur=", "total;dur="] {
        assert!(timing.contains(metric), "{timing}");
    }
    let search_ms: f64 = timing
        .split(", ")
        .find_map(|m| m.strip_prefix("search;dur="))
        .and_then(|v| v.parse().ok())
        .expect("search duration");
    assert!(search_ms > 0.0, "the search was timed: {timing}");
    for insane in ["a b", "\"quoted\"", &"x".repeat(129), "ümlaut"] {
        let response = with_id(insane).send().await.expect("r");
        let echoed = response.headers()["x-request-id"]
            .to_str()
            .expect("text")
            .to_owned();
        assert_ne!(echoed, insane);
        assert!(!echoed.is_empty() && echoed.len() <= 128, "{echoed}");
    }
    let generated = app.get("/api/v1/topics").await;
    assert!(!generated.headers()["x-request-id"].is_empty());
}

/// GraphQL's body limit is a problem document too.
async fn oversized_graphql_body_is_a_413_problem(app: TestApp) {
    let query = format!(
        "{{ offers(first: 1) {{ nodes {{ slug }} }} }} #{}",
        "x".repeat(2 << 20)
    );
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("r");
    assert_eq!(response.status(), 413);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = response.json().await.expect("problem");
    assert_eq!(problem["code"], "payload_too_large");
}

/// Statements run by each pool so far: `(primary, replica)`.
async fn statements_by_pool(app: &TestApp) -> (f64, f64) {
    let families =
        parse_with_prometheus_client(&app.get("/metrics").await.text().await.expect("text"));
    let of = |pool| {
        sample(
            &families,
            "lotse_db_statements",
            "lotse_db_statements_total",
            &[("pool", pool)],
        )
        .unwrap_or(0.0)
    };
    (of("primary"), of("replica"))
}

/// With `--database-read-url`, reads run on the read pool and writes on the
/// primary. (Both URLs name the test database here: what is checked is which
/// pool the app sends each statement to, as its metrics count them.)
async fn reads_go_to_the_read_pool_and_writes_to_the_primary(app: TestApp) {
    let families =
        parse_with_prometheus_client(&app.get("/metrics").await.text().await.expect("text"));
    for pool in ["primary", "replica"] {
        let max = sample(
            &families,
            "lotse_db_pool_max_connections",
            "lotse_db_pool_max_connections",
            &[("pool", pool)],
        );
        assert_eq!(max, Some(4.0), "{pool} pool");
    }
    let before = statements_by_pool(&app).await;
    for path in [
        "/api/v1/partners?limit=3",
        "/api/v1/offers/arbeit-2020-begleitung",
        "/api/v1/changes?limit=3",
    ] {
        let response = app
            .client
            .get(format!("{}{path}", app.address))
            .header("cache-control", "no-cache")
            .send()
            .await
            .expect("read");
        assert_eq!(response.status(), 200, "{path}");
    }
    let read = statements_by_pool(&app).await;
    assert_eq!(read.0, before.0, "a read ran on the primary");
    assert!(read.1 > before.1, "no read ran on the read pool");

    write_a_note(&app, "pool test").await;
    let written = statements_by_pool(&app).await;
    assert!(written.0 > read.0, "the write did not run on the primary");
}

/// With `--admin-addr`, `/metrics` is served there only, and the admin
/// listener serves nothing but the operations endpoints.
async fn the_admin_listener_serves_operations_only(app: TestApp) {
    let admin = app.admin.clone().expect("an admin listener");
    assert_eq!(app.get("/metrics").await.status(), 404);
    assert_eq!(app.get("/api/v1/topics").await.status(), 200);
    let get = |path: &'static str| app.client.get(format!("{admin}{path}")).send();
    let metrics = get("/metrics").await.expect("metrics");
    assert_eq!(metrics.status(), 200);
    let families = parse_with_prometheus_client(&metrics.text().await.expect("text"));
    assert_eq!(families["lotse_build_info"]["type"], "gauge");
    assert_eq!(get("/health").await.expect("health").status(), 200);
    assert_eq!(get("/ready").await.expect("ready").status(), 200);
    for path in ["/api/v1/topics", "/graphql", "/docs/"] {
        let response = app
            .client
            .get(format!("{admin}{path}"))
            .send()
            .await
            .expect("r");
        assert_eq!(response.status(), 404, "{path} on the admin listener");
    }
}

crate::shared_tests!(
    metrics_parse_and_hold_every_family,
    request_ids_are_taken_when_sane_and_timings_are_sent,
    oversized_graphql_body_is_a_413_problem,
);

crate::private_tests!(seeded: true; metrics_report_a_replicas_lag);

crate::private_tests!(
    seeded: true;
    configured: |s: &mut lotse::config::Settings| s.database_read_url = Some(s.database_url.clone());
    reads_go_to_the_read_pool_and_writes_to_the_primary
);

crate::private_tests!(
    seeded: true;
    configured: |s: &mut lotse::config::Settings| s.admin_addr = Some("127.0.0.1:0".into());
    the_admin_listener_serves_operations_only
);

/// A PostgreSQL app with a read deadline of 300 ms (and the rate limiter
/// on), and another session's transaction holding `table` locked, so that
/// reads of it outlive their deadline. `None` without PostgreSQL.
async fn app_past_its_deadline(table: &str) -> Option<(TestApp, sea_orm::DatabaseTransaction)> {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let Some(app) = TestApp::private_with(Backend::Postgres, true, |s| {
        s.request_timeout = std::time::Duration::from_millis(300);
        s.rate_limit_anonymous = 1000;
    })
    .await
    else {
        eprintln!("skipped: {} is not set", crate::helpers::POSTGRES_ENV);
        return None;
    };
    let other = sea_orm::Database::connect(app.database_url())
        .await
        .expect("connect");
    let lock = other.begin().await.expect("begin");
    lock.execute_unprepared(&format!("LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
        .await
        .expect("lock");
    Some((app, lock))
}

/// A page past its deadline is an error page for a browser, with the
/// headers of the problem it stands for.
#[tokio::test]
async fn a_page_past_its_deadline_is_an_error_page() {
    // The home page reads the latest changes.
    let Some((app, lock)) = app_past_its_deadline("changes").await else {
        return;
    };
    let response = app
        .client
        .get(format!("{}/?lang=en", app.address))
        .header("accept", "text/html")
        .header("cache-control", "no-cache")
        .header("origin", "https://portal.example")
        .send()
        .await
        .expect("page");
    assert_eq!(response.status(), 503);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["content-language"], "en");
    assert_eq!(headers["retry-after"], "5");
    assert_eq!(headers["cache-control"], "no-store");
    assert!(headers.contains_key("content-security-policy"));
    assert!(headers.contains_key("x-request-id"));
    assert!(headers.contains_key("ratelimit"));
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://portal.example"
    );
    let text = response.text().await.expect("page");
    assert!(text.contains("Temporarily unavailable"), "{text}");
    assert!(text.contains("timeout"), "the problem's code: {text}");
    // A client that is no browser still gets the problem.
    let response = app
        .client
        .get(format!("{}/", app.address))
        .header("accept", "application/json")
        .header("cache-control", "no-cache")
        .send()
        .await
        .expect("JSON");
    assert_eq!(response.status(), 503);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    lock.rollback().await.expect("unlock");
}

/// A request that outlives `--request-timeout-secs` is answered 503
/// `timeout` with `Retry-After` (PostgreSQL: a lock held by another session
/// keeps the read waiting).
#[tokio::test]
async fn a_request_past_its_deadline_is_a_503_problem() {
    let Some((app, lock)) = app_past_its_deadline("partners").await else {
        return;
    };
    let started = std::time::Instant::now();
    let response = app
        .client
        .get(format!("{}/api/v1/partners?limit=3", app.address))
        .header("cache-control", "no-cache")
        .header("x-request-id", "deadline-test-1")
        .header("origin", "https://portal.example")
        .send()
        .await
        .expect("r");
    let took = started.elapsed();
    assert_eq!(response.status(), 503);
    assert!(took < std::time::Duration::from_secs(3), "{took:?}");
    let headers = response.headers().clone();
    assert_eq!(headers["retry-after"], "5");
    // Answered inside the middleware chain, as every other answer.
    assert_eq!(headers["x-request-id"], "deadline-test-1");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    // A page of another origin can read it, and pace itself by it.
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://portal.example"
    );
    let exposed = headers["access-control-expose-headers"]
        .to_str()
        .expect("ASCII")
        .to_ascii_lowercase();
    assert!(exposed.contains("retry-after"), "{exposed}");
    assert_eq!(headers["ratelimit-policy"], "\"anonymous\";q=1000;w=60");
    let state = headers["ratelimit"].to_str().expect("ASCII");
    assert!(state.starts_with("\"anonymous\";r="), "{state}");
    let timing = headers["server-timing"].to_str().expect("ASCII");
    assert!(timing.contains("total;dur="), "{timing}");
    let problem: Value = response.json().await.expect("problem");
    assert_eq!(problem["code"], "timeout");
    assert_eq!(
        problem["detail"],
        "the request took longer than the server's limit of 300 ms and was stopped"
    );

    // A POSTed GraphQL query has the same deadline (a mutation does not).
    for accept in ["application/json", "application/graphql-response+json"] {
        let started = std::time::Instant::now();
        let response = app
            .client
            .post(format!("{}/graphql", app.address))
            .header("accept", accept)
            .json(&json!({"query": "{ partners(first: 3) { nodes { slug } } }"}))
            .send()
            .await
            .expect("GraphQL");
        let took = started.elapsed();
        assert!(
            took < std::time::Duration::from_secs(3),
            "{accept}: {took:?}"
        );
        let expected = match accept {
            "application/json" => 200,
            _ => 503,
        };
        assert_eq!(response.status(), expected, "{accept}");
        assert_eq!(response.headers()["retry-after"], "5", "{accept}");
        let body: Value = response.json().await.expect("GraphQL JSON");
        assert_eq!(body["errors"][0]["extensions"]["code"], "timeout", "{body}");
        assert_eq!(body["data"], Value::Null, "{body}");
    }

    // A GET query: a GraphQL error too, not a problem.
    let response = app
        .client
        .get(format!("{}/graphql?query=%7B%20partners(first%3A%202)%20%7B%20nodes%20%7B%20slug%20%7D%20%7D%20%7D", app.address))
        .send()
        .await
        .expect("GraphQL GET");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.expect("GraphQL JSON");
    assert_eq!(body["errors"][0]["extensions"]["code"], "timeout", "{body}");

    // Counted under the route's template, with the GraphQL ones.
    let metrics = app.get("/metrics").await.text().await.expect("metrics");
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("lotse_http_requests_total{")
                && l.contains(r#"route="/api/v1/partners""#)
                && l.contains(r#"status="503""#)),
        "{metrics}"
    );
    let unavailable = metrics
        .lines()
        .find_map(|l| l.strip_prefix("lotse_db_unavailable_total "))
        .and_then(|v| v.parse::<f64>().ok());
    assert_eq!(unavailable, Some(4.0), "{metrics}");

    lock.rollback().await.expect("release");
    let after = app.get("/api/v1/partners?limit=3").await;
    assert_eq!(after.status(), 200);
    // The stopped answers were not kept: the same queries answer now.
    let again: Value = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("accept", "application/json")
        .json(&json!({"query": "{ partners(first: 3) { nodes { slug } } }"}))
        .send()
        .await
        .expect("GraphQL")
        .json()
        .await
        .expect("JSON");
    assert!(again.get("errors").is_none(), "a cached timeout: {again}");
    let again = app
        .get("/graphql?query=%7B%20partners(first%3A%202)%20%7B%20nodes%20%7B%20slug%20%7D%20%7D%20%7D")
        .await;
    let again: Value = again.json().await.expect("JSON");
    assert!(again.get("errors").is_none(), "a cached timeout: {again}");
}

mod rate_limits {
    use super::*;

    async fn limited(backend: Backend, proxies: &[&str]) -> Option<TestApp> {
        let proxies: Vec<ipnet::IpNet> = proxies
            .iter()
            .map(|p| lotse::ops::client::parse_network(p).expect("network"))
            .collect();
        TestApp::private_with(backend, true, |s| {
            s.rate_limit_anonymous = 5;
            s.rate_limit_key = 50;
            s.trusted_proxies = proxies;
        })
        .await
    }

    #[tokio::test]
    async fn per_client_sqlite() {
        let app = limited(Backend::Sqlite, &["127.0.0.1"])
            .await
            .expect("SQLite");
        super::rate_limits_apply_per_client(app).await;
    }

    #[tokio::test]
    async fn per_client_postgres() {
        match limited(Backend::Postgres, &["127.0.0.1"]).await {
            Some(app) => super::rate_limits_apply_per_client(app).await,
            None => eprintln!("skipped: {} is not set", crate::helpers::POSTGRES_ENV),
        }
    }

    #[tokio::test]
    async fn untrusted_forwarding_sqlite() {
        let app = limited(Backend::Sqlite, &[]).await.expect("SQLite");
        super::forwarded_for_from_strangers_is_ignored(app).await;
    }
}
