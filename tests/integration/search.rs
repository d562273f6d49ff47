//! `/api/v1/search`: German full-text search with ranking and highlights.
use std::collections::HashSet;

use serde_json::Value;

use crate::helpers::TestApp;
use crate::shared_tests;

shared_tests!(
    betriebsraete_finds_works_council_offers_and_arbeit_2020,
    typos_umlaut_spellings_and_case_are_forgiven,
    type_and_offer_filters_combine_with_q,
    hits_are_ranked_highlighted_and_paged,
    bad_search_requests_are_400s,
);

fn hits(body: &Value) -> Vec<(String, String)> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["type"].as_str().unwrap().to_owned(),
                h["slug"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn betriebsraete_finds_works_council_offers_and_arbeit_2020(app: TestApp) {
    let body = app
        .get_json("/api/v1/search?q=Betriebsr%C3%A4te&limit=100")
        .await;
    let found = hits(&body);
    for expected in [
        ("offer", "tbs-beratung"),
        ("offer", "arbeit-2020-begleitung"),
        ("project", "arbeit-2020"),
    ] {
        assert!(
            found.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} missing: {found:?}"
        );
    }
    assert_eq!(body["total"], found.len());
}

async fn typos_umlaut_spellings_and_case_are_forgiven(app: TestApp) {
    let right = hits(
        &app.get_json("/api/v1/search?q=Digitalisierung&limit=100")
            .await,
    );
    let typo = hits(
        &app.get_json("/api/v1/search?q=Digitalisirung&limit=100")
            .await,
    );
    assert!(!right.is_empty());
    // Every hit that holds the word itself (not only a neighbour within one
    // edit, such as "digitalisiert", which the typo is two edits from).
    let holds_word: Vec<_> = crate::helpers::offers_holding_word(&app, "digitalisierung")
        .await
        .into_iter()
        .map(|slug| ("offer".to_owned(), slug))
        .collect();
    assert!(holds_word.len() > 10, "{holds_word:?}");
    for hit in &holds_word {
        assert!(right.contains(hit), "{hit:?} not found by the word itself");
        assert!(typo.contains(hit), "a one-letter typo misses {hit:?}");
    }
    let lower = hits(
        &app.get_json("/api/v1/search?q=digitalisierung&limit=100")
            .await,
    );
    assert_eq!(lower, right);
    let umlaut = hits(
        &app.get_json("/api/v1/search?q=F%C3%B6rderung&limit=100")
            .await,
    );
    let spelled = hits(&app.get_json("/api/v1/search?q=Foerderung&limit=100").await);
    assert!(!umlaut.is_empty());
    assert_eq!(umlaut, spelled);
    // Short words need an exact match: no fuzzy noise for "NRW" or "KMU".
    let none = app.get_json("/api/v1/search?q=Xyzzyplugh").await;
    assert_eq!(none["total"], 0);
}

async fn type_and_offer_filters_combine_with_q(app: TestApp) {
    let partners = hits(
        &app.get_json("/api/v1/search?q=Fraunhofer&type=partner")
            .await,
    );
    assert!(
        partners.len() >= 3 && partners.iter().all(|(t, _)| t == "partner"),
        "{partners:?}"
    );
    // A partner's title carries its short name the way people write it.
    let tbs = app
        .get_json("/api/v1/search?q=Technologieberatungsstelle&type=partner")
        .await;
    let title = tbs["items"][0]["title"].as_str().unwrap();
    assert!(
        title.ends_with("(TBS NRW)") && !title.contains('\n'),
        "{title:?}"
    );
    let two = hits(
        &app.get_json("/api/v1/search?q=Digitalisierung&type=project,partner&limit=100")
            .await,
    );
    assert!(two.iter().all(|(t, _)| t != "offer"));
    // Offer filters restrict to offers that also pass the list filter.
    let filtered = hits(
        &app.get_json("/api/v1/search?q=Digitalisierung&region=suedwestfalen&limit=100")
            .await,
    );
    let listed: HashSet<String> = app
        .collect_all("/api/v1/offers?region=suedwestfalen", 100)
        .await
        .iter()
        .map(|o| o["slug"].as_str().unwrap().to_owned())
        .collect();
    assert!(!filtered.is_empty());
    assert!(
        filtered
            .iter()
            .all(|(t, s)| t == "offer" && listed.contains(s)),
        "{filtered:?}"
    );
    let free = hits(
        &app.get_json("/api/v1/search?q=Beratung&cost=free&target_group=works_council")
            .await,
    );
    assert_eq!(
        free,
        [
            ("offer".to_owned(), "tbs-beratung".to_owned()),
            ("offer".to_owned(), "zukunftszentrum-ki-nrw".to_owned())
        ]
    );
}

