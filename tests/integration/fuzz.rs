//! Schemathesis (issue 15), the property-based contract tester, against
//! the served OpenAPI document of a freshly seeded server: its examples,
//! coverage, fuzzing and stateful phases and all its checks must find
//! nothing. Settings that differ from Schemathesis's defaults, and why, are
//! in `tests/schemathesis/` (`schemathesis.toml`, `hooks.py`). `.ci/run`
//! installs it; locally the test skips when it is missing.
use std::path::PathBuf;
use std::process::Command;

use lotse::service::keys::{self, Scope};

use crate::helpers::{Backend, TestApp, tool_available};

fn config_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/schemathesis")
}

#[tokio::test]
async fn schemathesis_finds_nothing_in_the_rest_contract() {
    if !tool_available("schemathesis", &["--version"], "schemathesis==4.32.5 (pip)") {
        return;
    }
    // Its own database: the stateful phase follows links, and later the
    // writes will change the data.
    let app = TestApp::private(Backend::Sqlite, true).await.unwrap();
    // The audit trail is for admin keys and the writes for write keys;
    // with one key of both scopes, every operation is reached.
    let admin = keys::create(
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
    let work = std::env::temp_dir().join(format!("lotse-schemathesis-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let address = app.address.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("schemathesis")
            .arg("--config-file")
            .arg(config_dir().join("schemathesis.toml"))
            .arg("run")
            .arg(format!("{address}/openapi.json"))
            .args(["-H", &format!("Authorization: Bearer {admin}")])
            .env("SCHEMATHESIS_HOOKS", config_dir().join("hooks.py"))
            .env("LOTSE_BASE_URL", &address)
            .env("NO_COLOR", "1")
            .current_dir(&work)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let _ = std::fs::remove_dir_all(
        std::env::temp_dir().join(format!("lotse-schemathesis-{}", std::process::id())),
    );
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "Schemathesis found problems:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // It ran the phases, not nothing.
    assert!(report.contains("No issues found"), "{report}");
    assert!(report.contains("Stateful"), "{report}");
}
