//! Response examples: one real answer of the seeded server per operation,
//! kept in `examples.json` next to this file and shown in the document as
//! the success response's example `seeded` (a reference into
//! `components.examples`, where each answer is kept once), whose summary
//! names the request it answers.
//!
//! The answers are captured, not written by hand: `UPDATE_CONTRACTS=1 cargo
//! test -p integration-tests --test integration -- examples` replays each
//! entry's `request` against a freshly seeded server and stores what it
//! answered; without `UPDATE_CONTRACTS` the same test checks that the
//! stored answers are still what the server says (timestamps and ETags
//! aside) and every example validates strictly against its schema.
//! Rejected: examples in the `#[utoipa::path]` annotations, which would
//! be hand-written copies that drift from the data.
//!
//! A write answers with the record as its `GET` shows it, so a `POST`,
//! `PUT` or `PATCH` of a collection shows the example of the collection's
//! item read.
use std::collections::BTreeMap;

use utoipa::openapi::example::{Example, ExampleBuilder};
use utoipa::openapi::{OpenApi, Ref, RefOr};

/// The captured answers, by operation (`GET /api/v1/offers`).
const EXAMPLES: &str = include_str!("examples.json");

/// One captured answer.
#[derive(serde::Deserialize)]
struct Captured {
    /// The request target it answers, e.g. `/api/v1/offers?limit=2`.
    request: String,
    /// The request's body, if it has one.
    request_body: Option<serde_json::Value>,
    /// The answer's body (a string for a text answer).
    body: serde_json::Value,
}

/// The name of the example in each `examples` map: from the seeded data.
const NAME: &str = "seeded";

fn example(summary: String, value: serde_json::Value) -> RefOr<Example> {
    RefOr::T(
        ExampleBuilder::new()
            .summary(summary)
            .value(Some(value))
            .build(),
    )
}

/// The operation whose example a write shows: the item read of its
/// collection (`POST /api/v1/offers`, `PUT /api/v1/offers/{key}` →
/// `GET /api/v1/offers/{key}`).
fn shown_by(method: &str, path: &str) -> String {
    match method {
        "GET" => format!("GET {path}"),
        _ if path.ends_with("/{key}") => format!("GET {path}"),
        // `POST /api/v1/match` is a read with a body: its own example.
        "POST" if path == "/api/v1/match" => format!("POST {path}"),
        _ => format!("GET {path}/{{key}}"),
    }
}

/// The component name of an operation's captured answer:
/// `GET /api/v1/offers/{key}` → `GET_api_v1_offers_key`, `GET /` →
/// `GET_root` (OpenAPI 3.1
/// §4.8.7.1: component names are `^[a-zA-Z0-9.\-_]+$`).
fn component_name(operation: &str) -> String {
    let name: String = operation
        .chars()
        .filter(|c| !matches!(c, '{' | '}'))
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let name = name.trim_end_matches('_').replace("__", "_");
    // `GET /` has no path segment to name it by.
    if name.contains('_') {
        name
    } else {
        format!("{name}_root")
    }
}

/// Adds every captured answer once to `components.examples`, and to every
/// operation's success answer with a body a reference to the answer it
/// shows, as its example `seeded` (a `POST`/`PUT`/`PATCH` shows its item
/// read: writing a record answers with it as read). `POST /api/v1/match`
/// also shows the profile that gave its answer. A file that does not parse
/// adds none (a test fails on it first).
pub fn attach(api: &mut OpenApi) {
    let Ok(examples) = serde_json::from_str::<BTreeMap<String, Captured>>(EXAMPLES) else {
        return;
    };
    let components = api.components.get_or_insert_with(Default::default);
    for (operation, captured) in &examples {
        let (method, _) = operation.split_once(' ').unwrap_or_default();
        let summary = format!(
            "The answer to `{method} {}` on the seeded data",
            captured.request
        );
        let name = component_name(operation);
        components
            .examples
            .insert(name.clone(), example(summary, captured.body.clone()));
        if let Some(body) = &captured.request_body {
            let summary = format!(
                "The request body of `{method} {}` whose answer is shown",
                captured.request
            );
            components
                .examples
                .insert(format!("{name}_request"), example(summary, body.clone()));
        }
    }
    let reference = |name: String| RefOr::Ref(Ref::new(format!("#/components/examples/{name}")));
    for (path, item) in api.paths.paths.iter_mut() {
        let operations = [
            ("GET", item.get.as_mut()),
            ("POST", item.post.as_mut()),
            ("PUT", item.put.as_mut()),
            ("PATCH", item.patch.as_mut()),
        ];
        for (method, operation) in operations {
            let Some(operation) = operation else { continue };
            let shown = shown_by(method, path);
            let Some(captured) = examples.get(&shown) else {
                continue;
            };
            let name = component_name(&shown);
            for (status, response) in operation.responses.responses.iter_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                if !status.starts_with('2') {
                    continue;
                }
                // The JSON answer (a list also answers in CSV, an item in
                // JSON-LD); `/metrics` has only its text one.
                let json = match response.content.contains_key("application/json") {
                    true => response.content.get_mut("application/json"),
                    false => response.content.values_mut().next(),
                };
                if let Some(RefOr::T(content)) = json {
                    content
                        .examples
                        .insert(NAME.to_owned(), reference(name.clone()));
                }
            }
            let request = match operation.request_body.as_mut() {
                Some(RefOr::T(body)) => body.content.values_mut().next(),
                _ => None,
            };
            if let (Some(_), Some(RefOr::T(request))) = (&captured.request_body, request) {
                request
                    .examples
                    .insert(NAME.to_owned(), reference(format!("{name}_request")));
            }
        }
    }
}
