//! Upgrading an installation in place: a database seeded with the previous
//! seed (`tests/fixtures/seed-1.0.0.json`, the `api/seed/seed.json` of
//! release 1.0.0) takes in the shipped seed on its next start, adding exactly
//! the new records and changing exactly the records that differ, once.
use std::collections::BTreeMap;

use lotse::service::import::{SEED_JSON, SeedOutcome, import_json, seed_or_upgrade};
use serde_json::Value;

use crate::helpers::{TestApp, changes_after, newest_seq};
use crate::private_tests;

private_tests!(
    seeded: false;
    an_installation_holding_the_previous_seed_is_upgraded_in_place_once,
    a_database_holding_other_data_is_left_alone,
);

const PREVIOUS_SEED: &str = include_str!("../fixtures/seed-1.0.0.json");

/// The collections of the import format, each record by slug.
fn records(json: &str) -> BTreeMap<(String, String), Value> {
    let doc: Value = serde_json::from_str(json).unwrap();
    let mut all = BTreeMap::new();
    for (collection, list) in doc.as_object().unwrap() {
        let Some(list) = list.as_array() else {
            continue;
        };
        for record in list {
            let slug = record["slug"].as_str().unwrap().to_owned();
            all.insert((collection.clone(), slug), record.clone());
        }
    }
    all
}

/// `updated_at` of every offer, partner and project, by slug.
async fn stamps(app: &TestApp) -> BTreeMap<String, String> {
    let mut stamps = BTreeMap::new();
    for collection in [
        "offers", "partners", "projects", "topics", "regions", "meetings",
    ] {
        for record in app.collect_all(&format!("/api/v1/{collection}"), 100).await {
            stamps.insert(
                format!("{collection}/{}", record["slug"].as_str().unwrap()),
                record["updated_at"].as_str().unwrap().to_owned(),
            );
        }
    }
    stamps
}

async fn an_installation_holding_the_previous_seed_is_upgraded_in_place_once(app: TestApp) {
    // The previous release's start: an empty database takes in seed 1.0.0.
    import_json(app.db(), PREVIOUS_SEED).await.unwrap();
    let seq = newest_seq(&app).await;
    let before = stamps(&app).await;

    // What the upgrade must write: every record of the shipped seed that is
    // new or differs from the previous seed; nothing for the others.
    let (previous, shipped) = (records(PREVIOUS_SEED), records(SEED_JSON));
    let mut expected: Vec<(String, uuid::Uuid, String)> = shipped
        .iter()
        .filter(|(key, record)| previous.get(*key) != Some(*record))
        .map(|((collection, slug), _)| {
            let id = lotse::slug::stable_id(collection, slug);
            (collection.clone(), id, "upsert".to_owned())
        })
        .collect();
    expected.sort();
    let added = shipped
        .keys()
        .filter(|k| !previous.contains_key(*k))
        .count();
    assert!(added >= 45, "the shipped seed adds {added} records");

    // The next start, with the new release, upgrades in place.
    let upgraded = app.replica(|s| s.seed = true).await;
    let mut logged = changes_after(&app, seq).await;
    logged.sort();
    assert_eq!(logged, expected, "one upsert per new or changed record");

    let after = stamps(&upgraded).await;
    for (record, stamp) in &before {
        let changed = expected.iter().any(|(c, id, _)| {
            let (collection, slug) = record.split_once('/').unwrap();
            c == collection && *id == lotse::slug::stable_id(collection, slug)
        });
        if !changed {
            assert_eq!(after.get(record), Some(stamp), "{record} was touched");
        }
    }
    let offers = upgraded.get_json("/api/v1/offers?include_total=true").await;
    let shipped_offers = shipped.keys().filter(|(c, _)| c == "offers").count();
    assert_eq!(offers["total"], shipped_offers);

    // Taken in once: a later start (or the same call again) changes nothing.
    let seq = newest_seq(&app).await;
    let again = seed_or_upgrade(app.db()).await.unwrap();
    assert!(matches!(again, SeedOutcome::Current), "{again}");
    let _later = app.replica(|s| s.seed = true).await;
    assert_eq!(newest_seq(&app).await, seq);
}

async fn a_database_holding_other_data_is_left_alone(app: TestApp) {
    let own = r#"{"topics": [{"slug": "eigenes-thema", "label_de": "Eigenes Thema", "source": "test"}],
                  "partners": [{"slug": "eigener-partner", "name": "Eigener Partner", "kind": "other",
                                "alliance_member": false, "source": "test", "verified": false}]}"#;
    import_json(app.db(), own).await.unwrap();
    let seq = newest_seq(&app).await;
    let outcome = seed_or_upgrade(app.db()).await.unwrap();
    assert!(matches!(outcome, SeedOutcome::Foreign), "{outcome}");
    assert_eq!(newest_seq(&app).await, seq);
    let partners = app.get_json("/api/v1/partners?include_total=true").await;
    assert_eq!(partners["total"], 1);
}
