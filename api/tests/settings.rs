//! Configuration is checked at start (issue 17): a bad value stops the
//! process before it serves, with a line naming the setting, and no panic.
#![allow(clippy::expect_used, clippy::unwrap_used)] // test code: a failure is the test failing
use std::process::Command;
use std::time::{Duration, Instant};

mod common;

/// Runs `lotse serve` with `args` and `env`, expecting it to refuse; its
/// standard error.
fn refused(args: &[&str], env: &[(&str, &str)]) -> String {
    let db = std::env::temp_dir().join(format!("lotse-settings-{}.db", std::process::id()));
    let started = Instant::now();
    // The defaults of the run, unless the case sets them itself.
    let given = |flag: &str| args.contains(&flag);
    let database = format!("sqlite://{}?mode=rwc", db.display());
    let mut defaults: Vec<&str> = Vec::new();
    if !given("--database-url") {
        defaults.extend(["--database-url", &database]);
    }
    defaults.push("serve");
    if !given("--addr") {
        defaults.extend(["--addr", "127.0.0.1:0"]);
    }
    let output = Command::new(common::LOTSE)
        .args(&defaults)
        .args(args)
        .envs(env.iter().copied())
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success(), "{args:?} {env:?} was accepted");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{args:?}: refused only after {:?}",
        started.elapsed()
    );
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    stderr
}

#[test]
fn bad_values_stop_the_start_naming_the_setting() {
    // (arguments, environment, what the first line of the error names)
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        (
            &["--rate-limit-per-minute", "many"],
            &[],
            "--rate-limit-per-minute",
        ),
        (
            &["--db-acquire-timeout-ms", "0"],
            &[],
            "--db-acquire-timeout-ms",
        ),
        (
            &["--db-statement-timeout-ms=-5"],
            &[],
            "--db-statement-timeout-ms",
        ),
        (&["--ready-timeout-ms", "1h"], &[], "--ready-timeout-ms"),
        (
            &["--request-timeout-secs", "0"],
            &[],
            "--request-timeout-secs",
        ),
        (
            &["--trusted-proxies", "10.0.0.0/33"],
            &[],
            "--trusted-proxies",
        ),
        (&["--trusted-proxies", "nginx"], &[], "--trusted-proxies"),
        (&["--slow-request-ms", "0"], &[], "--slow-request-ms"),
        (&["--public-url", "ftp://example.org"], &[], "--public-url"),
        (
            &[],
            &[("LOTSE_RATE_LIMIT_KEY_PER_MINUTE", "lots")],
            "--rate-limit-key-per-minute",
        ),
        (
            &[],
            &[("LOTSE_SHUTDOWN_TIMEOUT_SECS", "forever")],
            "--shutdown-timeout-secs",
        ),
        (&["--admin-addr", "not an address"], &[], "--admin-addr"),
        // Well-formed, but not an address of this machine: refused at bind.
        (&["--admin-addr", "192.0.2.1:9090"], &[], "--admin-addr"),
        (&["--addr", "127.0.0.1:http"], &[], "--addr"),
        (
            &["--database-read-url", "mysql://db/lotse"],
            &[],
            "--database-read-url",
        ),
        // Well-formed, but nothing listens there.
        (
            &["--database-url", "postgres://lotse@127.0.0.1:1/lotse"],
            &[],
            "--database-url",
        ),
        (
            &[
                "--addr",
                "127.0.0.1:18099",
                "--admin-addr",
                "127.0.0.1:18099",
            ],
            &[],
            "--admin-addr",
        ),
        (
            &[
                "--cors-write-origins",
                "https://ok.example.org,redaktion.example.org",
            ],
            &[],
            "--cors-write-origins",
        ),
        (
            &["--cors-write-origins", "https://redaktion.example.org/pfad"],
            &[],
            "--cors-write-origins",
        ),
        (
            &["--cache-max-age", "18446744073709551615"],
            &[],
            "--cache-max-age",
        ),
        (
            &["--database-read-url", "sqlite://replica.db"],
            &[],
            "--database-read-url",
        ),
        // Not a directory it can keep an index in.
        (&["--index-dir", "/dev/null/index"], &[], "--index-dir"),
    ];
    for (args, env, named) in cases {
        let stderr = refused(args, env);
        let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        assert!(
            first.contains(named),
            "{args:?} {env:?}: the first line does not name {named}: {stderr}"
        );
    }
}
