//! `/api/v1/offers` and every one of its filters.
use serde_json::Value;

use std::collections::{BTreeMap, HashSet};

use crate::helpers::{TestApp, slugs};
use crate::{private_tests, shared_tests};

shared_tests!(
    bielefeld_finds_local_owl_nrw_and_nationwide_offers,
    a_region_also_finds_offers_inside_it,
    topic_filter_includes_narrower_topics,
    target_group_kind_and_cost_filters,
    provider_and_project_filters_accept_slugs_and_ids,
    open_on_leaves_out_ended_offers,
    q_and_updated_since_filters,
    items_embed_provider_topics_regions_and_project,
    filters_combine_with_and,
    every_offer_has_a_source_and_its_references_resolve,
);

private_tests!(seeded: true;
    link_filters_select_what_an_independent_filter_selects,
    q_on_a_list_selects_every_match,
    list_items_equal_the_records_read_by_key,
);

fn items(body: &Value) -> &Vec<Value> {
    body["items"].as_array().unwrap()
}

async fn bielefeld_finds_local_owl_nrw_and_nationwide_offers(app: TestApp) {
    for key in ["05711", "bielefeld", "DEA41"] {
        let found = slugs(
            &app.get_json(&format!("/api/v1/offers?region={key}&limit=100"))
                .await,
        );
        for expected in [
            "its-owl-transferprojekte",
            "tbs-beratung",
            "go-digital",
            "mittelstand-digital-zentrum-ruhr-owl",
        ] {
            assert!(
                found.contains(&expected.to_owned()),
                "{key}: {expected} missing from {found:?}"
            );
        }
        for unexpected in ["kompetenzzentrum-siegen", "indieregionruhr40"] {
            assert!(
                !found.contains(&unexpected.to_owned()),
                "{key}: {unexpected} does not serve Bielefeld"
            );
        }
    }
}

async fn a_region_also_finds_offers_inside_it(app: TestApp) {
    // Dortmund is in the Metropole Ruhr: the Ruhr network serves it.
    let ruhr = slugs(
        &app.get_json("/api/v1/offers?region=metropole-ruhr&limit=100")
            .await,
    );
    assert!(ruhr.contains(&"indieregionruhr40".to_owned()), "{ruhr:?}");
    assert!(
        !ruhr.contains(&"its-owl-transfertag".to_owned()),
        "{ruhr:?}"
    );
    // OWL is exactly the Regierungsbezirk Detmold: asking for Detmold finds OWL offers.
    let detmold = slugs(&app.get_json("/api/v1/offers?region=057&limit=100").await);
    assert!(
        detmold.contains(&"its-owl-transfertag".to_owned()),
        "{detmold:?}"
    );
    let swf = slugs(
        &app.get_json("/api/v1/offers?region=suedwestfalen,05711&limit=100")
            .await,
    );
    assert!(
        swf.contains(&"kompetenzzentrum-siegen".to_owned())
            && swf.contains(&"its-owl-transfertag".to_owned())
    );
}

