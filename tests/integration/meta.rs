//! `/`, `/health`, `/ready`, `/docs`, `/openapi.json` and unknown routes.
use crate::helpers::TestApp;
use crate::shared_tests;

shared_tests!(
    health_answers_ok,
    ready_reports_the_database,
    root_counts_match_the_lists,
    docs_are_served_without_internet,
    openapi_is_3_1_and_documents_every_route,
    unknown_routes_are_404_problems,
);

async fn health_answers_ok(app: TestApp) {
    let body = app.get_json("/health").await;
    assert_eq!(body["status"], "ok");
}

async fn ready_reports_the_database(app: TestApp) {
    let body = app.get_json("/ready").await;
    assert_eq!(body["status"], "ready");
    assert_eq!(body["database"], "ok");
}

async fn root_counts_match_the_lists(app: TestApp) {
    let root = app.get_json("/").await;
    assert_eq!(root["name"], "Lotse");
    assert_eq!(
        root["license"],
        "Datenlizenz Deutschland – Namensnennung 2.0"
    );
    for collection in [
        "partners", "regions", "topics", "projects", "offers", "meetings",
    ] {
        let all = app.collect_all(&format!("/api/v1/{collection}"), 100).await;
        assert_eq!(
            root["counts"][collection].as_u64(),
            Some(all.len() as u64),
            "{collection}"
        );
        assert!(!all.is_empty(), "{collection} is seeded");
    }
    let api = root["links"]["api"].as_str().unwrap();
    assert!(api.starts_with(&app.address), "{api}");
}

async fn docs_are_served_without_internet(app: TestApp) {
    let redirect = app.get("/docs").await;
    assert_eq!(redirect.status(), 308);
    assert_eq!(redirect.headers()["location"], "/docs/");

    let page = app.get("/docs/").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    // Every asset the page loads is served by us (vendored), none from a CDN.
    assert!(
        !html.contains("://"),
        "the page must not load remote assets: {html}"
    );
    for asset in [
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-initializer.js",
    ] {
        let response = app.get(&format!("/docs/{asset}")).await;
        assert_eq!(response.status(), 200, "{asset}");
    }
    let init = app
        .get("/docs/swagger-initializer.js")
        .await
        .text()
        .await
        .unwrap();
    assert!(init.contains("/openapi.json"), "{init}");
    // Swagger UI's validator badge would ask validator.swagger.io on any
    // host but localhost: it is off.
    assert!(
        init.contains(r#""validatorUrl": "none""#) || init.contains(r#""validatorUrl":"none""#),
        "{init}"
    );
}

async fn openapi_is_3_1_and_documents_every_route(app: TestApp) {
    let doc = app.get_json("/openapi.json").await;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/",
        "/health",
        "/ready",
        "/api/v1/partners",
        "/api/v1/partners/{key}",
        "/api/v1/regions",
        "/api/v1/regions/{key}",
        "/api/v1/topics",
        "/api/v1/topics/{key}",
        "/api/v1/projects",
        "/api/v1/projects/{key}",
        "/api/v1/offers",
        "/api/v1/offers/{key}",
        "/api/v1/meetings",
        "/api/v1/meetings/{key}",
    ] {
        let op = &paths
            .get(path)
            .unwrap_or_else(|| panic!("{path} is not documented"))["get"];
        assert!(
            op["description"].is_string() || op["summary"].is_string(),
            "{path} has no description"
        );
        assert!(
            op["responses"]["200"].is_object(),
            "{path} has no 200 response"
        );
    }
    let offer_params: Vec<&str> = paths["/api/v1/offers"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in [
        "topic",
        "region",
        "target_group",
        "kind",
        "cost",
        "provider",
        "project",
        "open_on",
        "q",
        "updated_since",
        "limit",
        "cursor",
        "include_total",
        "sort",
        "lang",
    ] {
        assert!(
            offer_params.contains(&name),
            "offers list does not document `{name}`"
        );
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}

async fn unknown_routes_are_404_problems(app: TestApp) {
    let body = app.get_problem("/api/v1/nothing-here", 404).await;
    assert_eq!(body["code"], "not_found");
    let response = app
        .client
        .post(format!("{}/api/v1/offers", app.address))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
}

crate::private_tests!(seeded: false; ready_is_503_when_the_database_is_gone);

async fn ready_is_503_when_the_database_is_gone(app: TestApp) {
    let response = app.get("/health").await;
    assert!(
        response.headers().get("x-request-id").is_some(),
        "every response carries a request id"
    );
    app.get_json("/ready").await;
    // Closing the app's pool stands in for a database that went away.
    app.db().close_by_ref().await.unwrap();
    let problem = app.get_problem("/ready", 503).await;
    assert_eq!(problem["code"], "unavailable");
    // Liveness does not depend on the database.
    app.get_json("/health").await;
}

/// Swagger UI renders the API in a headless browser that can reach nothing
/// but this server: every asset is served by the app itself.
#[tokio::test]
async fn docs_render_in_a_headless_browser_without_network() {
    let Some(dom) = crate::helpers::render_headless(&format!(
        "{}/docs/",
        TestApp::shared(crate::helpers::Backend::Sqlite)
            .unwrap()
            .address
    ))
    .await
    else {
        return;
    };
    assert!(
        dom.contains("Lotse – Wirtschaft und Arbeit 4.0"),
        "Swagger UI did not render the API title; DOM: {dom}"
    );
    assert!(dom.contains("/api/v1/offers"), "the operations are listed");
    assert!(dom.contains("opblock"), "operation blocks are rendered");
}

/// The served document passes an independent OpenAPI 3.1 validator
/// (the Python `openapi-spec-validator`, installed by `.ci/run`).
#[tokio::test]
async fn openapi_passes_an_independent_3_1_validator() {
    use std::io::Write;
    if !crate::helpers::tool_available(
        "python3",
        &["-c", "import openapi_spec_validator"],
        "openapi-spec-validator (pip)",
    ) {
        return;
    }
    let app = TestApp::shared(crate::helpers::Backend::Sqlite).unwrap();
    let document = app.get("/openapi.json").await.text().await.unwrap();
    let mut child = std::process::Command::new("python3")
        .args([
            "-c",
            "import json, sys\n\
             from openapi_spec_validator import validate\n\
             from openapi_spec_validator.versions.shortcuts import get_spec_version\n\
             d = json.load(sys.stdin)\n\
             assert str(get_spec_version(d)) == 'OpenAPIV3.1', get_spec_version(d)\n\
             validate(d)",
        ])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(document.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "/openapi.json is not valid OpenAPI 3.1: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
