//! Real answers conform to the contract (issue 15): answers of every read,
//! and its documented problems, validated against `/openapi.json` with
//! every field `required` as documented and `additionalProperties: false`
//! added to every object, by an independent JSON Schema validator (Python
//! `jsonschema`, a dependency of `openapi-spec-validator`, which `.ci/run`
//! installs).
use std::io::Write as _;

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::shared_tests;

shared_tests!(
    every_answer_conforms_to_its_documented_schema,
    the_documented_bounds_are_the_enforced_ones,
    a_malformed_path_is_a_documented_400_on_every_operation,
);

/// The documented schema of `operation`'s answer with `status`, if any.
fn documented(api: &Value, operation: &Value, status: u16) -> Option<Value> {
    let mut response = &operation["responses"][status.to_string()];
    if let Some(name) = response["$ref"].as_str() {
        response = &api["components"]["responses"][name.rsplit('/').next().unwrap()];
    }
    let content = response["content"].as_object()?;
    content.values().next().map(|c| c["schema"].clone())
}

/// Requests worth checking for a read at `template`: plain, paged with the
/// total, English; for items a few records; and a request it refuses.
async fn samples(app: &TestApp, template: &str, takes: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(collection) = template.strip_suffix("/{key}") {
        // Contacts and people have no list: a partner's records embed them.
        let name = collection.rsplit('/').next().unwrap_or_default();
        let embedded = matches!(name, "contacts" | "people");
        let list = if embedded {
            "/api/v1/partners?limit=100".to_owned()
        } else {
            format!("{collection}?limit=4")
        };
        let field = embedded.then_some(name);
        let listed: Value = app.get_json(&list).await;
        let mut records: Vec<Value> = listed["items"].as_array().cloned().unwrap_or_default();
        if let Some(field) = field {
            records = records
                .iter()
                .flat_map(|p| p[field].as_array().cloned().unwrap_or_default())
                .take(4)
                .collect();
        }
        for item in &records {
            let slug = item["slug"].as_str().unwrap_or_default();
            out.push(format!("{collection}/{slug}"));
            out.push(format!("{collection}/{slug}?lang=en"));
            out.push(format!("{collection}/{slug}?fields=slug"));
        }
        out.push(format!("{collection}/no-such-record"));
        return out;
    }
    if template.contains("{format}") {
        // Each format, and one that is not.
        let formats: &[&str] = match template.starts_with("/catalog") {
            true => &["ttl", "jsonld", "rdf", "xml"],
            false => &["json", "csv", "ndjson", "xlsx"],
        };
        return formats
            .iter()
            .map(|f| template.replace("{format}", f))
            .collect();
    }
    out.push(template.to_owned());
    if takes.iter().any(|t| t == "fields") {
        // A sparse page: its `…Fields` schema.
        out.push(format!("{template}?fields=id,slug&limit=3"));
    }
    if takes.iter().any(|t| t == "limit") {
        out.push(format!("{template}?limit=7&include_total=true"));
        out.push(format!("{template}?limit=3&lang=en"));
    }
    if takes.iter().any(|t| t == "q") {
        out.push(format!("{template}?q=Digitalisierung"));
        out.push(format!("{template}?q=Arbeit&limit=2"));
    }
    if template.starts_with("/api/v1/") {
        out.push(format!("{template}?no_such_parameter=1"));
    }
    out
}

