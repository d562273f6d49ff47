//! Sync is exact (issue 13): records of every collection are created,
//! changed and deleted through the API, links included; a mirror that
//! replays `GET /api/v1/changes` into an empty database through the public
//! API alone ends equal to the live data — replayed from the beginning, and
//! from a cursor taken in the middle of the writes.
use std::collections::BTreeMap;

use lotse::service::keys::{self, Scope};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp};

#[tokio::test]
async fn a_mirror_replaying_the_feed_equals_the_live_data_sqlite() {
    replay_is_exact(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_mirror_replaying_the_feed_equals_the_live_data_postgres() {
    if std::env::var_os(crate::helpers::POSTGRES_ENV).is_none() {
        eprintln!("skipped: {} is not set", crate::helpers::POSTGRES_ENV);
        return;
    }
    replay_is_exact(Backend::Postgres).await;
}

async fn replay_is_exact(backend: Backend) {
    let live = TestApp::private(backend, true).await.unwrap();
    let live_key = writer(&live).await;
    // A mirror that follows from the start while the writes happen …
    let early = TestApp::private(backend, false).await.unwrap();
    let early_key = writer(&early).await;
    let mut early_cursor = replay(&live, &early, &early_key, None).await;

    first_half(&live, &live_key).await;
    early_cursor = replay(&live, &early, &early_key, Some(early_cursor)).await;
    second_half(&live, &live_key).await;
    replay(&live, &early, &early_key, Some(early_cursor)).await;

    // … and one that replays everything once, at the end.
    let late = TestApp::private(backend, false).await.unwrap();
    let late_key = writer(&late).await;
    replay(&live, &late, &late_key, None).await;

    let expected = state(&live).await;
    assert!(expected.contains_key("contacts/robotik-verein-hotline"));
    assert!(!expected.contains_key("offers/arbeit-2020-begleitung"));
    for mirror in [&early, &late] {
        let got = state(mirror).await;
        let missing: Vec<&String> = expected.keys().filter(|k| !got.contains_key(*k)).collect();
        let extra: Vec<&String> = got.keys().filter(|k| !expected.contains_key(*k)).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "missing {missing:?}, extra {extra:?}"
        );
        for (key, record) in &expected {
            assert_eq!(&got[key], record, "{key}");
        }
        for collection in [
            "partners", "regions", "topics", "projects", "offers", "meetings",
        ] {
            assert_eq!(
                public(mirror, collection).await,
                public(&live, collection).await,
                "{collection}"
            );
        }
    }
}

async fn writer(app: &TestApp) -> String {
    keys::create(app.db(), "sync", &[Scope::Write])
        .await
        .unwrap()
}

/// Sends a write and asserts it succeeded.
async fn write(app: &TestApp, key: &str, method: &str, path: &str, body: Option<Value>) -> u16 {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let content_type = if method == reqwest::Method::PATCH {
        "application/merge-patch+json"
    } else {
        "application/json"
    };
    let mut request = app
        .client
        .request(method.clone(), format!("{}{path}", app.address))
        .bearer_auth(key);
    if let Some(body) = body {
        request = request
            .header("content-type", content_type)
            .body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert!(
        status < 300 || status == 404,
        "{method} {path}: {status} {text}"
    );
    status
}

/// Creates one record of every collection, with links between them.
async fn first_half(app: &TestApp, key: &str) {
    let posts = [
        (
            "regions",
            json!({"slug": "robotik-region", "name": "Robotikregion", "name_en": null, "kind": "economic_region", "ars": null, "nuts": null, "parent": "nordrhein-westfalen", "members": ["dortmund", "bochum"], "source": "test", "verified": false, "note": null}),
        ),
        (
            "topics",
            json!({"slug": "robotik", "label_de": "Robotik", "label_en": "Robotics", "description_de": null, "description_en": null, "parent": "industrie-40", "source": "test"}),
        ),
        (
            "partners",
            json!({"slug": "robotik-verein", "name": "Robotikverein", "name_en": null, "short_name": null, "kind": "cluster", "alliance_group": null, "alliance_member": false, "website": "https://robotik.example.de/", "description_de": null, "description_en": null, "region": "robotik-region", "source": "test", "verified": false, "note": null}),
        ),
        (
            "contacts",
            json!({"slug": "robotik-verein-hotline", "partner": "robotik-verein", "kind": "general", "label_de": "Hotline", "label_en": null, "phone": "0231 000", "email": "info@robotik.example.de", "url": null, "source": "test"}),
        ),
        (
            "people",
            json!({"slug": "vorsitz-robotik", "name": "Vorsitz Robotikverein", "role_de": "Vorsitz", "role_en": null, "partner": "robotik-verein", "year": 2026, "source": "test", "note": null}),
        ),
        (
            "projects",
            json!({"slug": "robotik-pilot", "name": "Robotik-Pilot", "name_en": null, "kind": "pilot_project", "status": "active", "start_date": "2026-01-01", "end_date": null, "start_year": 2026, "summary_de": "Pilot", "summary_en": null, "description_de": null, "description_en": null, "website": null, "region": "robotik-region", "member_count": 2, "facts": {"budget_eur": 1000}, "participants": [{"partner": "robotik-verein", "role": "lead"}, {"partner": "ig-metall", "role": "partner"}], "source": "test", "verified": false, "note": null}),
        ),
        (
            "offers",
            json!({"slug": "robotik-sprechstunde", "title_de": "Robotik-Sprechstunde", "title_en": null, "summary_de": "Sprechstunde", "summary_en": null, "description_de": null, "description_en": null, "provider": "robotik-verein", "provider_note": null, "project": "robotik-pilot", "kind": "consulting", "target_groups": ["sme", "works_council"], "topics": ["robotik"], "regions": ["robotik-region"], "cost": "free", "valid_from": null, "valid_until": null, "application_deadline": null, "url": null, "source": "test", "verified": false, "note": null}),
        ),
        (
            "meetings",
            json!({"slug": "robotik-treffen", "title_de": "Robotik-Treffen", "title_en": null, "date": "2026-11-30", "place": "Dortmund", "host": "robotik-verein", "summary_de": "Treffen", "summary_en": null, "outcomes_de": ["Start"], "outcomes_en": [], "participants": [{"partner": "robotik-verein", "person": "vorsitz-robotik", "role": "speaker", "label_de": "Vorsitz", "label_en": null}], "source": "test"}),
        ),
    ];
    for (collection, body) in posts {
        assert_eq!(
            write(
                app,
                key,
                "POST",
                &format!("/api/v1/{collection}"),
                Some(body)
            )
            .await,
            201,
            "{collection}"
        );
    }
}

/// Changes records and links of every collection, and deletes some.
async fn second_half(app: &TestApp, key: &str) {
    let patches = [
        (
            "regions/robotik-region",
            json!({"members": ["dortmund", "bochum", "hagen"]}),
        ),
        ("topics/robotik", json!({"parent": "digitalisierung"})),
        ("partners/robotik-verein", json!({"alliance_member": true})),
        (
            "contacts/robotik-verein-hotline",
            json!({"phone": "0231 111"}),
        ),
        (
            "projects/robotik-pilot",
            json!({"participants": [{"partner": "robotik-verein", "role": "lead"}, {"partner": "dgb-nrw", "role": "partner"}]}),
        ),
        (
            "offers/robotik-sprechstunde",
            json!({"topics": ["robotik", "qualifizierung"], "target_groups": ["sme"]}),
        ),
        ("meetings/gruendung-2016-04-15", json!({"participants": []})),
        (
            "offers/tbs-beratung",
            json!({"regions": ["robotik-region"]}),
        ),
    ];
    for (path, patch) in patches {
        assert_eq!(
            write(app, key, "PATCH", &format!("/api/v1/{path}"), Some(patch)).await,
            200,
            "{path}"
        );
    }
    for path in [
        "meetings/robotik-treffen",
        "people/vorsitz-robotik",
        "offers/arbeit-2020-begleitung",
    ] {
        assert_eq!(
            write(app, key, "DELETE", &format!("/api/v1/{path}"), None).await,
            204,
            "{path}"
        );
    }
    // Created and deleted between two replays of the early mirror.
    let mut topic = json!({"slug": "kurzlebig", "label_de": "Kurzlebig", "label_en": null, "description_de": null, "description_en": null, "parent": null, "source": "test"});
    assert_eq!(
        write(app, key, "POST", "/api/v1/topics", Some(topic.clone())).await,
        201
    );
    topic["label_de"] = json!("Noch kürzer");
    assert_eq!(
        write(app, key, "PUT", "/api/v1/topics/kurzlebig", Some(topic)).await,
        200
    );
    assert_eq!(
        write(app, key, "DELETE", "/api/v1/topics/kurzlebig", None).await,
        204
    );
}

/// Replays `live`'s feed after `since` into `mirror` through its public
/// API, a page of 50 at a time; returns the cursor reached.
async fn replay(live: &TestApp, mirror: &TestApp, key: &str, since: Option<String>) -> String {
    let mut cursor = since;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/changes?limit=50&since={c}"),
            None => "/api/v1/changes?limit=50".to_owned(),
        };
        let page = live.get_json(&path).await;
        for change in page["items"].as_array().unwrap() {
            let collection = change["collection"].as_str().unwrap();
            let id = change["id"].as_str().unwrap();
            match change["op"].as_str().unwrap() {
                "upsert" => {
                    let record = change["record"].clone();
                    let slug = record["slug"].as_str().unwrap();
                    let path = format!("/api/v1/{collection}/{slug}");
                    if write(mirror, key, "PUT", &path, Some(record.clone())).await == 404 {
                        let created = write(
                            mirror,
                            key,
                            "POST",
                            &format!("/api/v1/{collection}"),
                            Some(record),
                        )
                        .await;
                        assert_eq!(created, 201);
                    }
                }
                "delete" => {
                    write(
                        mirror,
                        key,
                        "DELETE",
                        &format!("/api/v1/{collection}/{id}"),
                        None,
                    )
                    .await;
                }
                op => panic!("unknown op {op}"),
            }
        }
        cursor = Some(page["next_cursor"].as_str().unwrap().to_owned());
        if !page["has_more"].as_bool().unwrap() {
            return cursor.unwrap_or_default();
        }
    }
}

