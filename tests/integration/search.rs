//! `/api/v1/search`: German full-text search with ranking and highlights.
use std::collections::HashSet;

use serde_json::Value;

use crate::helpers::TestApp;
use crate::{private_tests, shared_tests};

shared_tests!(
    betriebsraete_finds_works_council_offers_and_arbeit_2020,
    typos_umlaut_spellings_and_case_are_forgiven,
    type_and_offer_filters_combine_with_q,
    hits_are_ranked_highlighted_and_paged,
    bad_search_requests_are_400s,
    cursors_of_the_offset_format_are_refused_with_400,
);

private_tests!(seeded: true;
    paging_neither_repeats_nor_skips_when_offers_are_added_between_pages,
    a_cursor_whose_hits_moved_is_a_409_stale_cursor,
    paging_goes_on_when_the_last_hit_shown_is_deleted,
);

pub(crate) fn hits(body: &Value) -> Vec<(String, String)> {
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

/// The offset cursor of earlier versions (`{"q":…,"o":3}`), base64url.
fn offset_cursor(q: &str, offset: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let json = serde_json::json!({"q": q, "o": offset}).to_string();
    let mut text = String::new();
    for chunk in json.as_bytes().chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            text.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    text
}

async fn cursors_of_the_offset_format_are_refused_with_400(app: TestApp) {
    let old = offset_cursor("Digitalisierung", 3);
    let problem = app
        .get_problem(
            &format!("/api/v1/search?q=Digitalisierung&limit=3&cursor={old}"),
            400,
        )
        .await;
    assert_eq!(problem["code"], "invalid_parameter");
    assert_eq!(problem["errors"][0]["field"], "cursor");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("start again from the first page"),
        "{problem}"
    );
    let body = search_after(&app, &old).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "invalid_parameter",
        "{body}"
    );
    // A cursor of the same words with other filters is another search.
    let page = app
        .get_json("/api/v1/search?q=Digitalisierung&limit=1")
        .await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let problem = app
        .get_problem(
            &format!("/api/v1/search?q=Digitalisierung&type=offer&cursor={cursor}"),
            400,
        )
        .await;
    assert_eq!(problem["errors"][0]["field"], "cursor");
}

/// A key that may write offers.
async fn writer(app: &TestApp) -> String {
    lotse::service::keys::create(
        app.db(),
        "search-tests",
        &[lotse::service::keys::Scope::Write],
    )
    .await
    .unwrap()
}

/// Creates an offer (the seed's `tbs-beratung` with `slug` and the given
/// German texts, topics that do not hold the search word).
async fn create_offer(app: &TestApp, key: &str, slug: &str, title: &str, description: &str) {
    let mut offer = crate::helpers::seed_record("offers", "tbs-beratung");
    offer["slug"] = serde_json::json!(slug);
    offer["title_de"] = serde_json::json!(title);
    offer["title_en"] = Value::Null;
    offer["summary_de"] = serde_json::json!("Ein Angebot für Betriebe.");
    offer["summary_en"] = Value::Null;
    offer["description_de"] = serde_json::json!(description);
    offer["description_en"] = Value::Null;
    offer["topics"] = serde_json::json!(["gesundheit"]);
    let response = app
        .client
        .post(format!("{}/api/v1/offers", app.address))
        .bearer_auth(key)
        .json(&offer)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
}

