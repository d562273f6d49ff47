//! Response examples (issue 15): every operation with a success body shows
//! an example in the contract, and each example is what a freshly seeded
//! server really answers to the request stored with it
//! (`api/src/openapi/examples.json`). `UPDATE_CONTRACTS=1` re-captures
//! them; then rebuild and run it again so that `schema/openapi.json`
//! holds the new examples. Strict schema validation of the examples is in
//! `conformance.rs`.
use std::collections::BTreeMap;
use std::path::PathBuf;

use lotse::service::keys::{self, Scope};
use serde_json::Value;

use crate::helpers::{Backend, TestApp};

fn examples_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../api/src/openapi/examples.json")
}

/// Fields whose values differ from one seeding to the next.
const VOLATILE_FIELDS: &[&str] = &["created_at", "updated_at", "changed_at", "etag"];

/// Answers that change by themselves (counters, clocks, the audit trail of
/// this very run): stored as captured, only validated against their schema.
const VOLATILE_ANSWERS: &[&str] = &[
    "GET /metrics",
    "GET /api/v1/audit",
    "GET /health",
    "GET /ready",
    // Its stamps are the seeding's time, its URLs the server's address.
    "GET /calendar.ics",
];

/// Lines of `/metrics` kept in its example: the first families, enough to
/// show the format.
const METRICS_LINES: usize = 12;

fn masked(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, inner)| {
                    let inner = if VOLATILE_FIELDS.contains(&key.as_str()) {
                        Value::String("…".into())
                    } else {
                        masked(inner)
                    };
                    (key.clone(), inner)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(masked).collect()),
        other => other.clone(),
    }
}

/// `node`, or what its `$ref` names (`#/components/examples/…`).
pub fn resolve<'a>(api: &'a Value, node: &'a Value) -> &'a Value {
    match node["$ref"].as_str() {
        Some(reference) => reference
            .strip_prefix("#/")
            .unwrap_or(reference)
            .split('/')
            .fold(api, |at, part| &at[part]),
        None => node,
    }
}

/// The operations of the contract whose success answer has a body, as
/// `METHOD /path`.
fn operations_with_bodies(api: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (path, item) in api["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                if !status.starts_with('2') {
                    continue;
                }
                if let Some(content) = response["content"].as_object() {
                    // The captured answers are JSON; other representations
                    // (CSV pages, JSON-LD, the catalogue's RDF syntaxes)
                    // have none, but an answer in one text format only
                    // (`/metrics`) has one.
                    let json = content.get("application/json");
                    let only = (content.len() == 1)
                        .then(|| content.values().next())
                        .flatten();
                    if let Some(media) = json.or(only) {
                        let seeded = resolve(api, &media["examples"]["seeded"]);
                        out.push((
                            format!("{} {path} ({status})", method.to_uppercase()),
                            seeded["value"].clone(),
                        ));
                    }
                }
            }
        }
    }
    out
}

#[tokio::test]
async fn every_operation_shows_a_real_answer_as_its_example() {
    let api = serde_json::to_value(lotse::openapi::openapi()).unwrap();
    let missing: Vec<String> = operations_with_bodies(&api)
        .into_iter()
        .filter(|(_, example)| example.is_null())
        .map(|(operation, _)| operation)
        .collect();
    let update = std::env::var_os("UPDATE_CONTRACTS").is_some();
    assert!(
        update || missing.is_empty(),
        "operations without an example (add an entry with its `request` to \
         api/src/openapi/examples.json, then run with UPDATE_CONTRACTS=1): {missing:?}"
    );

    let mut examples: BTreeMap<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(examples_file()).unwrap()).unwrap();
    let app = TestApp::private(Backend::Sqlite, true).await.unwrap();
    // One write, so that the audit trail has an entry to show.
    let editor = keys::create(app.db(), "redaktion", &[Scope::parse("write").unwrap()])
        .await
        .unwrap();
    let admin = keys::create(app.db(), "aufsicht", &[Scope::parse("admin").unwrap()])
        .await
        .unwrap();
    let patched = app
        .client
        .patch(format!("{}/api/v1/topics/innovation", app.address))
        .bearer_auth(&editor)
        .header("content-type", "application/merge-patch+json")
        .body(r#"{"label_en": "Innovation and research"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);

    let mut stale = Vec::new();
    for (operation, entry) in examples.iter_mut() {
        let request = entry["request"].as_str().unwrap().to_owned();
        let url = format!("{}{request}", app.address);
        let builder = if operation.starts_with("POST ") {
            app.client.post(&url).json(&entry["request_body"])
        } else if operation == "GET /api/v1/audit" {
            app.client.get(&url).bearer_auth(&admin)
        } else {
            app.client.get(&url)
        };
        let response = builder.send().await.unwrap();
        let status = response.status();
        let json = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/json"));
        // The documented server, not this test's port.
        let text = response
            .text()
            .await
            .unwrap()
            .replace(&app.address, lotse::openapi::DEFAULT_SERVER);
        assert!(
            status.is_success(),
            "{operation} {request}: {status} {text}"
        );
        let body = if json {
            serde_json::from_str(&text).unwrap()
        } else {
            let lines: Vec<&str> = text.lines().take(METRICS_LINES).collect();
            Value::String(lines.join("\n") + "\n")
        };
        if update {
            entry["body"] = body;
        } else if !VOLATILE_ANSWERS.contains(&operation.as_str())
            && masked(&entry["body"]) != masked(&body)
        {
            stale.push(operation.clone());
        }
    }
    if update {
        let text = serde_json::to_string_pretty(&examples).unwrap() + "\n";
        std::fs::write(examples_file(), text).unwrap();
        return;
    }
    assert!(
        stale.is_empty(),
        "examples no longer what the server answers: {stale:?}; run with UPDATE_CONTRACTS=1, \
         rebuild, run again, and commit api/src/openapi/examples.json and schema/openapi.json"
    );
}