async fn topic_filter_includes_narrower_topics(app: TestApp) {
    let body = app
        .get_json("/api/v1/offers?topic=industrie-40&limit=100")
        .await;
    assert!(!items(&body).is_empty());
    for offer in items(&body) {
        let topics: Vec<&str> = offer["topics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["slug"].as_str().unwrap())
            .collect();
        assert!(
            topics.contains(&"industrie-40"),
            "{}: {topics:?}",
            offer["slug"]
        );
    }
    // `digitalisierung` is the parent of industrie-40 and arbeit-40.
    let broad = slugs(
        &app.get_json("/api/v1/offers?topic=digitalisierung&limit=100")
            .await,
    );
    let narrow = slugs(&body);
    assert!(
        narrow.iter().all(|s| broad.contains(s)),
        "broad {broad:?} ⊇ narrow {narrow:?}"
    );
    assert!(
        broad.contains(&"transformation-gestalten".to_owned()),
        "tagged arbeit-40 only: {broad:?}"
    );
}

async fn target_group_kind_and_cost_filters(app: TestApp) {
    let wc = app
        .get_json("/api/v1/offers?target_group=works_council&limit=100")
        .await;
    let wc_slugs = slugs(&wc);
    for expected in [
        "tbs-beratung",
        "arbeit-2020-begleitung",
        "ideenlandkarte-40",
    ] {
        assert!(wc_slugs.contains(&expected.to_owned()), "{wc_slugs:?}");
    }
    assert!(items(&wc).iter().all(|o| {
        o["target_groups"]
            .as_array()
            .unwrap()
            .contains(&Value::from("works_council"))
    }));

    let kinds = app
        .get_json("/api/v1/offers?kind=funding,training&limit=100")
        .await;
    assert!(
        items(&kinds)
            .iter()
            .all(|o| o["kind"] == "funding" || o["kind"] == "training")
    );
    assert!(items(&kinds).iter().any(|o| o["kind"] == "training"));
    assert!(items(&kinds).iter().any(|o| o["kind"] == "funding"));

    let free = app.get_json("/api/v1/offers?cost=free&limit=100").await;
    assert!(!items(&free).is_empty());
    assert!(items(&free).iter().all(|o| o["cost"] == "free"));
}

async fn provider_and_project_filters_accept_slugs_and_ids(app: TestApp) {
    let mut tbs = slugs(&app.get_json("/api/v1/offers?provider=tbs-nrw").await);
    tbs.sort();
    assert_eq!(tbs, ["tbs-beratung", "transformation-gestalten"]);
    let tbs_id = app.get_json("/api/v1/partners/tbs-nrw").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut by_id = slugs(
        &app.get_json(&format!("/api/v1/offers?provider={tbs_id}"))
            .await,
    );
    by_id.sort();
    assert_eq!(by_id, tbs);

    let mut owl = slugs(&app.get_json("/api/v1/offers?project=its-owl").await);
    owl.sort();
    assert_eq!(
        owl,
        [
            "its-owl-innovationsprojekte",
            "its-owl-transferprojekte",
            "its-owl-transfertag"
        ]
    );
}

async fn open_on_leaves_out_ended_offers(app: TestApp) {
    let in_2023 = slugs(
        &app.get_json("/api/v1/offers?open_on=2023-06-01&limit=100")
            .await,
    );
    assert!(in_2023.contains(&"potentialberatung".to_owned()));
    assert!(
        !in_2023.contains(&"transformation-gestalten".to_owned()),
        "ended 2023-03-31"
    );
    assert!(
        !in_2023.contains(&"digital-in-nrw".to_owned()),
        "ended 2020-12-31"
    );
    let in_2024 = slugs(
        &app.get_json("/api/v1/offers?open_on=2024-01-01&limit=100")
            .await,
    );
    assert!(
        !in_2024.contains(&"potentialberatung".to_owned()),
        "ended 2023-12-31"
    );
    assert!(in_2024.contains(&"tbs-beratung".to_owned()), "open-ended");
    let in_2022 = slugs(
        &app.get_json("/api/v1/offers?open_on=2022-06-30&limit=100")
            .await,
    );
    assert!(
        !in_2022.contains(&"transformationsberatung".to_owned()),
        "starts 2022-07-01"
    );
    // A passed application deadline closes an offer too (its-owl's call for
    // innovation projects ran until 2021-05-31), in the list, its stats and
    // GraphQL alike; on the deadline itself it is still open.
    for (day, open) in [("2021-05-31", true), ("2021-06-01", false)] {
        let listed = slugs(
            &app.get_json(&format!("/api/v1/offers?open_on={day}&limit=100"))
                .await,
        );
        let found = listed.contains(&"its-owl-innovationsprojekte".to_owned());
        assert_eq!(found, open, "{day}: {listed:?}");
        let stats = app
            .get_json(&format!("/api/v1/stats/offers?open_on={day}"))
            .await;
        assert_eq!(stats["total"], listed.len(), "{day}");
        let data = app
            .graphql_data(
                &format!(
                    r#"{{ offers(first: 100, filter: {{openOn: "{day}"}}) {{ totalCount }} }}"#
                ),
                serde_json::json!({}),
            )
            .await;
        assert_eq!(data["offers"]["totalCount"], listed.len(), "{day}");
    }
}

async fn q_and_updated_since_filters(app: TestApp) {
    // `q` goes through the search index: inflections, umlaut spellings and
    // one-letter typos of longer words still match.
    let found = slugs(
        &app.get_json("/api/v1/offers?q=Betriebsr%C3%A4te&limit=100")
            .await,
    );
    assert!(found.contains(&"tbs-beratung".to_owned()), "{found:?}");
    assert!(
        found.contains(&"arbeit-2020-begleitung".to_owned()),
        "{found:?}"
    );
    assert!(!found.contains(&"go-digital".to_owned()), "{found:?}");
    let umlaut = slugs(
        &app.get_json("/api/v1/offers?q=F%C3%B6rderung&limit=100")
            .await,
    );
    let spelled = slugs(&app.get_json("/api/v1/offers?q=Foerderung&limit=100").await);
    assert!(!umlaut.is_empty());
    assert_eq!(umlaut, spelled);
    let typo = slugs(
        &app.get_json("/api/v1/offers?q=Digitalisirung&limit=100")
            .await,
    );
    let right = slugs(
        &app.get_json("/api/v1/offers?q=Digitalisierung&limit=100")
            .await,
    );
    // Every offer that holds the word itself (a hit of `right` that only
    // holds a neighbour within one edit, such as "digitalisiert", may be two
    // edits from the typo).
    let holds_word = crate::helpers::offers_holding_word(&app, "digitalisierung").await;
    assert!(holds_word.len() > 10, "{holds_word:?}");
    for slug in &holds_word {
        assert!(right.contains(slug), "{slug} not found by the word itself");
        assert!(typo.contains(slug), "a one-letter typo misses {slug}");
    }
    let none = app
        .get_json("/api/v1/offers?updated_since=2999-01-01T00:00:00Z")
        .await;
    assert!(items(&none).is_empty());
    let all = app
        .get_json("/api/v1/offers?updated_since=2000-01-01&include_total=true&limit=1")
        .await;
    let total = app.get_json("/").await["counts"]["offers"].clone();
    assert_eq!(all["total"], total);
}

async fn items_embed_provider_topics_regions_and_project(app: TestApp) {
    let offer = app
        .get_json("/api/v1/offers/its-owl-transferprojekte")
        .await;
    assert_eq!(offer["provider"]["slug"], "its-owl");
    assert_eq!(offer["project"]["slug"], "its-owl");
    assert_eq!(offer["regions"][0]["slug"], "ostwestfalenlippe");
    assert!(
        offer["topics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["slug"] == "industrie-40")
    );
    assert!(offer["source"].as_str().unwrap().contains("its-owl.de"));
    let id = offer["id"].as_str().unwrap();
    assert_eq!(app.get_json(&format!("/api/v1/offers/{id}")).await, offer);
    // The list embeds the same summaries as the item.
    let listed = app
        .get_json("/api/v1/offers?project=its-owl&sort=title")
        .await;
    let same = items(&listed)
        .iter()
        .find(|o| o["id"] == offer["id"])
        .unwrap();
    assert_eq!(same, &offer);
}

async fn filters_combine_with_and(app: TestApp) {
    let body = app
        .get_json(
            "/api/v1/offers?target_group=sme&region=05711&cost=subsidised&kind=funding&limit=100",
        )
        .await;
    let found = slugs(&body);
    assert!(
        found.contains(&"its-owl-transferprojekte".to_owned()),
        "{found:?}"
    );
    for o in items(&body) {
        assert_eq!(o["cost"], "subsidised");
        assert_eq!(o["kind"], "funding");
    }
    assert!(!found.contains(&"kompetenzzentrum-siegen".to_owned()));
}

/// Every item of `path` (which has no `limit`), following cursors.
async fn all_items(app: &TestApp, path: &str, limit: u64) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let after = cursor.map(|c| format!("&cursor={c}")).unwrap_or_default();
        let page = app.get_json(&format!("{path}&limit={limit}{after}")).await;
        all.extend(items(&page).iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return all,
        }
    }
}

