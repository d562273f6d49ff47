//! Response examples: one real answer of the seeded server per operation,
//! kept in `examples.json` next to this file and shown in the document as
//! the success response's example `seeded`, whose summary names the request
//! it answers.
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
use utoipa::openapi::{OpenApi, RefOr};

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

/// Sets the `example` of every operation's success answer that has a body.
/// A file that does not parse adds none (a test fails on it first).
pub fn attach(api: &mut OpenApi) {
    let Ok(examples) = serde_json::from_str::<BTreeMap<String, Captured>>(EXAMPLES) else {
        return;
    };
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
            let summary = if shown.starts_with(method) {
                format!(
                    "The answer to `{method} {}` on the seeded data",
                    captured.request
                )
            } else {
                format!(
                    "The record as `GET {}` shows it: a write answers with the record it wrote, in this form",
                    captured.request
                )
            };
            for (status, response) in operation.responses.responses.iter_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                if !status.starts_with('2') {
                    continue;
                }
                // The JSON answer; `/metrics` has only its text one.
                if let Some(RefOr::T(content)) = response.content.values_mut().next() {
                    let seeded = example(summary.clone(), captured.body.clone());
                    content.examples.insert(NAME.to_owned(), seeded);
                }
            }
            // The request that gave the answer, where it has a body.
            let request = match operation.request_body.as_mut() {
                Some(RefOr::T(body)) => body.content.values_mut().next(),
                _ => None,
            };
            if let (Some(body), Some(RefOr::T(request))) = (&captured.request_body, request) {
                let summary = "The request whose answer is shown".to_owned();
                request
                    .examples
                    .insert(NAME.to_owned(), example(summary, body.clone()));
            }
        }
    }
}
