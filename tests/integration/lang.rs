//! `?lang=` and `Accept-Language`.
use crate::helpers::TestApp;
use crate::shared_tests;

shared_tests!(
    english_is_chosen_by_parameter_or_header_with_german_fallback,
    accept_language_is_read_as_rfc_9110_says_on_rest_and_graphql,
    graphql_checks_lang_as_rest_does,
);

async fn english_is_chosen_by_parameter_or_header_with_german_fallback(app: TestApp) {
    let de = app.get("/api/v1/topics/digitalisierung").await;
    assert_eq!(de.headers()["content-language"], "de");
    let vary = de.headers()["vary"].to_str().unwrap();
    assert!(vary.contains("Accept-Language"), "{vary}");
    let de: serde_json::Value = de.json().await.unwrap();
    assert_eq!(de["label"], "Digitalisierung");

    let en = app.get("/api/v1/topics/digitalisierung?lang=en").await;
    assert_eq!(en.headers()["content-language"], "en");
    let en: serde_json::Value = en.json().await.unwrap();
    assert_eq!(en["label"], "Digitalisation");

    let by_header = app
        .client
        .get(format!("{}/api/v1/topics/digitalisierung", app.address))
        .header("Accept-Language", "fr;q=1.0, en-GB;q=0.8, de;q=0.5")
        .send()
        .await
        .unwrap();
    assert_eq!(by_header.headers()["content-language"], "en");
    let by_header: serde_json::Value = by_header.json().await.unwrap();
    assert_eq!(by_header["label"], "Digitalisation");

    // The parameter wins over the header.
    let forced = app
        .client
        .get(format!(
            "{}/api/v1/topics/digitalisierung?lang=de",
            app.address
        ))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(forced.headers()["content-language"], "de");

    // Fallback: a region without an English name keeps its German one.
    let region = app
        .get_json("/api/v1/regions/kreis-guetersloh?lang=en")
        .await;
    assert_eq!(region["name"], "Kreis Gütersloh");
    let offers = app
        .get_json("/api/v1/offers?lang=en&provider=tbs-nrw&sort=title")
        .await;
    assert!(
        offers["items"][0]["title"]
            .as_str()
            .unwrap()
            .contains("TBS advice"),
        "{}",
        offers["items"][0]["title"]
    );
}

/// The language REST and GraphQL answer in for an `Accept-Language` value.
async fn chosen(app: &TestApp, accept_language: &str) -> (String, String) {
    let rest = app
        .client
        .get(format!("{}/api/v1/topics/digitalisierung", app.address))
        .header("Accept-Language", accept_language)
        .send()
        .await
        .unwrap();
    let rest = rest.headers()["content-language"]
        .to_str()
        .unwrap()
        .to_owned();
    let graphql = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("Accept-Language", accept_language)
        .json(&serde_json::json!({"query": "{ topic(key: \"digitalisierung\") { label } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(graphql.status(), 200);
    let graphql = graphql.headers()["content-language"]
        .to_str()
        .unwrap()
        .to_owned();
    (rest, graphql)
}

async fn accept_language_is_read_as_rfc_9110_says_on_rest_and_graphql(app: TestApp) {
    for (header, expected) in [
        // Weights are case-insensitive (RFC 9110 §5.6.6, §12.4.2).
        ("en;Q=0.1, de;q=0.5", "de"),
        ("de;Q=0.1, en;q=0.5", "en"),
        // Invalid weights make their range ignored, not weigh 1.
        ("en;q=2, de;q=0.5", "de"),
        ("en;q=0.5555, de;q=0.1", "de"),
        ("en;q=x, de;q=0.1", "de"),
        // q=0 is "not this"; `*` stands for every language not named.
        ("de;q=0, *;q=0.1", "en"),
        ("en;q=0", "de"),
        // Region subtags ask for their language.
        ("en-US", "en"),
        ("de-AT, en;q=0.9", "de"),
        ("fr-CA, en-GB;q=0.7, de;q=0.6", "en"),
        // Equal weights: the first listed.
        ("en, de", "en"),
        ("de, en", "de"),
        // Nothing we have: German.
        ("fr", "de"),
    ] {
        let (rest, graphql) = chosen(&app, header).await;
        assert_eq!(rest, expected, "REST, Accept-Language: {header}");
        assert_eq!(graphql, expected, "GraphQL, Accept-Language: {header}");
    }
}

async fn graphql_checks_lang_as_rest_does(app: TestApp) {
    // Two field lines are one list (RFC 9110 §5.3).
    let two_lines = app
        .client
        .get(format!("{}/api/v1/topics/digitalisierung", app.address))
        .header("Accept-Language", "fr")
        .header("Accept-Language", "en;q=0.5")
        .send()
        .await
        .unwrap();
    assert_eq!(two_lines.headers()["content-language"], "en");
    let query = serde_json::json!({"query": "{ topic(key: \"digitalisierung\") { label } }"});
    // Language tags are case-insensitive (RFC 5646 §2.1.1).
    for lang in ["EN", "En"] {
        let rest = app
            .get(&format!("/api/v1/topics/digitalisierung?lang={lang}"))
            .await;
        assert_eq!(rest.headers()["content-language"], "en", "lang={lang}");
        let graphql = post_graphql(&app, lang, &query).await;
        assert_eq!(graphql.headers()["content-language"], "en", "lang={lang}");
    }
    for lang in ["fr", "e", "", "de&lang=en"] {
        let rest = app
            .get_problem(&format!("/api/v1/topics/digitalisierung?lang={lang}"), 400)
            .await;
        let post = post_graphql(&app, lang, &query).await;
        assert_eq!(post.status(), 400, "POST /graphql?lang={lang}");
        assert_eq!(
            post.headers()["content-type"],
            "application/problem+json",
            "lang={lang}"
        );
        let problem: serde_json::Value = post.json().await.unwrap();
        assert_eq!(problem["code"], rest["code"], "lang={lang}");
        assert_eq!(problem["errors"][0]["field"], "lang", "lang={lang}");
        let get = app
            .get(&format!(
                "/graphql?lang={lang}&query=%7B%20topic(key%3A%20%22digitalisierung%22)%20%7B%20label%20%7D%20%7D"
            ))
            .await;
        assert_eq!(get.status(), 400, "GET /graphql?lang={lang}");
    }
    // A good `lang` still wins over the header; unknown parameters are named.
    let en = app
        .client
        .post(format!("{}/graphql?lang=en", app.address))
        .header("Accept-Language", "de")
        .json(&query)
        .send()
        .await
        .unwrap();
    assert_eq!(en.headers()["content-language"], "en");
    let body: serde_json::Value = en.json().await.unwrap();
    assert_eq!(body["data"]["topic"]["label"], "Digitalisation");
    let problem = app
        .get_problem("/graphql?query=%7B__typename%7D&langg=en", 400)
        .await;
    assert_eq!(problem["errors"][0]["field"], "langg");
}

/// POSTs `query` to `/graphql?lang={lang}`.
async fn post_graphql(app: &TestApp, lang: &str, query: &serde_json::Value) -> reqwest::Response {
    app.client
        .post(format!("{}/graphql?lang={lang}", app.address))
        .json(query)
        .send()
        .await
        .unwrap()
}
