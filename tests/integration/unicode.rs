//! Unicode normalisation (issue 14, UAX #15): the same text in another
//! Unicode form — decomposed (NFD, `o` + U+0308 as macOS and some forms
//! send it), full-width, with a ligature or a soft hyphen — finds the same
//! records as the plain text, in search, list filters and key lookups, over
//! REST and GraphQL; indexed text written decomposed is found by composed
//! words.
use serde_json::json;

use crate::helpers::{TestApp, slugs};
use crate::search::hits;
use crate::{private_tests, shared_tests};

shared_tests!(
    decomposed_and_compatibility_forms_search_like_the_plain_word,
    the_q_filter_of_lists_normalises_too,
    keys_in_paths_and_filters_are_normalised,
    graphql_arguments_are_normalised_like_query_parameters,
);

private_tests!(seeded: true;
    decomposed_indexed_text_is_found_and_highlighted_as_written,
);

/// `text` percent-encoded for a query string (every byte outside ASCII
/// alphanumerics).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// "Förderung" with `o` + U+0308 COMBINING DIAERESIS (NFD).
const FOERDERUNG_NFD: &str = "Fo\u{308}rderung";

async fn decomposed_and_compatibility_forms_search_like_the_plain_word(app: TestApp) {
    let search = |q: &str| format!("/api/v1/search?q={}&limit=100", encode(q));
    // The example of the issue: the percent-encoding of NFD "Förderung".
    assert_eq!(encode(FOERDERUNG_NFD), "Fo%CC%88rderung");
    let composed = hits(&app.get_json(&search("Förderung")).await);
    assert!(composed.len() >= 5, "{composed:?}");
    let decomposed = hits(&app.get_json(&search(FOERDERUNG_NFD)).await);
    assert_eq!(decomposed, composed, "NFD q");
    // Upper-case decomposed umlaut inside a word.
    assert_eq!(
        hits(&app.get_json(&search("BETRIEBSRA\u{308}TE")).await),
        hits(&app.get_json(&search("Betriebsräte")).await)
    );
    // NFKC: full-width letters (an East Asian input method), the `ﬁ`
    // ligature (text copied from a PDF), a soft hyphen (`&shy;`).
    let plain = hits(&app.get_json(&search("Qualifizierung")).await);
    assert!(plain.len() >= 5, "{plain:?}");
    for variant in [
        "\u{ff31}\u{ff55}\u{ff41}\u{ff4c}\u{ff49}\u{ff46}\u{ff49}\u{ff5a}\u{ff49}\u{ff45}\u{ff52}\u{ff55}\u{ff4e}\u{ff47}",
        "Quali\u{fb01}zierung",
        "Qualifi\u{ad}zierung",
    ] {
        assert_eq!(
            hits(&app.get_json(&search(variant)).await),
            plain,
            "{variant:?}"
        );
    }
    // A cursor is tied to the search, not to its spelling: the next page of
    // the composed word is the next page of the decomposed one.
    let first = app
        .get_json(&format!(
            "/api/v1/search?q={}&limit=2",
            encode(FOERDERUNG_NFD)
        ))
        .await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .get_json(&format!(
            "/api/v1/search?q=F%C3%B6rderung&limit=2&cursor={cursor}"
        ))
        .await;
    assert_eq!(hits(&second), composed[2..4]);
}

async fn the_q_filter_of_lists_normalises_too(app: TestApp) {
    for list in ["offers", "projects", "partners"] {
        let composed = slugs(
            &app.get_json(&format!("/api/v1/{list}?q=F%C3%B6rderung&limit=100"))
                .await,
        );
        let decomposed = slugs(
            &app.get_json(&format!("/api/v1/{list}?q=Fo%CC%88rderung&limit=100"))
                .await,
        );
        assert_eq!(decomposed, composed, "{list}");
        if list == "offers" {
            assert!(!composed.is_empty());
        }
    }
}