async fn hits_are_ranked_highlighted_and_paged(app: TestApp) {
    let body = app.get_json("/api/v1/search?q=Bildungsscheck").await;
    assert_eq!(
        body["items"][0]["slug"], "bildungsscheck",
        "a title match ranks first"
    );
    assert!(
        body["items"][0]["title"]
            .as_str()
            .unwrap()
            .contains("<b>Bildungsscheck</b>"),
        "{}",
        body["items"][0]
    );
    let scores: Vec<f64> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let uri = body["items"][0]["uri"].as_str().unwrap();
    assert!(uri.ends_with(body["items"][0]["id"].as_str().unwrap()));

    let all = hits(
        &app.get_json("/api/v1/search?q=Digitalisierung&limit=100")
            .await,
    );
    let mut paged = Vec::new();
    let mut url = "/api/v1/search?q=Digitalisierung&limit=4".to_owned();
    loop {
        let page = app.get_json(&url).await;
        paged.extend(hits(&page));
        match page["next_cursor"].as_str() {
            Some(c) => url = format!("/api/v1/search?q=Digitalisierung&limit=4&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(paged, all);
    // English titles and snippets with lang=en.
    let en = app
        .get_json("/api/v1/search?q=Bildungsscheck&lang=en")
        .await;
    assert!(
        en["items"][0]["title"]
            .as_str()
            .unwrap()
            .contains("Bildungsscheck")
    );
}

async fn bad_search_requests_are_400s(app: TestApp) {
    for (query, field) in [
        ("", "q"),
        ("q=", "q"),
        ("q=x&type=person", "type"),
        ("q=x&cursor=zzz", "cursor"),
        ("q=x&limit=0", "limit"),
        ("q=x&nosuch=1", "nosuch"),
    ] {
        let problem = app
            .get_problem(&format!("/api/v1/search?{query}"), 400)
            .await;
        assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
    }
    let page = app
        .get_json("/api/v1/search?q=Digitalisierung&limit=1")
        .await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let problem = app
        .get_problem(&format!("/api/v1/search?q=Beratung&cursor={cursor}"), 400)
        .await;
    assert_eq!(problem["errors"][0]["field"], "cursor");
    let problem = app
        .get_problem("/api/v1/search?q=x&topic=nosuch", 400)
        .await;
    assert_eq!(problem["errors"][0]["field"], "topic");
}

crate::shared_tests!(graphql_search_equals_rest_search);

async fn graphql_search_equals_rest_search(app: TestApp) {
    let rest = hits(
        &app.get_json("/api/v1/search?q=Digitalisierung&limit=100")
            .await,
    );
    let mut graphql = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .graphql_data(
                "query($after: String) { search(q: \"Digitalisierung\", first: 3, after: $after) { \
                 totalCount pageInfo { hasNextPage endCursor } edges { node { type slug title snippet } } } }",
                serde_json::json!({"after": after}),
            )
            .await;
        let conn = &data["search"];
        for edge in conn["edges"].as_array().unwrap() {
            let kind = edge["node"]["type"].as_str().unwrap().to_lowercase();
            graphql.push((kind, edge["node"]["slug"].as_str().unwrap().to_owned()));
        }
        assert_eq!(conn["totalCount"], rest.len());
        if !conn["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(graphql, rest);
    let data = app
        .graphql_data(
            r#"{ search(q: "Beratung", types: [OFFER], filter: {cost: [FREE], targetGroup: [WORKS_COUNCIL]}) { edges { node { slug } } } }"#,
            Value::Null,
        )
        .await;
    assert_eq!(data["search"]["edges"][0]["node"]["slug"], "tbs-beratung");
    let body = app
        .graphql(
            r#"{ search(q: "x", after: "zzz") { totalCount } }"#,
            Value::Null,
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "invalid_parameter",
        "{body}"
    );
}

/// An index directory survives restarts; a corrupt one is rebuilt, never fatal.
#[tokio::test]
async fn a_corrupt_index_directory_is_rebuilt() {
    let dir = std::env::temp_dir().join(format!("lotse-index-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let with_dir =
        |d: std::path::PathBuf| move |s: &mut lotse::config::Settings| s.index_dir = Some(d);
    let app = TestApp::private_with(crate::helpers::Backend::Sqlite, true, with_dir(dir.clone()))
        .await
        .unwrap();
    assert_eq!(
        app.get_json("/api/v1/search?q=Bildungsscheck").await["items"][0]["slug"],
        "bildungsscheck"
    );
    assert!(dir.join("meta.json").exists() && dir.join("lotse-data-version.json").exists());

    std::fs::write(dir.join("meta.json"), "not an index").unwrap();
    let again = TestApp::private_with(crate::helpers::Backend::Sqlite, true, with_dir(dir.clone()))
        .await
        .unwrap();
    assert_eq!(
        again.get_json("/api/v1/search?q=Bildungsscheck").await["items"][0]["slug"],
        "bildungsscheck"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
