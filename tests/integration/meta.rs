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
    assert_eq!(root["license"], "Datenlizenz Deutschland – Namensnennung 2.0");
    for collection in ["partners", "regions", "topics", "projects", "offers", "meetings"] {
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
    assert!(!html.contains("://"), "the page must not load remote assets: {html}");
    for asset in ["swagger-ui.css", "swagger-ui-bundle.js", "swagger-initializer.js"] {
        let response = app.get(&format!("/docs/{asset}")).await;
        assert_eq!(response.status(), 200, "{asset}");
    }
    let init = app.get("/docs/swagger-initializer.js").await.text().await.unwrap();
    assert!(init.contains("/openapi.json"), "{init}");
}

async fn openapi_is_3_1_and_documents_every_route(app: TestApp) {
    let doc = app.get_json("/openapi.json").await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
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
        assert!(op["description"].is_string() || op["summary"].is_string(), "{path} has no description");
        assert!(op["responses"]["200"].is_object(), "{path} has no 200 response");
    }
    let offer_params: Vec<&str> = paths["/api/v1/offers"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in [
        "topic", "region", "target_group", "kind", "cost", "provider", "project", "open_on", "q",
        "updated_since", "limit", "cursor", "include_total", "sort", "lang",
    ] {
        assert!(offer_params.contains(&name), "offers list does not document `{name}`");
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
    assert_eq!(response.headers()["content-type"], "application/problem+json");
}
