//! The process topology of `docker-compose.yml` without Docker (issue 17):
//! two `lotse serve` processes on one PostgreSQL behind Debian's nginx,
//! configured by `deploy/nginx/lotse.conf` (rendered by
//! `deploy/nginx/render.sh` with local addresses).
//!
//! Runs when `LOTSE_TEST_POSTGRES_URL` is set and nginx is installed (CI
//! installs it; elsewhere the test says it skipped).
#![allow(clippy::expect_used, clippy::unwrap_used)] // test code: a failure is the test failing
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{Response, Server, free_port, get, request};

/// How long a write through one replica may take to reach the other: the
/// replicas below poll the change log every second
/// (`--search-refresh-secs 1`); the rest is slack for a loaded machine.
const BOUND: Duration = Duration::from_secs(6);

/// A database of its own on the test PostgreSQL, dropped afterwards.
struct Database {
    admin: String,
    name: String,
    url: String,
}

impl Database {
    fn create(admin: &str) -> Database {
        let name = format!("lotse_test_topology_{}", std::process::id());
        psql(
            admin,
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        );
        psql(admin, &format!("CREATE DATABASE {name}"));
        let mut url = url::Url::parse(admin).expect("LOTSE_TEST_POSTGRES_URL is a URL");
        url.set_path(&name);
        Database {
            admin: admin.to_owned(),
            url: url.to_string(),
            name,
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([
                &self.admin,
                "-qc",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .output();
    }
}

fn psql(url: &str, sql: &str) {
    let output = Command::new("psql")
        .args([url, "-qc", sql])
        .output()
        .expect("psql runs");
    assert!(
        output.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// nginx in the foreground with the rendered configuration, stopped when
/// dropped.
struct Nginx {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Nginx {
    fn start(upstreams: [u16; 2]) -> Nginx {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("lotse-nginx-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("nginx directory");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/nginx/render.sh");
        let rendered = Command::new("sh")
            .arg(&script)
            .args([
                format!("127.0.0.1:{}", upstreams[0]),
                format!("127.0.0.1:{}", upstreams[1]),
                port.to_string(),
            ])
            .arg(dir.join("cache"))
            .arg(dir.join("access.log"))
            .arg(&dir)
            .output()
            .expect("render.sh runs");
        assert!(
            rendered.status.success(),
            "render.sh: {}",
            String::from_utf8_lossy(&rendered.stderr)
        );
        let conf = dir.join("nginx.conf");
        let checked = Command::new("nginx")
            .arg("-t")
            .arg("-c")
            .arg(&conf)
            .arg("-p")
            .arg(&dir)
            .output()
            .expect("nginx -t runs");
        assert!(
            checked.status.success(),
            "nginx -t: {}",
            String::from_utf8_lossy(&checked.stderr)
        );
        let child = Command::new("nginx")
            .arg("-c")
            .arg(&conf)
            .arg("-p")
            .arg(&dir)
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx starts");
        let nginx = Nginx { child, port, dir };
        let started = Instant::now();
        while get(port, "/health").is_none_or(|r| r.status != 200) {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "nginx does not answer"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        nginx
    }
}

fn nginx_available() -> bool {
    let ok = Command::new("nginx")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install nginx (see .ci/run)"
        );
        eprintln!("skipped: nginx is not installed (apt-get install nginx)");
    }
    ok
}

/// `lotse_http_requests_total` of `route`, summed over methods and statuses,
/// read from a replica's own `/metrics`.
fn requests_served(port: u16, route: &str) -> f64 {
    let metrics = get(port, "/metrics").expect("metrics");
    let label = format!("route=\"{route}\"");
    metrics
        .body
        .lines()
        .filter(|l| l.starts_with("lotse_http_requests_total{") && l.contains(&label))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

const OFFER: &str = "/api/v1/offers/tbs-beratung";
const WORD: &str = "Quantenwerkstatt";

fn match_score(port: u16) -> Option<f64> {
    let profile = format!(r#"{{"region": "05711", "role": "works_council", "need": "{WORD}"}}"#);
    let answer = request(
        port,
        "POST",
        "/api/v1/match",
        &[("Content-Type", "application/json")],
        &profile,
    )
    .expect("match");
    assert_eq!(answer.status, 200, "{}", answer.body);
    let body: serde_json::Value = serde_json::from_str(&answer.body).expect("JSON");
    body["items"]
        .as_array()?
        .iter()
        .find(|m| m["offer"]["slug"] == "tbs-beratung")
        .and_then(|m| m["score"].as_f64())
}

/// What replica `port` shows of the write: (item, search, match).
fn sees_the_write(port: u16, score_before: Option<f64>) -> (bool, bool, bool) {
    let item = get(port, OFFER).expect("item");
    let search = get(port, &format!("/api/v1/search?q={WORD}")).expect("search");
    (
        item.body.contains(WORD),
        search.body.contains("tbs-beratung"),
        match_score(port) > score_before,
    )
}

fn via_nginx(nginx: &Nginx, path: &str, headers: &[(&str, &str)]) -> Response {
    request(nginx.port, "GET", path, headers, "").expect("an answer from nginx")
}

#[test]
fn two_replicas_behind_nginx_balance_cache_and_stay_consistent() {
    let Ok(admin) = std::env::var("LOTSE_TEST_POSTGRES_URL") else {
        eprintln!("skipped: LOTSE_TEST_POSTGRES_URL is not set");
        return;
    };
    if !nginx_available() {
        return;
    }
    let database = Database::create(&admin);
    let args = [
        "--workers",
        "2",
        "--search-refresh-secs",
        "1",
        "--trusted-proxies",
        "127.0.0.1",
    ];
    // The first start migrates and seeds; the second finds both done.
    let a = Server::start(&database.url, &args);
    let b = Server::start(&database.url, &args);
    let nginx = Nginx::start([a.port, b.port]);

    // nginx stores public reads: the second GET is its hit.
    let first = via_nginx(&nginx, OFFER, &[]);
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.header("x-cache-status"), Some("MISS"));
    let second = via_nginx(&nginx, OFFER, &[]);
    assert_eq!(second.header("x-cache-status"), Some("HIT"));
    assert_eq!(first.header("etag"), second.header("etag"));
    // A hit carries this request's id, not the first client's timings.
    let third = via_nginx(&nginx, OFFER, &[("X-Request-Id", "client-b")]);
    assert_eq!(third.header("x-cache-status"), Some("HIT"));
    assert_eq!(third.header("x-request-id"), Some("client-b"));
    assert_eq!(third.header("server-timing"), None);

    // Fresh reads (no-cache) are balanced over both replicas.
    for _ in 0..20 {
        let answer = via_nginx(&nginx, "/api/v1/topics", &[("Cache-Control", "no-cache")]);
        assert_eq!(answer.status, 200);
        assert_ne!(answer.header("x-cache-status"), Some("HIT"));
    }
    let (on_a, on_b) = (
        requests_served(a.port, "/api/v1/topics"),
        requests_served(b.port, "/api/v1/topics"),
    );
    assert_eq!(on_a + on_b, 20.0, "every request reached one replica");
    assert!(on_a >= 1.0 && on_b >= 1.0, "balanced: A {on_a}, B {on_b}");
    // nginx does not expose a replica's metrics.
    assert_eq!(via_nginx(&nginx, "/metrics", &[]).status, 404);

    // A write through A reaches B within the bound: the item, search and
    // the match ranking (B's caches included: warm them first).
    let score_before = match_score(b.port);
    assert_eq!(sees_the_write(b.port, score_before), (false, false, false));
    let key = Command::new(common::LOTSE)
        .args([
            "--database-url",
            &database.url,
            "keys",
            "create",
            "--name",
            "topology",
            "--scope",
            "write",
        ])
        .output()
        .expect("lotse keys create");
    assert!(key.status.success());
    let key = String::from_utf8(key.stdout)
        .expect("text")
        .trim()
        .to_owned();
    let patch = format!(
        r#"{{"summary_de": "Betriebsräte gestalten in der {WORD} den digitalen Wandel.", "summary_en": "Works councils shape the digital transformation in the {WORD}."}}"#
    );
    let written = request(
        a.port,
        "PATCH",
        OFFER,
        &[
            ("Authorization", &format!("Bearer {key}")),
            ("Content-Type", "application/merge-patch+json"),
        ],
        &patch,
    )
    .expect("patch");
    assert_eq!(written.status, 200, "{}", written.body);
    let at = Instant::now();
    loop {
        let seen = sees_the_write(b.port, score_before);
        if seen == (true, true, true) {
            break;
        }
        assert!(at.elapsed() < BOUND, "B after {:?}: {seen:?}", at.elapsed());
        std::thread::sleep(Duration::from_millis(100));
    }
    // Through nginx, a fresh read shows it whichever replica answers.
    let fresh = via_nginx(&nginx, OFFER, &[("Cache-Control", "no-cache")]);
    assert!(fresh.body.contains(WORD));

    // One replica gone: nginx sends everything to the other.
    drop(a);
    for _ in 0..6 {
        let answer = via_nginx(&nginx, "/api/v1/topics", &[("Cache-Control", "no-cache")]);
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
}
