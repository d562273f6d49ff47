//! Schemathesis (issue 15), the property-based contract tester, against a
//! freshly seeded server: the served OpenAPI document (its examples,
//! coverage, fuzzing and stateful phases, the writes included) and the
//! GraphQL schema at `/graphql`. All its checks must find nothing. Settings
//! that differ from Schemathesis's defaults, and why, are in
//! `tests/schemathesis/` (`schemathesis.toml`, `graphql.toml`, `hooks.py`). `.ci/run`
//! installs it; locally the tests skip when it is missing.
use std::path::PathBuf;
use std::process::Command;

use lotse::service::keys::{self, Scope};

use crate::helpers::{Backend, TestApp, tool_available};

fn config_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/schemathesis")
}

/// Runs Schemathesis with `config` (a file in `tests/schemathesis/`)
/// against `target` (a path of a fresh server of its
/// own: the writes change the data) with a key that may do everything:
/// the audit trail is for admin keys and the writes for write keys.
/// Returns its report when it found nothing and panics with it otherwise;
/// `None` when Schemathesis is not installed.
async fn schemathesis(config: &str, target: &str) -> Option<String> {
    if !tool_available("schemathesis", &["--version"], "schemathesis==4.32.5 (pip)") {
        return None;
    }
    let app = TestApp::private(Backend::Sqlite, true).await.unwrap();
    let key = keys::create(
        app.db(),
        "schemathesis",
        &[
            Scope::parse("admin").unwrap(),
            Scope::parse("write").unwrap(),
        ],
    )
    .await
    .unwrap();
    // Schemathesis keeps its example database in the working directory.
    let work = std::env::temp_dir().join(format!(
        "lotse-schemathesis-{config}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let address = app.address.clone();
    let url = format!("{address}{target}");
    let dir = work.clone();
    let config = config_dir().join(config);
    let output = tokio::task::spawn_blocking(move || {
        Command::new("schemathesis")
            .arg("--config-file")
            .arg(config)
            .arg("run")
            .arg(url)
            .args(["-H", &format!("Authorization: Bearer {key}")])
            .env("SCHEMATHESIS_HOOKS", config_dir().join("hooks.py"))
            .env("LOTSE_BASE_URL", &address)
            .env("NO_COLOR", "1")
            .current_dir(&dir)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let _ = std::fs::remove_dir_all(&work);
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "Schemathesis found problems ({}):\n{report}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    // Nothing failed (warnings, e.g. about test data, are not failures).
    assert!(!report.contains("❌"), "{report}");
    Some(report)
}

/// The numbers in Schemathesis's "Operations: N selected / M total" line.
fn operations(report: &str) -> Option<(usize, usize)> {
    let line = report
        .lines()
        .find_map(|line| line.trim().strip_prefix("Operations:"))?;
    let (selected, total) = line.split_once("selected /")?;
    let total = total.trim().trim_end_matches("total").trim();
    Some((selected.trim().parse().ok()?, total.parse().ok()?))
}

#[tokio::test]
async fn schemathesis_finds_nothing_in_the_rest_contract() {
    let Some(report) = schemathesis("schemathesis.toml", "/openapi.json").await else {
        return;
    };
    // It ran every phase on every operation, the writes included.
    for phase in ["Examples", "Coverage", "Fuzzing", "Stateful"] {
        assert!(
            report.contains(&format!("✅ {phase}")),
            "{phase}:\n{report}"
        );
    }
    let operations = operations(&report);
    assert!(
        matches!(operations, Some((selected, total)) if selected == total && total > 50),
        "{operations:?}\n{report}"
    );
}

#[tokio::test]
async fn schemathesis_finds_nothing_in_the_graphql_schema() {
    let Some(report) = schemathesis("graphql.toml", "/graphql").await else {
        return;
    };
    assert!(report.contains("✅ Fuzzing"), "{report}");
    // Every query field and every mutation.
    let operations = operations(&report);
    assert!(
        matches!(operations, Some((selected, total)) if selected == total && total >= 48),
        "{operations:?}\n{report}"
    );
}
