//! Concurrent writers (issue 13): many clients creating, patching (with
//! and without a current `If-Match`) and deleting at once. No answer is a
//! 5xx; every successful write is in the data, the audit trail and the
//! change feed exactly once; the feed's `seq` strictly increases. The
//! 50-writer, 10-second run with figures is `bench/writers.py`.
use std::collections::{BTreeMap, HashMap};

use lotse::service::keys::{self, Scope};
use serde_json::{Value, json};

use crate::helpers::{TestApp, newest_seq};
use crate::private_tests;

private_tests!(seeded: true;
    concurrent_writers_lose_nothing_and_log_everything_once,
);

/// Writers, and writes each.
const WRITERS: usize = 16;
const ROUNDS: usize = 6;

/// A successful write: the record's slug and the title it set (`None`:
/// deleted).
#[derive(Debug, Clone)]
struct Done {
    slug: String,
    title: Option<String>,
}

async fn concurrent_writers_lose_nothing_and_log_everything_once(app: TestApp) {
    let key = keys::create(app.db(), "writers", &[Scope::Write])
        .await
        .unwrap();
    let start = newest_seq(&app).await;
    let shared = "/api/v1/offers/tbs-beratung";
    let shared_etag = app.get(shared).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();

    let tasks = (0..WRITERS).map(|w| {
        let (client, address, key, shared_etag) = (
            app.client.clone(),
            app.address.clone(),
            key.clone(),
            shared_etag.clone(),
        );
        tokio::spawn(async move {
            let mut done = Vec::new();
            let mut statuses = Vec::new();
            for round in 0..ROUNDS {
                let slug = format!("w{w}-r{round}");
                let title = format!("Angebot {w}/{round}");
                let mut offer = seed_offer(&slug);
                offer["title_de"] = json!(title);
                let created = client
                    .post(format!("{address}/api/v1/offers"))
                    .bearer_auth(&key)
                    .json(&offer)
                    .send()
                    .await
                    .unwrap();
                statuses.push(created.status().as_u16());
                if created.status() != 201 {
                    continue;
                }
                let etag = created.headers()["etag"].to_str().unwrap().to_owned();
                done.push(Done {
                    slug: slug.clone(),
                    title: Some(title),
                });
                // A patch with the current tag, then one with a stale tag.
                for (tag, title) in [
                    (etag.clone(), format!("Neu {w}/{round}")),
                    (etag, "verloren".to_owned()),
                ] {
                    let patched = client
                        .patch(format!("{address}/api/v1/offers/{slug}"))
                        .bearer_auth(&key)
                        .header("content-type", "application/merge-patch+json")
                        .header("if-match", tag)
                        .body(json!({"title_de": title}).to_string())
                        .send()
                        .await
                        .unwrap();
                    statuses.push(patched.status().as_u16());
                    if patched.status() == 200 {
                        done.push(Done {
                            slug: slug.clone(),
                            title: Some(title),
                        });
                    }
                }
                // Everyone races for the shared offer with the tag read at
                // the start: exactly one may win.
                let raced = client
                    .patch(format!("{address}{shared}"))
                    .bearer_auth(&key)
                    .header("content-type", "application/merge-patch+json")
                    .header("if-match", &shared_etag)
                    .body(json!({"title_en": format!("race {w}/{round}")}).to_string())
                    .send()
                    .await
                    .unwrap();
                statuses.push(raced.status().as_u16());
                if raced.status() == 200 {
                    done.push(Done {
                        slug: "tbs-beratung".into(),
                        title: None,
                    });
                }
                if round % 2 == 1 {
                    let deleted = client
                        .delete(format!("{address}/api/v1/offers/{slug}"))
                        .bearer_auth(&key)
                        .send()
                        .await
                        .unwrap();
                    statuses.push(deleted.status().as_u16());
                    if deleted.status() == 204 {
                        done.push(Done {
                            slug: slug.clone(),
                            title: None,
                        });
                    }
                }
            }
            (done, statuses)
        })
    });
    let mut done = Vec::new();
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for task in tasks.collect::<Vec<_>>() {
        let (d, s) = task.await.unwrap();
        done.extend(d);
        for status in s {
            *statuses.entry(status).or_default() += 1;
        }
    }
    assert!(statuses.keys().all(|s| *s < 500), "{statuses:?}");
    assert_eq!(
        statuses.get(&201),
        Some(&(WRITERS * ROUNDS)),
        "{statuses:?}"
    );
    // Each own offer's stale patch lost; of the shared race one won.
    let races_won = done.iter().filter(|d| d.slug == "tbs-beratung").count();
    assert_eq!(races_won, 1, "{statuses:?}");
    assert_eq!(
        statuses.get(&412),
        Some(&(WRITERS * ROUNDS * 2 - 1)),
        "{statuses:?}"
    );

    // The feed after the start: one entry per successful write, in strictly
    // increasing seq.
    let feed = app
        .get_json(&format!("/api/v1/changes?since={start}&limit=1000"))
        .await;
    let items = feed["items"].as_array().unwrap();
    assert_eq!(items.len(), done.len(), "one entry per successful write");
    let seqs: Vec<i64> = items.iter().map(|i| i["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    // The same writes, record by record, in feed and audit trail.
    let audit = send_admin(&app, "/api/v1/audit?actor=writers&limit=1000").await;
    let audited = audit["items"].as_array().unwrap();
    assert_eq!(audited.len(), done.len());
    let count = |pairs: Vec<(String, Option<String>)>| {
        let mut counts: HashMap<(String, Option<String>), usize> = HashMap::new();
        for pair in pairs {
            *counts.entry(pair).or_default() += 1;
        }
        counts
    };
    let expected = count(
        done.iter()
            .map(|d| (d.slug.clone(), d.title.clone()))
            .collect(),
    );
    let from_feed = count(
        items
            .iter()
            .map(|i| {
                let record = &i["record"];
                if i["op"] == "delete" {
                    let id = i["id"].as_str().unwrap();
                    (slug_of_deleted(items, id), None)
                } else if record["slug"] == "tbs-beratung" {
                    ("tbs-beratung".to_owned(), None)
                } else {
                    (
                        record["slug"].as_str().unwrap().to_owned(),
                        record["title_de"].as_str().map(str::to_owned),
                    )
                }
            })
            .collect(),
    );
    assert_eq!(from_feed, expected);
    // The data holds the last state of each record.
    for w in 0..WRITERS {
        for round in 0..ROUNDS {
            let response = app.get(&format!("/api/v1/offers/w{w}-r{round}")).await;
            if round % 2 == 1 {
                assert_eq!(response.status(), 404);
            } else {
                let body: Value = response.json().await.unwrap();
                assert_eq!(body["title"], format!("Neu {w}/{round}"));
            }
        }
    }
}

/// The slug an offer deleted in the feed had: from its earlier upsert.
fn slug_of_deleted(items: &[Value], id: &str) -> String {
    items
        .iter()
        .find(|i| i["id"] == id && i["op"] == "upsert")
        .and_then(|i| i["record"]["slug"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// A GET with a fresh admin key.
async fn send_admin(app: &TestApp, path: &str) -> Value {
    let key = keys::create(
        app.db(),
        &format!("admin-{}", uuid::Uuid::new_v4()),
        &[Scope::Admin],
    )
    .await
    .unwrap();
    app.client
        .get(format!("{}{path}", app.address))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A new offer record named `slug`.
fn seed_offer(slug: &str) -> Value {
    let mut offer = crate::helpers::seed_record("offers", "tbs-beratung");
    offer["slug"] = json!(slug);
    offer
}
