//! How often a request asks the database (issue 12): a page is answered
//! with one statement at most, whatever it filters by or embeds; an offer
//! page with none: its rows, links and totals come from the snapshot's
//! corpus, related
//! records (providers, projects, topics, regions, a partner's contacts and
//! people) from its reference data, not from a query per kind of relation.
//!
//! Each private test app checks the data's generation on every request
//! (refresh interval zero): one `SELECT MAX(seq)` per request, counted
//! below as `CHECK`.
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::private_tests;

private_tests!(seeded: true;
    pages_and_items_ask_the_database_a_fixed_small_number_of_times,
    stats_are_counted_once_per_generation_and_filter,
);

/// The generation check of every request of a test app.
const CHECK: u64 = 1;

/// Statements run by `request` (the first request after start-up has built
/// the snapshot already).
async fn counted<F: std::future::Future<Output = Value>>(
    app: &TestApp,
    request: F,
) -> (u64, Value) {
    let before = app.statements().await;
    let body = request.await;
    (app.statements().await - before, body)
}

async fn pages_and_items_ask_the_database_a_fixed_small_number_of_times(app: TestApp) {
    app.get_json("/api/v1/offers?limit=1").await;

    // An offer page: rows and links from the corpus.
    let (n, page) = counted(&app, app.get_json("/api/v1/offers?limit=20")).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 20);
    assert!(page["items"][0]["provider"]["name"].is_string(), "{page}");
    assert!(
        (page["items"].as_array().unwrap().iter())
            .all(|o| !o["target_groups"].as_array().unwrap().is_empty()),
        "{page}"
    );
    assert_eq!(n, CHECK, "REST offer page");

    // Filtered by topic, region (with the hierarchy), target group and
    // text, with a total: still none.
    let (n, page) = counted(
        &app,
        app.get_json(
            "/api/v1/offers?topic=digitalisierung&region=05711&target_group=sme\
             &q=Beratung&include_total=true",
        ),
    )
    .await;
    assert!(page["total"].as_u64().unwrap() > 0, "{page}");
    assert_eq!(n, CHECK, "REST filtered offer page");

    // One offer: the row; its links from the corpus.
    let (n, offer) = counted(&app, app.get_json("/api/v1/offers/tbs-beratung")).await;
    assert_eq!(offer["provider"]["slug"], "tbs-nrw");
    assert!(!offer["topics"].as_array().unwrap().is_empty(), "{offer}");
    assert_eq!(n, CHECK + 1, "REST offer");

    // A partner page: contacts, people and regions from the snapshot.
    let (n, page) = counted(&app, app.get_json("/api/v1/partners?limit=50")).await;
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| !p["contacts"].as_array().unwrap().is_empty()),
        "{page}"
    );
    assert_eq!(n, CHECK + 1, "REST partner page");

    // GraphQL: the providers' names and every other relation of the page
    // resolve without a statement of their own, the rows come from the
    // snapshot's corpus: no statement, whatever the page selects.
    let query = "{ offers(first: 20) { edges { node { title provider { name contacts { label } } \
                 project { name } topics { label } regions { name } } } } }";
    let (n, data) = counted(&app, app.graphql_data(query, json!({}))).await;
    assert_eq!(data["offers"]["edges"].as_array().unwrap().len(), 20);
    assert_eq!(n, CHECK, "GraphQL offer page");
    let query = "{ offers(first: 20) { edges { node { id title summary description providerNote \
                 url source note provider { name } } } } }";
    let (n, data) = counted(&app, app.graphql_data(query, json!({}))).await;
    let edges = data["offers"]["edges"].as_array().unwrap();
    assert!(
        edges
            .iter()
            .all(|e| e["node"]["summary"].as_str().is_some_and(|s| !s.is_empty()))
    );
    assert_eq!(n, CHECK, "GraphQL offer page with the long texts");

    // With or without the long texts selected (they are copied only when
    // selected), the other fields have the same values, in English too.
    let fields = "id slug title kind cost verified createdAt updatedAt etag targetGroups \
                  validFrom validUntil applicationDeadline uri provider { slug name } \
                  project { slug name } topics { slug label } regions { slug name }";
    for lang in ["DE", "EN"] {
        let without = format!(
            "{{ offers(first: 100, lang: {lang}, filter: {{ kind: [CONSULTING, FUNDING] }}) \
             {{ nodes {{ {fields} }} }} }}"
        );
        let with = without.replace("nodes {", "nodes { summary ");
        let (n, without) = counted(&app, app.graphql_data(&without, json!({}))).await;
        assert_eq!(n, CHECK, "{lang}: without texts");
        let (n, mut with) = counted(&app, app.graphql_data(&with, json!({}))).await;
        assert_eq!(n, CHECK, "{lang}: with texts");
        let nodes = with["offers"]["nodes"].as_array_mut().unwrap();
        assert!(nodes.len() > 10, "{with}");
        for node in nodes.iter_mut() {
            assert!(node["summary"].as_str().is_some_and(|s| !s.is_empty()));
            node.as_object_mut().unwrap().remove("summary");
        }
        assert_eq!(without, with, "{lang}");
    }
    // Selected through a fragment under `nodes`, they are read and shown.
    let query = "{ offers(first: 20) { nodes { ...Linked } } } \
                 fragment Linked on Offer { title targetGroups topics { slug } }";
    let (n, data) = counted(&app, app.graphql_data(query, json!({}))).await;
    let nodes = data["offers"]["nodes"].as_array().unwrap();
    assert!(
        nodes
            .iter()
            .all(|o| !o["targetGroups"].as_array().unwrap().is_empty()),
        "{data}"
    );
    assert!(
        nodes
            .iter()
            .any(|o| !o["topics"].as_array().unwrap().is_empty()),
        "{data}"
    );
    assert_eq!(n, CHECK, "GraphQL offer page with links through a fragment");
}

async fn stats_are_counted_once_per_generation_and_filter(app: TestApp) {
    let app = &app;
    let uncached = |path: &'static str| app.get_json_uncached(path);
    let (first, de) = counted(app, uncached("/api/v1/stats")).await;
    assert!(first > CHECK, "the first request counts: {first}");
    // The same counts again, in another language too: no statement but the
    // generation check.
    let (n, again) = counted(app, uncached("/api/v1/stats")).await;
    assert_eq!(n, CHECK);
    assert_eq!(again, de);
    let (n, en) = counted(app, uncached("/api/v1/stats?lang=en")).await;
    assert_eq!(n, CHECK);
    assert_eq!(en["offers"]["total"], de["offers"]["total"]);
    assert_ne!(
        en["offers"]["by_topic"], de["offers"]["by_topic"],
        "labels follow the language"
    );
    // Offers are counted from the snapshot's corpus: another filter needs
    // no statement either, and agrees with the list's total.
    let (n, filtered) = counted(app, uncached("/api/v1/stats/offers?topic=mitbestimmung")).await;
    assert_eq!(n, CHECK);
    assert!(filtered["total"].as_u64() < de["offers"]["total"].as_u64());
    let listed = app
        .get_json("/api/v1/offers?topic=mitbestimmung&include_total=true&limit=1")
        .await;
    assert_eq!(listed["total"], filtered["total"]);
}
