//! The response cache: repeated reads are served from it, byte for byte, and
//! a change of the data drops it.
use lotse::service::import::{SEED_JSON, import_json};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::{private_tests, shared_tests};

shared_tests!(
    a_repeated_read_is_a_hit_with_the_same_bytes_and_headers,
    posts_are_keyed_by_body_and_reads_by_language,
    no_cache_bypasses_and_errors_are_never_stored
);
private_tests!(seeded: true; a_data_change_drops_cached_responses);

async fn fetch(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = app.client.get(format!("{}{path}", app.address));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

fn x_cache(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("x-cache")
        .map(|v| v.to_str().unwrap().to_owned())
}

async fn a_repeated_read_is_a_hit_with_the_same_bytes_and_headers(app: TestApp) {
    // A query no other test sends, so the first request is a miss.
    let path = "/api/v1/offers?limit=3&sort=-title&kind=consulting";
    let first = fetch(&app, path, &[]).await;
    assert_eq!(first.status(), 200);
    assert_eq!(x_cache(&first).as_deref(), Some("miss"));
    let first_headers = first.headers().clone();
    let first_body = first.bytes().await.unwrap();

    let second = fetch(&app, path, &[]).await;
    assert_eq!(x_cache(&second).as_deref(), Some("hit"));
    for name in ["content-type", "link", "vary"] {
        assert_eq!(
            second.headers().get(name),
            first_headers.get(name),
            "header {name} survives the cache"
        );
    }
    assert_ne!(
        second.headers().get("x-request-id"),
        first_headers.get("x-request-id"),
        "each answer has its own request id"
    );
    assert_eq!(second.bytes().await.unwrap(), first_body);
}

async fn posts_are_keyed_by_body_and_reads_by_language(app: TestApp) {
    let post = |body: Value| {
        let app = &app;
        async move {
            app.client
                .post(format!("{}/api/v1/match", app.address))
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let profile = json!({"region": "05711", "role": "works_council", "limit": 7});
    let first = post(profile.clone()).await;
    assert_eq!(x_cache(&first).as_deref(), Some("miss"));
    let first: Value = first.json().await.unwrap();
    let second = post(profile).await;
    assert_eq!(x_cache(&second).as_deref(), Some("hit"));
    assert_eq!(second.json::<Value>().await.unwrap(), first);

    let other = post(json!({"region": "05711", "role": "sme", "limit": 7})).await;
    assert_eq!(x_cache(&other).as_deref(), Some("miss"), "another body");
    let other: Value = other.json().await.unwrap();
    assert_ne!(other, first, "and its own answer");

    let path = "/api/v1/topics?limit=4&sort=-label";
    let german = fetch(&app, path, &[("accept-language", "de")]).await;
    assert_eq!(x_cache(&german).as_deref(), Some("miss"));
    let english = fetch(&app, path, &[("accept-language", "en")]).await;
    assert_eq!(x_cache(&english).as_deref(), Some("miss"), "other language");
    let english_again = fetch(&app, path, &[("accept-language", "en")]).await;
    assert_eq!(x_cache(&english_again).as_deref(), Some("hit"));
    let english: Value = english.json().await.unwrap();
    assert_eq!(english_again.json::<Value>().await.unwrap(), english);
    assert_ne!(german.json::<Value>().await.unwrap(), english);

    let query = "{ offers(first: 2) { nodes { slug kind cost } } }";
    let body = json!({"query": query});
    let first = post_graphql(&app, &body).await;
    let again = post_graphql(&app, &body).await;
    assert_eq!(x_cache(&again).as_deref(), Some("hit"));
    assert_eq!(
        again.json::<Value>().await.unwrap(),
        first.json::<Value>().await.unwrap()
    );
}

async fn post_graphql(app: &TestApp, body: &Value) -> reqwest::Response {
    app.client
        .post(format!("{}/graphql", app.address))
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn no_cache_bypasses_and_errors_are_never_stored(app: TestApp) {
    let path = "/api/v1/partners?limit=2&kind=union";
    fetch(&app, path, &[]).await;
    let bypass = fetch(&app, path, &[("cache-control", "no-cache")]).await;
    assert_eq!(bypass.status(), 200);
    assert_eq!(x_cache(&bypass), None, "not served from the cache");

    for _ in 0..2 {
        let missing = fetch(&app, "/api/v1/offers/no-such-offer-here", &[]).await;
        assert_eq!(missing.status(), 404);
        assert_eq!(x_cache(&missing), None, "a 404 is not stored");
    }
    let health = fetch(&app, "/health", &[]).await;
    assert_eq!(x_cache(&health), None, "only the API is cached");
}

async fn a_data_change_drops_cached_responses(app: TestApp) {
    let path = "/api/v1/offers/tbs-beratung";
    let before = app.get_json(path).await;
    let hit = fetch(&app, path, &[]).await;
    assert_eq!(x_cache(&hit).as_deref(), Some("hit"));

    let mut seed: Value = serde_json::from_str(SEED_JSON).unwrap();
    let offer = seed["offers"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|o| o["slug"] == "tbs-beratung")
        .unwrap();
    offer["title_de"] = json!("TBS-Beratung (geändert)");
    let dataset = json!({"offers": [offer.clone()]});
    import_json(app.db(), &dataset.to_string()).await.unwrap();

    // The test app checks the data version on every request.
    let after = fetch(&app, path, &[]).await;
    assert_eq!(x_cache(&after).as_deref(), Some("miss"), "dropped");
    let after: Value = after.json().await.unwrap();
    assert_eq!(after["title"], "TBS-Beratung (geändert)");
    assert_ne!(after["title"], before["title"]);
    let found = app.get_json("/api/v1/search?q=ge%C3%A4ndert").await;
    assert_eq!(found["items"][0]["slug"], "tbs-beratung", "{found}");
}
