//! `?lang=` and `Accept-Language`.
use crate::helpers::TestApp;
use crate::shared_tests;

shared_tests!(english_is_chosen_by_parameter_or_header_with_german_fallback);

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
