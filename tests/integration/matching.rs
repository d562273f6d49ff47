//! `POST /api/v1/match`: the Lotse ranks offers for a profile, with reasons.
use serde_json::{Value, json};

use crate::helpers::{TestApp, slugs_of};
use crate::shared_tests;

shared_tests!(
    a_works_council_in_bielefeld_gets_works_council_offers_with_reasons,
    a_works_council_in_dortmund_gets_at_least_five_offers_with_reasons,
    explain_lists_what_was_ruled_out_and_why,
    date_budget_and_need_shape_the_result,
    invalid_profiles_are_rejected_naming_the_field,
    regions_by_name_total_and_reasons_people_read,
);
crate::private_tests!(
    seeded: true;
    explain_lists_at_most_100_ruled_out_offers,
    an_empty_result_is_a_200_that_says_why
);

fn slugs(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["offer"]["slug"].as_str().unwrap().to_owned())
        .collect()
}

fn codes(item: &Value) -> Vec<String> {
    item["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect()
}

/// Issue 11's acceptance profile: Dortmund (05913), a works council, Arbeit
/// 4.0. Every ranked offer can apply (for works councils, serving Dortmund
/// or a region around it, open today) and says why it is listed.
async fn a_works_council_in_dortmund_gets_at_least_five_offers_with_reasons(app: TestApp) {
    let (status, body) = app
        .post_json(
            "/api/v1/match",
            &json!({"region": "05913", "role": "works_council", "topics": ["arbeit-40"]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let items = body["items"].as_array().unwrap();
    assert!(items.len() >= 5, "{:?}", slugs(&body));
    for item in items {
        assert_applies(
            item,
            "works_council",
            &[
                "dortmund",
                "regierungsbezirk-arnsberg",
                "metropole-ruhr",
                "nordrhein-westfalen",
                "deutschland",
            ],
        );
    }
}

/// `item` is an offer for `group` serving one of `around`, listed with the
/// reasons `serves_region` and `target_group_match` and a score in 0..=1.
fn assert_applies(item: &Value, group: &str, around: &[&str]) {
    let offer = &item["offer"];
    let slug = &offer["slug"];
    assert!(
        offer["target_groups"]
            .as_array()
            .unwrap()
            .contains(&json!(group)),
        "{slug} is not for {group}"
    );
    let serves: Vec<&str> = offer["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["slug"].as_str().unwrap())
        .collect();
    assert!(
        serves.iter().any(|s| around.contains(s)),
        "{slug} serves {serves:?}"
    );
    let score = item["score"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&score));
    let c = codes(item);
    assert!(
        c.contains(&"serves_region".to_owned()) && c.contains(&"target_group_match".to_owned()),
        "{c:?}"
    );
}

async fn a_works_council_in_bielefeld_gets_works_council_offers_with_reasons(app: TestApp) {
    let (status, body) = app
        .post_json(
            "/api/v1/match",
            &json!({"region": "05711", "role": "works_council", "topics": ["arbeit-40"]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let items = body["items"].as_array().unwrap();
    assert!(!items.is_empty());
    let found = slugs(&body);
    // Free, for works councils, Arbeit 4.0, all of NRW: the two best fits tie.
    assert!(found[..2].contains(&"tbs-beratung".to_owned()), "{found:?}");
    for item in items {
        assert_applies(
            item,
            "works_council",
            &[
                "nordrhein-westfalen",
                "ostwestfalenlippe",
                "bielefeld",
                "deutschland",
                "regierungsbezirk-detmold",
            ],
        );
    }
    assert!(codes(&items[0]).contains(&"topic_match".to_owned()));
    assert!(codes(&items[0]).contains(&"free_of_charge".to_owned()));
    let scores: Vec<f64> = items.iter().map(|i| i["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    // SME-only offers are not listed.
    assert!(
        !found.contains(&"go-digital".to_owned())
            && !found.contains(&"its-owl-transferprojekte".to_owned())
    );
}

async fn explain_lists_what_was_ruled_out_and_why(app: TestApp) {
    let (_, body) = app
        .post_json("/api/v1/match", &json!({"region": "bielefeld", "role": "works_council", "explain": true, "date": "2025-06-01"}))
        .await;
    let excluded = body["excluded"].as_array().unwrap();
    let why = |slug: &str| -> Vec<String> {
        excluded
            .iter()
            .find(|e| e["slug"] == slug)
            .map_or_else(Vec::new, |e| {
                e["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["code"].as_str().unwrap().to_owned())
                    .collect()
            })
    };
    assert_eq!(why("go-digital"), ["other_target_group"]);
    assert!(why("arbeit-2020-begleitung").contains(&"closed".to_owned()));
    assert!(why("kompetenzzentrum-siegen").contains(&"outside_region".to_owned()));
    let (_, plain) = app
        .post_json(
            "/api/v1/match",
            &json!({"region": "bielefeld", "role": "works_council"}),
        )
        .await;
    assert!(plain.get("excluded").is_none());
    assert!(plain.get("excluded_total").is_none());
    assert_eq!(
        body["excluded_total"],
        excluded.len(),
        "all listed on the seed"
    );
}

/// An empty result is a 200 with an empty list, and says why: here every
/// free offer for founders becomes paid, so `free_only` leaves none.
async fn an_empty_result_is_a_200_that_says_why(app: TestApp) {
    let profile =
        json!({"region": "05711", "role": "founder", "budget": "free_only", "explain": true});
    let (status, before) = app.post_json("/api/v1/match", &profile).await;
    assert_eq!(status, 200);
    let free = slugs(&before);
    assert!(!free.is_empty());
    let offers: Vec<Value> = free
        .iter()
        .map(|slug| {
            let mut offer = crate::helpers::seed_record("offers", slug);
            offer["cost"] = json!("paid");
            offer
        })
        .collect();
    let dataset = json!({ "offers": offers });
    lotse::service::import::import_json(app.db(), &dataset.to_string())
        .await
        .unwrap();
    app.store.as_ref().unwrap().invalidate();

    let (status, empty) = app.post_json("/api/v1/match", &profile).await;
    assert_eq!(status, 200);
    assert_eq!(empty["items"], json!([]));
    let excluded = empty["excluded"].as_array().unwrap();
    for slug in &free {
        let entry = excluded
            .iter()
            .find(|e| e["slug"] == slug.as_str())
            .unwrap_or_else(|| panic!("{slug} is not listed as ruled out: {empty}"));
        assert!(entry["reasons"].to_string().contains("not_free"), "{entry}");
    }
}

async fn date_budget_and_need_shape_the_result(app: TestApp) {
    let (_, in_2020) = app
        .post_json(
            "/api/v1/match",
            &json!({"region": "05711", "role": "works_council", "date": "2020-06-01"}),
        )
        .await;
    assert!(slugs(&in_2020).contains(&"arbeit-2020-begleitung".to_owned()));
    let (_, free) = app
        .post_json(
            "/api/v1/match",
            &json!({"region": "05711", "role": "sme", "budget": "free_only"}),
        )
        .await;
    assert!(!free["items"].as_array().unwrap().is_empty());
    assert!(
        free["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["offer"]["cost"] == "free")
    );
    let (_, need) = app
        .post_json("/api/v1/match", &json!({"region": "05711", "role": "works_council", "need": "Beratung für Betriebsräte und Personalräte"}))
        .await;
    let tbs = need["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["offer"]["slug"] == "tbs-beratung")
        .unwrap();
    let text = tbs["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "text_match")
        .unwrap();
    let detail = text["detail"].as_str().unwrap();
    // The words as the person wrote them, not their stems; stop words left out.
    assert!(
        detail.contains("Betriebsräte")
            && !detail.contains("betriebsrat")
            && !detail.contains("und"),
        "{text}"
    );
    // Südwestfalen: the local training offer is in, OWL's transfer projects are not.
    let (_, swf) = app
        .post_json(
            "/api/v1/match",
            &json!({"region": "suedwestfalen", "role": "sme", "limit": 100}),
        )
        .await;
    let found = slugs(&swf);
    assert!(
        found.contains(&"kompetenzzentrum-siegen".to_owned())
            && !found.contains(&"its-owl-transferprojekte".to_owned()),
        "{found:?}"
    );
}

async fn invalid_profiles_are_rejected_naming_the_field(app: TestApp) {
    // A whole number written with a zero fraction is an integer to JSON
    // Schema (and to the contract): accepted, and the same as without.
    let plain = json!({"region": "05711", "role": "sme", "employees": 40, "limit": 3});
    let (status, expected) = app.post_json("/api/v1/match", &plain).await;
    assert_eq!(status, 200, "{expected}");
    let fractional = json!({"region": "05711", "role": "sme", "employees": 40.0, "limit": 3.0});
    let (status, got) = app.post_json("/api/v1/match", &fractional).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(slugs(&got), slugs(&expected));
    assert_eq!(slugs(&got).len(), 3);

    for (profile, field) in [
        (json!({"region": "99999", "role": "sme"}), "region"),
        (
            json!({"region": "05711", "role": "sme", "topics": ["nosuch"]}),
            "topics",
        ),
        (
            json!({"region": "05711", "role": "sme", "employees": -5}),
            "employees",
        ),
        // Above the documented maximum, a fraction, beyond u32.
        (
            json!({"region": "05711", "role": "sme", "employees": 1_000_001}),
            "employees",
        ),
        (
            json!({"region": "05711", "role": "sme", "employees": 12.5}),
            "employees",
        ),
        (
            json!({"region": "05711", "role": "sme", "employees": 4_294_967_296_u64}),
            "employees",
        ),
        (
            json!({"region": "05711", "role": "sme", "limit": 2.5}),
            "limit",
        ),
        (json!({"region": "05711", "role": "boss"}), "role"),
        // Well-formed JSON of the wrong type for an enum: the field's
        // problem (422), not a syntax error (400).
        (json!({"region": "05711", "role": null}), "role"),
        (json!({"region": "05711", "role": ["sme"]}), "role"),
        (
            json!({"region": "05711", "role": "sme", "budget": 1}),
            "budget",
        ),
        (
            json!({"region": "05711", "role": "sme", "need": "x".repeat(10_000)}),
            "need",
        ),
        (
            json!({"region": "05711", "role": "sme", "budget": "cheap"}),
            "budget",
        ),
        (
            json!({"region": "05711", "role": "sme", "date": "soon"}),
            "date",
        ),
        (
            json!({"region": "05711", "role": "sme", "limit": 0}),
            "limit",
        ),
        (json!({"role": "sme"}), "body"),
        // serde would read a profile from an array, by position.
        (
            json!(["05711", "sme", null, null, [], null, "any", null, false, 3]),
            "body",
        ),
        (json!("05711"), "body"),
        (
            json!({"region": "05711", "role": "sme", "nosuch": 1}),
            "nosuch",
        ),
    ] {
        let (status, problem) = app.post_json("/api/v1/match", &profile).await;
        assert_eq!(status, 422, "{profile}: {problem}");
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(
            fields.iter().any(|f| f.starts_with(field)
                || (field == "nosuch" && problem["detail"].as_str().unwrap().contains("nosuch"))),
            "{profile}: {problem}"
        );
    }
    // A name twice in one object is malformed JSON here as on writes.
    let response = app
        .client
        .post(format!("{}/api/v1/match", app.address))
        .header("content-type", "application/json")
        .body(r#"{"region": "05711", "region": "05913", "role": "sme"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let problem: Value = response.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("appears twice"),
        "{problem}"
    );
    let response = app
        .client
        .post(format!("{}/api/v1/match", app.address))
        .body("region=05711")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let response = app
        .client
        .post(format!("{}/api/v1/match", app.address))
        .header("content-type", "application/json")
        .body("x".repeat(20_000))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
}

crate::shared_tests!(graphql_match_offers_equals_rest);

async fn graphql_match_offers_equals_rest(app: TestApp) {
    let (_, rest) = app
        .post_json("/api/v1/match", &json!({"region": "05711", "role": "sme", "topics": ["industrie-40"], "explain": true, "date": "2025-03-01"}))
        .await;
    let data = app
        .graphql_data(
            r#"{ matchOffers(profile: {region: "05711", role: SME, topics: ["industrie-40"], explain: true, date: "2025-03-01"}) {
                 items { score reasons { code detail } offer { slug provider { name } } }
                 excluded { slug reasons { code } } } }"#,
            Value::Null,
        )
        .await;
    let graphql: Vec<&str> = data["matchOffers"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["offer"]["slug"].as_str().unwrap())
        .collect();
    let rest_slugs = slugs(&rest);
    assert_eq!(
        graphql,
        rest_slugs.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert_eq!(
        data["matchOffers"]["items"][0]["reasons"],
        rest["items"][0]["reasons"]
    );
    assert_eq!(
        data["matchOffers"]["excluded"].as_array().unwrap().len(),
        rest["excluded"].as_array().unwrap().len()
    );
    let body = app
        .graphql(
            r#"{ matchOffers(profile: {region: "nowhere", role: SME}) { items { score } } }"#,
            Value::Null,
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "invalid_data",
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["errors"][0]["field"],
        "region"
    );
}

/// With many offers ruled out, `explain` lists the first 100 by title and
/// counts them all, over REST and GraphQL alike.
async fn explain_lists_at_most_100_ruled_out_offers(app: TestApp) {
    lotse::generate::run(app.db(), 400, 12, 7).await.unwrap();
    let profile = json!({"region": "bielefeld", "role": "founder", "budget": "free_only",
                         "date": "1990-01-01", "explain": true, "limit": 1});
    let (status, body) = app.post_json("/api/v1/match", &profile).await;
    assert_eq!(status, 200);
    let excluded = body["excluded"].as_array().unwrap();
    assert_eq!(excluded.len(), 100);
    let total = body["excluded_total"].as_u64().unwrap();
    assert!(total > 400, "{total}");
    let titles: Vec<&str> = excluded
        .iter()
        .map(|e| e["title"].as_str().unwrap())
        .collect();
    let mut sorted = titles.clone();
    sorted.sort_unstable();
    assert_eq!(titles, sorted, "by title");
    let data = app
        .graphql_data(
            r#"{ matchOffers(profile: {region: "bielefeld", role: FOUNDER, budget: FREE_ONLY,
                   date: "1990-01-01", explain: true, limit: 1}) {
                   excludedTotal excluded { slug } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["matchOffers"]["excludedTotal"].as_u64(), Some(total));
    assert_eq!(
        slugs_of(&data["matchOffers"]["excluded"]),
        slugs_of(&body["excluded"])
    );
}

/// The profile's region may be named as people type it, `total` counts
/// every offer that applies whatever the `limit`, and the reasons name
/// topics by their labels and the need by the words as written.
async fn regions_by_name_total_and_reasons_people_read(app: TestApp) {
    let ask = |region: &str, limit: u32| {
        json!({"region": region, "role": "works_council", "limit": limit,
               "topics": ["arbeit-40"], "need": "Digitalisierung im Betrieb"})
    };
    let (status, by_key) = app.post_json("/api/v1/match", &ask("05711", 100)).await;
    assert_eq!(status, 200, "{by_key}");
    let all = slugs(&by_key);
    assert!(all.len() > 3, "{all:?}");
    assert_eq!(
        by_key["total"],
        all.len(),
        "limit 100 holds every match on the seed"
    );
    for name in [
        "Bielefeld",
        "bielefeld",
        "  BIELEFELD ",
        "Bielefeld (05711)",
    ] {
        let (status, body) = app.post_json("/api/v1/match", &ask(name, 100)).await;
        assert_eq!(status, 200, "{name}: {body}");
        assert_eq!(slugs(&body), all, "{name}");
    }
    for (name, key) in [
        ("Köln", "05315"),
        ("koeln", "05315"),
        ("Lippe", "05766"),
        ("Kreis Lippe", "05766"),
    ] {
        let (_, by_name) = app.post_json("/api/v1/match", &ask(name, 100)).await;
        let (_, by_key) = app.post_json("/api/v1/match", &ask(key, 100)).await;
        assert_eq!(slugs(&by_name), slugs(&by_key), "{name}");
        assert_eq!(by_name["total"], by_key["total"], "{name}");
    }
    let (status, body) = app.post_json("/api/v1/match", &ask("Atlantis", 100)).await;
    assert_eq!(status, 422, "{body}");

    let (_, two) = app.post_json("/api/v1/match", &ask("05711", 2)).await;
    assert_eq!(slugs(&two), all[..2], "the best two");
    assert_eq!(two["total"], all.len(), "total counts beyond the limit");

    let details: Vec<(String, String)> = by_key["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["reasons"].as_array().unwrap().iter())
        .map(|r| {
            (
                r["code"].as_str().unwrap().to_owned(),
                r["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let detail = |code: &str| {
        details
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, d)| d.clone())
    };
    assert_eq!(
        detail("topic_match").as_deref(),
        Some("covers Arbeit 4.0"),
        "{details:?}"
    );
    let mentions = detail("text_match").unwrap_or_default();
    assert!(
        mentions.starts_with("mentions ")
            && !mentions.contains("digitalisier,")
            && mentions != "mentions digitalisier",
        "{mentions}"
    );
    assert!(
        ["Digitalisierung", "Betrieb"]
            .iter()
            .any(|w| mentions.contains(w)),
        "{mentions}"
    );
}