/// The ids of [`all_items`].
async fn all_ids(app: &TestApp, path: &str, limit: u64) -> Vec<String> {
    all_items(app, path, limit)
        .await
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Pages of topic, region and target-group filters (planned in memory from
/// the snapshot) hold exactly the offers an independent filter of the
/// unfiltered list gives, in its order, and their totals count them:
/// checked over 1,500 generated offers for broad, rare, combined and empty
/// filters at several page sizes.
async fn link_filters_select_what_an_independent_filter_selects(app: TestApp) {
    lotse::generate::run(app.db(), 1_500, 30, 11).await.unwrap();

    // Each offer's topics and target groups, from the unfiltered list.
    let mut facts: BTreeMap<String, (HashSet<String>, HashSet<String>)> = BTreeMap::new();
    let mut order = Vec::new();
    for offer in all_items(&app, "/api/v1/offers?", 100).await {
        let id = offer["id"].as_str().unwrap().to_owned();
        let topics = offer["topics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["slug"].as_str().unwrap().to_owned())
            .collect();
        let groups = offer["target_groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g.as_str().unwrap().to_owned())
            .collect();
        order.push(id.clone());
        facts.insert(id, (topics, groups));
    }
    assert!(order.len() > 1_500);

    // Topics with their narrower topics, and how many offers each has.
    let topics = app.get_json("/api/v1/topics?limit=100").await;
    let parent_of: BTreeMap<String, Option<String>> = items(&topics)
        .iter()
        .map(|t| {
            (
                t["slug"].as_str().unwrap().to_owned(),
                t["parent"]["slug"].as_str().map(str::to_owned),
            )
        })
        .collect();
    let under = |root: &str| -> HashSet<String> {
        parent_of
            .keys()
            .filter(|slug| {
                let mut at = Some((*slug).clone());
                while let Some(s) = at {
                    if s == root {
                        return true;
                    }
                    at = parent_of[&s].clone();
                }
                false
            })
            .cloned()
            .collect()
    };
    let offers_with = |topic: &str| {
        let wanted = under(topic);
        facts
            .values()
            .filter(|(t, _)| !t.is_disjoint(&wanted))
            .count()
    };
    let mut by_use: Vec<(usize, String)> = parent_of
        .keys()
        .map(|t| (offers_with(t), t.clone()))
        .filter(|(n, _)| *n > 0)
        .collect();
    by_use.sort();
    let rarest = by_use.first().unwrap().1.clone();
    let broadest = by_use.last().unwrap().1.clone();
    assert!(
        by_use.last().unwrap().0 > 20 * by_use.first().unwrap().0,
        "{by_use:?}"
    );

    let region_ids: HashSet<String> = all_ids(&app, "/api/v1/offers?region=05711", 100)
        .await
        .into_iter()
        .collect();
    assert!(region_ids.len() > 500 && region_ids.len() < order.len());

    for topic in [&rarest, &broadest] {
        let wanted = under(topic);
        for group in [None, Some("works_council")] {
            for region in [false, true] {
                let expected: Vec<&String> = order
                    .iter()
                    .filter(|id| {
                        let (t, g) = &facts[*id];
                        !t.is_disjoint(&wanted)
                            && group.is_none_or(|group| g.contains(group))
                            && (!region || region_ids.contains(*id))
                    })
                    .collect();
                let mut path = format!("/api/v1/offers?topic={topic}");
                if let Some(group) = group {
                    path.push_str(&format!("&target_group={group}"));
                }
                if region {
                    path.push_str("&region=05711");
                }
                for limit in [2, 7, 100] {
                    let got = all_ids(&app, &path, limit).await;
                    assert_eq!(
                        got.iter().collect::<Vec<_>>(),
                        expected,
                        "{path} with limit {limit}"
                    );
                }
                let total = app
                    .get_json(&format!("{path}&limit=1&include_total=true"))
                    .await;
                assert_eq!(total["total"], expected.len(), "{path}");
            }
        }
    }
}

/// The shipped data: at least 60 offers, each with a source; every provider,
/// project, region and topic an offer names resolves as an item.
async fn every_offer_has_a_source_and_its_references_resolve(app: TestApp) {
    let offers = app.collect_all("/api/v1/offers", 100).await;
    assert!(offers.len() >= 60, "{} offers", offers.len());
    let mut references = std::collections::BTreeSet::new();
    for offer in &offers {
        let source = offer["source"].as_str().unwrap_or_default();
        assert!(!source.trim().is_empty(), "{} has no source", offer["slug"]);
        references.insert(format!(
            "partners/{}",
            offer["provider"]["slug"].as_str().unwrap()
        ));
        if let Some(project) = offer["project"]["slug"].as_str() {
            references.insert(format!("projects/{project}"));
        }
        for (field, collection) in [("regions", "regions"), ("topics", "topics")] {
            for linked in offer[field].as_array().unwrap() {
                references.insert(format!("{collection}/{}", linked["slug"].as_str().unwrap()));
            }
        }
    }
    for reference in &references {
        let item = app.get_json(&format!("/api/v1/{reference}")).await;
        assert!(item["id"].is_string(), "{reference}: {item}");
    }
}

/// `q` on a list is a filter: every offer holding the word is selected,
/// also beyond the search's thousand ranked hits (it was capped there, so
/// `q` and another filter missed matches ranked lower).
async fn q_on_a_list_selects_every_match(app: TestApp) {
    lotse::generate::run(app.db(), 2_600, 30, 7).await.unwrap();
    let holding = crate::helpers::offers_holding_word(&app, "betriebsräte").await;
    assert!(holding.len() > 1_000, "{}", holding.len());
    let page = app
        .get_json("/api/v1/offers?q=Betriebsr%C3%A4te&include_total=true&limit=1")
        .await;
    assert!(
        page["total"].as_u64().unwrap() >= holding.len() as u64,
        "{page}"
    );
    let stats = app
        .get_json("/api/v1/stats/offers?q=Betriebsr%C3%A4te")
        .await;
    assert_eq!(stats["total"], page["total"]);
}

/// List pages are made from the snapshot, an item read by key from the
/// database: both show the same record, every field, in both languages,
/// also for a record changed by another writer than the API.
async fn list_items_equal_the_records_read_by_key(app: TestApp) {
    let mut offer = crate::helpers::seed_record("offers", "tbs-beratung");
    offer["provider_note"] = serde_json::json!("Nur nach Terminvereinbarung – „bitte anrufen“.");
    offer["note"] = serde_json::json!("Geprüft\nam 1. Dezember.");
    offer["url"] = serde_json::json!("https://example.org/angebot?a=1&b=%C3%BC");
    offer["valid_until"] = serde_json::json!("2030-12-31");
    let dataset = serde_json::json!({ "offers": [offer] }).to_string();
    let report = lotse::service::import::import_json(app.db(), &dataset)
        .await
        .unwrap();
    assert_eq!(report.changed(), 1);
    for lang in ["de", "en"] {
        let listed = app
            .collect_all(&format!("/api/v1/offers?lang={lang}"), 7)
            .await;
        assert!(listed.len() > 10, "{lang}: {}", listed.len());
        for item in &listed {
            let id = item["id"].as_str().unwrap();
            let read = app
                .get_json(&format!("/api/v1/offers/{id}?lang={lang}"))
                .await;
            assert_eq!(item, &read, "{lang}: {id}");
        }
        let changed = listed.iter().find(|o| o["slug"] == "tbs-beratung").unwrap();
        assert_eq!(changed["note"], "Geprüft\nam 1. Dezember.", "{lang}");
        assert_eq!(changed["valid_until"], "2030-12-31", "{lang}");
        let description = changed["description"].as_str().unwrap();
        assert_eq!(
            description.starts_with("Technology"),
            lang == "en",
            "{lang}"
        );
    }
}
