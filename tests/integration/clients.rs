//! Generated clients (issue 15): a TypeScript client (openapi-typescript)
//! and a Python client (openapi-python-client) are generated from the
//! served contract and type-checked strictly (`tsc --strict`, `mypy
//! --strict`), and the Python client is driven against the server. The
//! tools are installed by `.ci/run` (npm `.ci/tools`, pip); locally the
//! test skips when they are missing. The generated code is not committed.
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::helpers::{Backend, TestApp, tool_available as available};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn run(command: &mut Command, what: &str) -> String {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn work_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lotse-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn a_generated_typescript_client_type_checks_strictly() {
    let bin = repo().join(".ci/tools/node_modules/.bin");
    if !available(bin.join("tsc"), &["--version"], "npm ci --prefix .ci/tools") {
        return;
    }
    let app = TestApp::shared(Backend::Sqlite).unwrap();
    let dir = work_dir("ts-client");
    let document = app.get("/openapi.json").await.text().await.unwrap();
    std::fs::write(dir.join("openapi.json"), document).unwrap();
    std::fs::copy(repo().join("tests/clients/usage.ts"), dir.join("usage.ts")).unwrap();
    run(
        Command::new(bin.join("openapi-typescript"))
            .arg(dir.join("openapi.json"))
            .arg("-o")
            .arg(dir.join("lotse.d.ts")),
        "openapi-typescript",
    );
    run(
        Command::new(bin.join("tsc"))
            .args([
                "--strict", "--noEmit", "--target", "es2022", "--module", "es2022",
            ])
            .args(["--moduleResolution", "bundler"])
            .arg(dir.join("usage.ts"))
            .arg(dir.join("lotse.d.ts")),
        "tsc --strict",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_generated_python_client_type_checks_and_reads_the_api() {
    let python = PathBuf::from("python3");
    let install = "pip install openapi-python-client mypy (see .ci/run)";
    if !available(&python, &["-m", "mypy", "--version"], install)
        || !available(Path::new("openapi-python-client"), &["--version"], install)
    {
        return;
    }
    let app = TestApp::shared(Backend::Sqlite).unwrap();
    let dir = work_dir("py-client");
    let document = app.get("/openapi.json").await.text().await.unwrap();
    // What the API serves, read first: the tools below take seconds, longer
    // than the server keeps an idle connection of this client's pool.
    let listed = app
        .get_json("/api/v1/offers?topic=digitalisierung,qualifizierung&target_group=works_council,sme&limit=50")
        .await;
    let slugs: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["slug"].as_str().unwrap())
        .collect();
    let searched = app
        .get_json("/api/v1/search?q=F%C3%B6rderung&limit=5")
        .await;
    let all = app.get_json("/api/v1/offers?limit=50").await;

    std::fs::write(dir.join("openapi.json"), document).unwrap();
    run(
        Command::new("openapi-python-client")
            .args(["generate", "--meta", "none", "--path"])
            .arg(dir.join("openapi.json"))
            .arg("--output-path")
            .arg(dir.join("lotse_client")),
        "openapi-python-client generate",
    );
    std::fs::copy(repo().join("tests/clients/drive.py"), dir.join("drive.py")).unwrap();
    run(
        Command::new(&python)
            .args(["-m", "mypy", "--config-file"])
            .arg(repo().join("tests/clients/mypy.ini"))
            .args(["lotse_client", "drive.py"])
            .current_dir(&dir),
        "mypy --strict",
    );
    let printed = run(
        Command::new(&python)
            .arg("drive.py")
            .arg(&app.address)
            .current_dir(&dir),
        "the Python client",
    );
    let got: Value = serde_json::from_str(printed.trim()).unwrap();
    // What the client read is what the API serves.
    let client_slugs: Vec<&str> = got["offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(!slugs.is_empty());
    assert_eq!(client_slugs, slugs);
    assert_eq!(got["offer"], slugs[0]);
    let hits: Vec<&Value> = searched["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| &h["slug"])
        .collect();
    assert_eq!(
        got["hits"].as_array().unwrap().iter().collect::<Vec<_>>(),
        hits
    );
    // The sparse page the client parsed holds the page's records.
    let all_slugs: Vec<&Value> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["slug"])
        .collect();
    assert_eq!(
        got["sparse"].as_array().unwrap().iter().collect::<Vec<_>>(),
        all_slugs
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// graphql-codegen's `typescript` and `typescript-operations` output for
/// the committed SDL and the dashboard operations of `tests/clients/`, with
/// the README's scalar mapping and `strictScalars` (a scalar without a
/// mapping fails generation), type-checks with `tsc --strict`; the same
/// operations run against the server without errors.
#[tokio::test]
async fn graphql_codegen_types_check_strictly_with_the_documented_scalars() {
    let bin = repo().join(".ci/tools/node_modules/.bin");
    if !available(
        bin.join("graphql-codegen"),
        &["--version"],
        "npm ci --prefix .ci/tools",
    ) {
        return;
    }
    let app = TestApp::shared(Backend::Sqlite).unwrap();
    let operations =
        std::fs::read_to_string(repo().join("tests/clients/operations.graphql")).unwrap();
    for name in ["OffersForWorksCouncils", "Changes"] {
        let (status, answer) = app
            .post_json(
                "/graphql",
                &serde_json::json!({ "query": operations, "operationName": name }),
            )
            .await;
        assert_eq!(status, 200, "{name}: {answer}");
        assert!(answer.get("errors").is_none(), "{name}: {answer}");
        assert!(answer["data"].is_object(), "{name}: {answer}");
    }
    let dir = work_dir("gql-codegen");
    for file in ["codegen.yml", "operations.graphql", "operations.ts"] {
        std::fs::copy(repo().join("tests/clients").join(file), dir.join(file)).unwrap();
    }
    std::fs::copy(
        repo().join("schema/schema.graphql"),
        dir.join("schema.graphql"),
    )
    .unwrap();
    run(
        Command::new(bin.join("graphql-codegen"))
            .args(["--config", "codegen.yml"])
            // Its plugins are found through NODE_PATH, not from the work dir.
            .env("NODE_PATH", repo().join(".ci/tools/node_modules"))
            .current_dir(&dir),
        "graphql-codegen",
    );
    let types = std::fs::read_to_string(dir.join("schema-types.ts")).unwrap();
    for scalar in ["Date", "DateTime", "UUID"] {
        assert!(
            types.contains(&format!("{scalar}: {{ input: string; output: string; }}")),
            "{scalar} is not mapped to string:\n{types}"
        );
    }
    run(
        Command::new(bin.join("tsc"))
            .args([
                "--strict", "--noEmit", "--target", "es2022", "--module", "es2022",
            ])
            .args(["--moduleResolution", "bundler"])
            .arg(dir.join("operations.ts"))
            .arg(dir.join("schema-types.ts"))
            .arg(dir.join("operation-types.ts")),
        "tsc --strict",
    );
    let _ = std::fs::remove_dir_all(&dir);
}
