//! The committed contracts in `schema/` (OpenAPI, GraphQL SDL) must match the code.
//! `UPDATE_CONTRACTS=1 cargo test` rewrites them.
use std::path::PathBuf;

fn schema_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schema")
}

#[test]
fn openapi_json_matches_the_code() {
    let generated = lotse::openapi::openapi_json().unwrap();
    let path = schema_dir().join("openapi.json");
    if std::env::var_os("UPDATE_CONTRACTS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schema/openapi.json is out of date: run `UPDATE_CONTRACTS=1 cargo test --workspace` \
         (or `cargo run -- export-schema`) and commit the result"
    );
}

#[test]
fn schema_graphql_matches_the_code() {
    let generated = lotse::graphql::sdl();
    let path = schema_dir().join("schema.graphql");
    if std::env::var_os("UPDATE_CONTRACTS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schema/schema.graphql is out of date: run `UPDATE_CONTRACTS=1 cargo test --workspace` \
         (or `cargo run -- export-schema`) and commit the result"
    );
}

/// The linters of `.ci/tools` (pinned Redocly CLI and Spectral), when
/// installed (`npm ci --prefix .ci/tools`; CI does it), or `None`.
fn lint_tools() -> Option<PathBuf> {
    let bin = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.ci/tools/node_modules/.bin");
    if bin.join("redocly").exists() && bin.join("spectral").exists() {
        return Some(bin);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must install the contract linters: npm ci --prefix .ci/tools"
    );
    eprintln!("skipped: run `npm ci --prefix .ci/tools` to lint the OpenAPI contract");
    None
}

/// The OpenAPI contract has no problem for Redocly's `recommended` ruleset
/// (errors and warnings alike) nor for Spectral's `spectral:oas` (issue 15).
#[test]
fn openapi_json_passes_redocly_and_spectral() {
    let Some(bin) = lint_tools() else { return };
    let tools = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.ci/tools");
    let contract = schema_dir().join("openapi.json");

    let redocly = std::process::Command::new(bin.join("redocly"))
        .arg("lint")
        .arg(&contract)
        .arg("--config")
        .arg(tools.join("redocly.yaml"))
        .args(["--format", "json"])
        .env("REDOCLY_TELEMETRY", "off")
        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
        .output()
        .expect("run redocly");
    let report: serde_json::Value = serde_json::from_slice(&redocly.stdout).unwrap_or_else(|_| {
        panic!(
            "redocly said: {}{}",
            String::from_utf8_lossy(&redocly.stdout),
            String::from_utf8_lossy(&redocly.stderr)
        )
    });
    let totals = &report["totals"];
    assert!(
        totals["errors"] == 0 && totals["warnings"] == 0,
        "Redocly found problems: {totals}\n{:#}",
        report["problems"]
    );

    let spectral = std::process::Command::new(bin.join("spectral"))
        .arg("lint")
        .arg(&contract)
        .arg("--ruleset")
        .arg(tools.join("spectral.yaml"))
        .args(["--fail-severity", "warn"])
        .output()
        .expect("run spectral");
    assert!(
        spectral.status.success(),
        "Spectral found problems:\n{}{}",
        String::from_utf8_lossy(&spectral.stdout),
        String::from_utf8_lossy(&spectral.stderr)
    );
}

/// Every type, field, argument, input field and enum value of the SDL says
/// what it is (issue 15), the `…Connection` of each list included (our own
/// type now: async-graphql's could not be given a description).
#[test]
fn every_part_of_the_graphql_schema_is_described() {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let sdl = lotse::graphql::sdl();
    let document = async_graphql::parser::parse_schema(&sdl).unwrap();
    let mut undescribed = Vec::new();
    for definition in &document.definitions {
        let TypeSystemDefinition::Type(ty) = definition else {
            continue;
        };
        let ty = &ty.node;
        let name = ty.name.node.as_str();
        if ty.description.is_none() {
            undescribed.push(name.to_owned());
        }
        match &ty.kind {
            TypeKind::Object(object) => {
                for field in &object.fields {
                    let field = &field.node;
                    if field.description.is_none() {
                        undescribed.push(format!("{name}.{}", field.name.node));
                    }
                    for arg in &field.arguments {
                        if arg.node.description.is_none() {
                            undescribed.push(format!(
                                "{name}.{}({})",
                                field.name.node, arg.node.name.node
                            ));
                        }
                    }
                }
            }
            TypeKind::InputObject(input) => {
                for field in &input.fields {
                    if field.node.description.is_none() {
                        undescribed.push(format!("{name}.{}", field.node.name.node));
                    }
                }
            }
            TypeKind::Enum(values) => {
                for value in &values.values {
                    if value.node.description.is_none() {
                        undescribed.push(format!("{name}.{}", value.node.value.node));
                    }
                }
            }
            _ => {}
        }
    }
    assert!(
        undescribed.is_empty(),
        "without a description: {undescribed:?}"
    );
}