async fn keys_in_paths_and_filters_are_normalised(app: TestApp) {
    // Full-width digits (U+FF10…) name the official key 05711.
    let fullwidth_05711 = "%EF%BC%90%EF%BC%95%EF%BC%97%EF%BC%91%EF%BC%91";
    let bielefeld = app.get_json("/api/v1/regions/05711").await;
    assert_eq!(
        app.get_json(&format!("/api/v1/regions/{fullwidth_05711}"))
            .await,
        bielefeld
    );
    assert_eq!(
        slugs(
            &app.get_json(&format!(
                "/api/v1/offers?region={fullwidth_05711}&limit=100"
            ))
            .await
        ),
        slugs(&app.get_json("/api/v1/offers?region=05711&limit=100").await)
    );
    // A full-width slug in a path and in `topic`, `provider` filters.
    let fullwidth = |ascii: &str| -> String {
        encode(
            &ascii
                .chars()
                .map(|c| match c {
                    'a'..='z' | '0'..='9' => char::from_u32(c as u32 - 0x21 + 0xff01).unwrap(),
                    '-' => '\u{ff0d}',
                    other => other,
                })
                .collect::<String>(),
        )
    };
    assert_eq!(
        app.get_json(&format!("/api/v1/offers/{}", fullwidth("tbs-beratung")))
            .await["slug"],
        "tbs-beratung"
    );
    let topic = slugs(
        &app.get_json("/api/v1/offers?topic=foerderung&limit=100")
            .await,
    );
    assert!(!topic.is_empty());
    assert_eq!(
        slugs(
            &app.get_json(&format!(
                "/api/v1/offers?topic={}&limit=100",
                fullwidth("foerderung")
            ))
            .await
        ),
        topic
    );
    assert_eq!(
        slugs(
            &app.get_json(&format!(
                "/api/v1/offers?provider={}&limit=100",
                fullwidth("ig-metall")
            ))
            .await
        ),
        slugs(
            &app.get_json("/api/v1/offers?provider=ig-metall&limit=100")
                .await
        )
    );
    // Unknown keys are still reported as the client wrote them; a
    // decomposed umlaut does not make a slug (slugs spell `oe`).
    let problem = app
        .get_problem("/api/v1/offers?topic=fo%CC%88rderung", 400)
        .await;
    assert_eq!(problem["errors"][0]["field"], "topic");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("fo\u{308}rderung"),
        "{problem}"
    );
}

async fn graphql_arguments_are_normalised_like_query_parameters(app: TestApp) {
    let query = "query($q: String!, $region: String!) { \
        search(q: $q, first: 20) { totalCount edges { node { slug } } } \
        offers(filter: {q: $q}, first: 20) { totalCount nodes { slug } } \
        region(key: $region) { slug } }";
    let composed = app
        .graphql_data(query, json!({"q": "Förderung", "region": "05711"}))
        .await;
    assert!(composed["search"]["totalCount"].as_u64().unwrap() >= 5);
    let decomposed = app
        .graphql_data(
            query,
            json!({"q": FOERDERUNG_NFD, "region": "\u{ff10}\u{ff15}\u{ff17}\u{ff11}\u{ff11}"}),
        )
        .await;
    assert_eq!(decomposed, composed);
    assert_eq!(decomposed["region"]["slug"], "bielefeld");
}

async fn decomposed_indexed_text_is_found_and_highlighted_as_written(app: TestApp) {
    let key =
        lotse::service::keys::create(app.db(), "editor", &[lotse::service::keys::Scope::Write])
            .await
            .unwrap();
    // Written decomposed, as a text pasted from a macOS application.
    let title = "Quantenzimt-Fo\u{308}rderprogramm fu\u{308}r Betriebsra\u{308}te";
    let mut offer = crate::helpers::seed_record("offers", "tbs-beratung");
    offer["slug"] = json!("quantenzimt-foerderprogramm");
    offer["title_de"] = json!(title);
    let response = app
        .client
        .post(format!("{}/api/v1/offers", app.address))
        .bearer_auth(&key)
        .json(&offer)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    for q in ["Quantenzimt-Förderprogramm", "Förderprogramm Quantenzimt"] {
        let body = app
            .get_json(&format!("/api/v1/search?q={}", encode(q)))
            .await;
        assert_eq!(
            body["items"][0]["slug"], "quantenzimt-foerderprogramm",
            "{q}"
        );
        // The title is shown as written (decomposed), the matched word
        // marked where it stands in that text.
        assert_eq!(
            body["items"][0]["title"],
            "<b>Quantenzimt</b>-<b>Fo\u{308}rderprogramm</b> fu\u{308}r Betriebsra\u{308}te",
            "{q}"
        );
    }
}
