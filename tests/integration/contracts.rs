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