/// Every hit of the search `query`, following `next_cursor` from `cursor`
/// (the first page when `None`).
async fn pages_from(
    app: &TestApp,
    query: &str,
    mut cursor: Option<String>,
) -> Vec<(String, String)> {
    let mut slugs = Vec::new();
    for _ in 0..1000 {
        let url = match &cursor {
            Some(c) => format!("/api/v1/search?{query}&cursor={c}"),
            None => format!("/api/v1/search?{query}"),
        };
        let page = app.get_json(&url).await;
        slugs.extend(hits(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return slugs,
        }
    }
    panic!("paging did not end");
}

async fn paging_neither_repeats_nor_skips_when_offers_are_added_between_pages(app: TestApp) {
    let key = writer(&app).await;
    let query = "q=Digitalisierung&limit=3";
    let before = pages_from(&app, query, None).await;
    assert!(before.len() > 10, "{before:?}");
    let page1 = app.get_json(&format!("/api/v1/search?{query}")).await;
    let shown = hits(&page1);
    assert_eq!(shown, before[..3]);
    let cursor = page1["next_cursor"].as_str().unwrap().to_owned();

    // A new offer that mentions the word once, deep in a long text: it
    // ranks below the first page. (Before position cursors, page 2 of the
    // offset cursor `{"q":…,"o":3}` repeated page 1's last hit whenever a
    // new hit ranked above it.)
    let filler = "Betriebe im Wandel brauchen Orientierung, Austausch und Beratung. ".repeat(12);
    create_offer(
        &app,
        &key,
        "nachzuegler-angebot",
        "Nachzügler-Angebot",
        &format!("{filler}Auch zur Digitalisierung."),
    )
    .await;
    let rest = pages_from(&app, query, Some(cursor.clone())).await;
    let mut all = shown.clone();
    all.extend(rest.iter().cloned());
    for hit in &before {
        assert_eq!(
            all.iter().filter(|h| *h == hit).count(),
            1,
            "{hit:?} shown other than once: {all:?}"
        );
    }
    assert!(rest.iter().all(|s| !shown.contains(s)), "{rest:?}");
    assert_eq!(all.len(), before.len() + 1, "{all:?}");
    assert!(rest.contains(&("offer".to_owned(), "nachzuegler-angebot".to_owned())));

    // GraphQL's edge cursors are the same positions.
    let data = app
        .graphql_data(
            "{ search(q: \"Digitalisierung\", first: 3) { edges { cursor node { slug } } } }",
            Value::Null,
        )
        .await;
    let edges = data["search"]["edges"].as_array().unwrap();
    let third = edges[2]["cursor"].as_str().unwrap();
    let next = app
        .graphql_data(
            "query($after: String) { search(q: \"Digitalisierung\", first: 2, after: $after) { \
             pageInfo { hasPreviousPage } edges { node { slug } } } }",
            serde_json::json!({"after": edges[0]["cursor"]}),
        )
        .await;
    assert_eq!(next["search"]["pageInfo"]["hasPreviousPage"], true);
    let after_first: Vec<&str> = next["search"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        after_first,
        [
            edges[1]["node"]["slug"].as_str().unwrap(),
            edges[2]["node"]["slug"].as_str().unwrap()
        ]
    );
    let rest_after_third = pages_from(&app, query, Some(third.to_owned())).await;
    let page1_now = app.get_json(&format!("/api/v1/search?{query}")).await;
    assert_eq!(
        rest_after_third,
        pages_from(
            &app,
            query,
            Some(page1_now["next_cursor"].as_str().unwrap().to_owned())
        )
        .await
    );
}

async fn a_cursor_whose_hits_moved_is_a_409_stale_cursor(app: TestApp) {
    let key = writer(&app).await;
    let page1 = app
        .get_json("/api/v1/search?q=Digitalisierung&limit=3")
        .await;
    let cursor = page1["next_cursor"].as_str().unwrap().to_owned();
    let data = app
        .graphql_data(
            "{ search(q: \"Digitalisierung\", first: 3) { pageInfo { endCursor } } }",
            Value::Null,
        )
        .await;
    let end_cursor = data["search"]["pageInfo"]["endCursor"].clone();
    // A new offer that ranks first: page 2 would have to leave it out
    // (skipped) or shift the others (a repeat).
    create_offer(
        &app,
        &key,
        "digitalisierung-digitalisierung",
        "Digitalisierung",
        "Digitalisierung, Digitalisierung und nochmals Digitalisierung.",
    )
    .await;
    let top = app
        .get_json("/api/v1/search?q=Digitalisierung&limit=3")
        .await;
    assert!(
        hits(&top).contains(&(
            "offer".to_owned(),
            "digitalisierung-digitalisierung".to_owned()
        )),
        "{top}"
    );
    let problem = app
        .get_problem(
            &format!("/api/v1/search?q=Digitalisierung&limit=3&cursor={cursor}"),
            409,
        )
        .await;
    assert_eq!(problem["code"], "stale_cursor", "{problem}");
    assert_eq!(problem["type"], "/problems/stale_cursor");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("start again from the first page"),
        "{problem}"
    );
    let body = search_after(&app, end_cursor.as_str().unwrap()).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "stale_cursor",
        "{body}"
    );
}

async fn paging_goes_on_when_the_last_hit_shown_is_deleted(app: TestApp) {
    let key = writer(&app).await;
    let query = "q=Digitalisierung&type=offer&limit=3";
    let before = pages_from(&app, query, None).await;
    let page1 = app.get_json(&format!("/api/v1/search?{query}")).await;
    let cursor = page1["next_cursor"].as_str().unwrap().to_owned();
    let last = page1["items"][2]["slug"].as_str().unwrap().to_owned();
    let response = app
        .client
        .delete(format!("{}/api/v1/offers/{last}", app.address))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204, "{}", response.text().await.unwrap());
    let mut rest = pages_from(&app, query, Some(cursor)).await;
    // The same hits; their order may change, as scores depend on every
    // record indexed.
    rest.sort();
    let mut expected = before[3..].to_vec();
    expected.sort();
    assert_eq!(rest, expected);
}

/// GraphQL's search for "Digitalisierung" after `cursor`.
async fn search_after(app: &TestApp, cursor: &str) -> Value {
    app.graphql(
        "query($after: String) { search(q: \"Digitalisierung\", first: 3, after: $after) { totalCount } }",
        serde_json::json!({"after": cursor}),
    )
    .await
}