async fn every_answer_conforms_to_its_documented_schema(app: TestApp) {
    if !crate::helpers::tool_available(
        "python3",
        &["-c", "import jsonschema"],
        "openapi-spec-validator (pip, with jsonschema)",
    ) {
        return;
    }
    let api = app.get_json("/openapi.json").await;
    let mut checks = Vec::new();
    for (template, item) in api["paths"].as_object().unwrap() {
        let Some(get) = item.get("get") else { continue };
        if get
            .get("security")
            .is_some_and(|s| !s.as_array().unwrap().is_empty())
        {
            continue;
        }
        if template == "/metrics" {
            continue; // text, not JSON
        }
        let takes: Vec<String> = get["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["name"].as_str().map(str::to_owned))
            .collect();
        for path in samples(&app, template, &takes).await {
            let response = app.get(&path).await;
            let status = response.status().as_u16();
            // Other representations than JSON (the catalogue's RDF
            // syntaxes, CSV, NDJSON): their media type is documented.
            let media_type = response.headers()["content-type"]
                .to_str()
                .unwrap()
                .to_owned();
            let essence = media_type.split(';').next().unwrap().trim().to_owned();
            if !essence.ends_with("json") || essence == "application/x-ndjson" {
                let documented = &get["responses"][status.to_string()]["content"][&essence];
                assert!(
                    documented.is_object(),
                    "{path}: {status} {essence} is not documented"
                );
                continue;
            }
            let body: Value = response.json().await.unwrap();
            let schema = documented(&api, get, status)
                .unwrap_or_else(|| panic!("{path}: status {status} is not documented"));
            checks.push(json!({"request": path, "status": status, "schema": schema, "body": body}));
        }
    }
    // The finder's POST, answered and refused.
    let matching = &api["paths"]["/api/v1/match"]["post"];
    for profile in [
        json!({"employees": 40, "topics": ["digitalisierung"], "explain": true}),
        json!({"need": "beratung"}),
        json!({"employees": "many"}),
    ] {
        let (status, body) = app.post_json("/api/v1/match", &profile).await;
        let schema = documented(&api, matching, status)
            .unwrap_or_else(|| panic!("match {profile}: status {status} is not documented"));
        checks.push(json!({"request": format!("POST /api/v1/match {profile}"), "status": status, "schema": schema, "body": body}));
    }
    assert!(checks.len() > 60, "{} answers checked", checks.len());
    // The documented examples (`examples.rs` keeps them real), held to the
    // same strict schemas as the answers.
    let mut examples = 0;
    for (template, item) in api["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let parts = operation["responses"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(status, response)| (status.as_str(), response))
                .chain(std::iter::once(("request", &operation["requestBody"])));
            for (status, part) in parts {
                let media = part["content"]
                    .as_object()
                    .into_iter()
                    .flat_map(|c| c.values());
                for media in media {
                    let values = media["examples"]
                        .as_object()
                        .into_iter()
                        .flat_map(|e| e.values());
                    for example in values {
                        examples += 1;
                        let example = crate::examples::resolve(&api, example);
                        checks.push(json!({
                            "request": format!("example of {} {template}", method.to_uppercase()),
                            "status": status, "schema": media["schema"], "body": example["value"],
                        }));
                    }
                }
            }
        }
    }
    assert!(examples >= 40, "{examples} examples checked");
    // The shipped records fit the write bodies the contract states (the
    // records of `POST`, the import format): the stated bounds are not
    // stricter than the data.
    let seed: Value = serde_json::from_str(include_str!("../../api/seed/seed.json")).unwrap();
    let mut records = 0;
    for (collection, items) in seed.as_object().unwrap() {
        let body = &api["paths"][format!("/api/v1/{collection}")]["post"]["requestBody"];
        let Some(schema) = body["content"]["application/json"].get("schema") else {
            continue;
        };
        for item in items.as_array().into_iter().flatten() {
            records += 1;
            checks.push(json!({
                "request": format!("seed record {collection}/{}", item["slug"]),
                "status": "request", "schema": schema, "body": item,
            }));
        }
    }
    assert!(records > 200, "{records} seed records checked");

    let input = json!({"components": api["components"], "checks": checks});
    let mut child = std::process::Command::new("python3")
        .args([
            "-c",
            r#"
import json, sys
from jsonschema import Draft202012Validator
data = json.load(sys.stdin)
components = data["components"]

def close(node):
    # Objects with declared properties take no others.
    if isinstance(node, dict):
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            close(value)
    elif isinstance(node, list):
        for value in node:
            close(value)

close(components)
failures = []
for check in data["checks"]:
    schema = dict(check["schema"])
    schema["components"] = components
    errors = sorted(Draft202012Validator(schema).iter_errors(check["body"]), key=str)
    for error in errors[:3]:
        path = "/".join(str(p) for p in error.absolute_path)
        failures.append(f'{check["request"]} ({check["status"]}) at /{path}: {error.message[:300]}')
print("\n".join(failures[:40]))
sys.exit(1 if failures else 0)
"#,
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "answers that do not match the contract:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The first value an enum parameter's items allow, resolving a `$ref`.
fn first_enum_value(api: &Value, schema: &Value) -> Option<String> {
    let schema = match schema["$ref"].as_str() {
        Some(r) => &api["components"]["schemas"][r.rsplit('/').next().unwrap()],
        None => schema,
    };
    schema["enum"][0].as_str().map(str::to_owned)
}

/// What the contract states about parameters holds: every `sort` value is
/// accepted; a list of vocabulary values takes `maxItems` values and not
/// one more; `q` takes `maxLength` characters and not one more, and not
/// zero.
async fn the_documented_bounds_are_the_enforced_ones(app: TestApp) {
    let api = app.get_json("/openapi.json").await;
    let mut checked = 0;
    for (path, item) in api["paths"].as_object().unwrap() {
        let Some(get) = item.get("get") else { continue };
        if path.contains('{') {
            continue;
        }
        // A required `q` (the search) is given unless it is what is tested.
        let q_required = get["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| p["name"] == "q" && p["required"] == true);
        for parameter in get["parameters"].as_array().into_iter().flatten() {
            let name = parameter["name"].as_str().unwrap();
            let schema = &parameter["schema"];
            let base = if q_required && name != "q" {
                "q=arbeit&"
            } else {
                ""
            };
            let status = |query: String| {
                let app = &app;
                async move {
                    app.get(&format!("{path}?{base}{query}"))
                        .await
                        .status()
                        .as_u16()
                }
            };
            if name == "sort" {
                for value in schema["enum"].as_array().unwrap() {
                    let value = value.as_str().unwrap();
                    assert_eq!(
                        status(format!("sort={value}")).await,
                        200,
                        "{path} sort={value}"
                    );
                }
                assert_eq!(status("sort=no_such_field".to_owned()).await, 400, "{path}");
                checked += 1;
            } else if schema["type"] == "array" {
                let Some(value) = first_enum_value(&api, &schema["items"]) else {
                    continue;
                };
                let max = schema["maxItems"].as_u64().unwrap() as usize;
                let list = |n: usize| format!("{name}={}", vec![value.as_str(); n].join(","));
                assert_eq!(status(list(max)).await, 200, "{path} {name} × {max}");
                assert_eq!(
                    status(list(max + 1)).await,
                    400,
                    "{path} {name} × {}",
                    max + 1
                );
                assert_eq!(status(format!("{name}=")).await, 400, "{path} empty {name}");
                checked += 1;
            } else if name == "q" {
                let max = schema["maxLength"].as_u64().unwrap() as usize;
                assert_eq!(
                    status(format!("q={}", "a".repeat(max))).await,
                    200,
                    "{path} q"
                );
                assert_eq!(
                    status(format!("q={}", "a".repeat(max + 1))).await,
                    400,
                    "{path} q"
                );
                assert_eq!(schema["minLength"], 1, "{path}");
                assert_eq!(status("q=".to_owned()).await, 400, "{path} empty q");
                // The pattern: no control character (here U+0085, a C1 one).
                assert!(
                    schema["pattern"].as_str().unwrap().contains("x7F-"),
                    "{path}"
                );
                assert_eq!(
                    status("q=a%C2%85b".to_owned()).await,
                    400,
                    "{path} q with C1"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 15, "{checked} parameters checked");
    // The finder's profile: `limit` and `need` as documented.
    let profile = &api["components"]["schemas"]["MatchProfile"]["properties"];
    assert_eq!(profile["limit"]["maximum"], 100);
    assert_eq!(profile["need"]["maxLength"], 2000);
    for (body, status) in [
        (json!({"region": "05711", "role": "sme", "limit": 100}), 200),
        (json!({"region": "05711", "role": "sme", "limit": 101}), 422),
        (json!({"region": "05711", "role": "sme", "limit": 0}), 422),
        (
            json!({"region": "05711", "role": "sme", "need": "a".repeat(2000)}),
            200,
        ),
        (
            json!({"region": "05711", "role": "sme", "need": "a".repeat(2001)}),
            422,
        ),
    ] {
        assert_eq!(
            app.post_json("/api/v1/match", &body).await.0,
            status,
            "{body}"
        );
    }
}

/// A path parameter of a template: `{key}`, `{format}`.
static PARAMETER: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| regex::Regex::new(r"\{[a-z_]+\}").unwrap());

/// Every operation on a path with a parameter documents the `400` a
/// malformed path gets (a control character, a bad `%` escape, not UTF-8),
/// and answers it, before authentication.
async fn a_malformed_path_is_a_documented_400_on_every_operation(app: TestApp) {
    let api = app.get_json("/openapi.json").await;
    let mut checked = 0;
    for (template, item) in api["paths"].as_object().unwrap() {
        if !template.contains('{') {
            continue;
        }
        for (method, operation) in item.as_object().unwrap() {
            assert!(
                operation["responses"]["400"].is_object(),
                "{method} {template}: 400 not documented"
            );
            for key in ["ab%01c", "ab%ZZc", "ab%FFc"] {
                let path = PARAMETER.replace_all(template, key).into_owned();
                let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let response = app
                    .client
                    .request(method.clone(), format!("{}{path}", app.address))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 400, "{method} {path}");
                let problem: Value = response.json().await.unwrap();
                assert_eq!(problem["code"], "bad_request", "{method} {path}");
                checked += 1;
            }
        }
    }
    // 6 collections × 5 operations + contacts and people × 4, 3 keys each.
    assert!(checked >= 90, "{checked} requests");
}