/// Every record of `app` in the import format, as its feed leaves it:
/// `collection/slug` → record, with its id.
async fn state(app: &TestApp) -> BTreeMap<String, Value> {
    let mut records: BTreeMap<String, (String, Value)> = BTreeMap::new();
    let mut since = "0".to_owned();
    loop {
        let page = app
            .get_json(&format!("/api/v1/changes?limit=1000&since={since}"))
            .await;
        for change in page["items"].as_array().unwrap() {
            let id = format!(
                "{}/{}",
                change["collection"].as_str().unwrap(),
                change["id"].as_str().unwrap()
            );
            match change["op"].as_str().unwrap() {
                "upsert" => {
                    let record = &change["record"];
                    let key = format!(
                        "{}/{}",
                        change["collection"].as_str().unwrap(),
                        record["slug"].as_str().unwrap()
                    );
                    records.insert(id, (key, record.clone()));
                }
                _ => {
                    records.remove(&id);
                }
            }
        }
        since = page["next_cursor"].as_str().unwrap().to_owned();
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
    }
    records
        .into_iter()
        .map(|(id, (key, mut record))| {
            record["id"] = json!(id);
            (key, record)
        })
        .collect()
}

/// Every record of a collection as the public API lists it, without what
/// differs between two servers (their URLs) and two writes (their times).
async fn public(app: &TestApp, collection: &str) -> Vec<Value> {
    let mut items = app.collect_all(&format!("/api/v1/{collection}"), 100).await;
    for item in &mut items {
        strip(item);
    }
    items
}

fn strip(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            for name in ["uri", "created_at", "updated_at"] {
                fields.remove(name);
            }
            fields.values_mut().for_each(strip);
        }
        Value::Array(items) => items.iter_mut().for_each(strip),
        _ => {}
    }
}
