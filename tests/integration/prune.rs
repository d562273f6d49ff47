//! `lotse import --prune` and `--dry-run` (issue 10, item 3): records the
//! file's collections no longer contain are deleted, with their links, each
//! with one `delete` change entry, and are gone from every read at once.
//!
//! For each kind of record and link, a prune that removes that one record
//! or link is followed by reads that must no longer show it: items (404),
//! lists, search, match, stats and GraphQL, each as a cached answer (a hit
//! before the prune) and uncached.
use lotse::error::AppError;
use lotse::service::import::{ImportOptions, SEED_JSON, import_json, import_json_with};
use serde_json::{Value, json};

use crate::helpers::{TestApp, changes_after, newest_seq};
use crate::private_tests;

private_tests!(seeded: true;
    prune_every_kind_of_record_and_link_is_gone_from_every_read,
    without_prune_nothing_is_deleted,
    a_dry_run_changes_nothing_and_lists_what_it_would_delete,
    a_prune_leaving_a_dangling_reference_is_refused_and_changes_nothing,
    referring_records_pruned_together_are_deleted_together,
    an_empty_array_prunes_its_whole_collection_and_an_absent_key_nothing,
);

const PRUNE: ImportOptions = ImportOptions {
    prune: true,
    dry_run: false,
};

/// A read that shows `marker` before the prune and must not after it.
struct Read {
    /// A GET path, or a POST path when `body` is set.
    path: &'static str,
    /// The JSON body of a POST (GraphQL, match).
    body: Option<&'static str>,
    marker: &'static str,
}

const fn get(path: &'static str, marker: &'static str) -> Read {
    Read {
        path,
        body: None,
        marker,
    }
}

const fn post(path: &'static str, body: &'static str, marker: &'static str) -> Read {
    Read {
        path,
        body: Some(body),
        marker,
    }
}

/// One prune: what to remove from the file, and where it must disappear.
struct Prune {
    name: &'static str,
    /// Removes the record or link from the file (the whole seed document).
    edit: fn(&mut Value),
    /// The records deleted, as `collection/slug`, in the order deleted.
    deleted: &'static [&'static str],
    /// Records updated because their links changed.
    updated: &'static [&'static str],
    /// Item paths that answer 200 before and 404 after.
    items: &'static [&'static str],
    /// Reads that stop showing the record or link.
    reads: &'static [Read],
    /// A count in `/api/v1/stats` (JSON pointer) that drops by one.
    stat: Option<&'static str>,
}

fn records<'a>(doc: &'a mut Value, collection: &str) -> &'a mut Vec<Value> {
    doc[collection].as_array_mut().unwrap()
}

fn record<'a>(doc: &'a mut Value, collection: &str, slug: &str) -> &'a mut Value {
    records(doc, collection)
        .iter_mut()
        .find(|r| r["slug"] == slug)
        .unwrap_or_else(|| panic!("{collection}/{slug} is not in the file"))
}

fn drop_record(doc: &mut Value, collection: &str, slug: &str) {
    let list = records(doc, collection);
    let before = list.len();
    list.retain(|r| r["slug"] != slug);
    assert_eq!(list.len() + 1, before, "{collection}/{slug}");
}

fn drop_from_list(record: &mut Value, field: &str, value: &str) {
    let list = record[field].as_array_mut().unwrap();
    let before = list.len();
    list.retain(|v| v != value);
    assert_eq!(list.len() + 1, before, "{field}: {value}");
}

/// In the order run, on one document: each removes one more thing.
const PRUNES: &[Prune] = &[
    Prune {
        name: "offer links (topics, regions)",
        edit: |doc| {
            let offer = record(doc, "offers", "tbs-beratung");
            drop_from_list(offer, "topics", "datenschutz");
            offer["regions"] = json!(["regierungsbezirk-detmold"]);
        },
        deleted: &[],
        updated: &["offers/tbs-beratung"],
        items: &[],
        reads: &[
            get("/api/v1/offers/tbs-beratung", r#""slug":"datenschutz""#),
            get(
                "/api/v1/offers?topic=datenschutz&limit=100",
                r#""slug":"tbs-beratung""#,
            ),
            // Köln is no longer served.
            post(
                "/api/v1/match",
                r#"{"region": "05315", "role": "works_council", "topics": ["arbeit-40"]}"#,
                r#""slug":"tbs-beratung""#,
            ),
            post(
                "/graphql",
                r#"{"query": "{ offers(first: 50, filter: {topic: [\"datenschutz\"]}) { nodes { slug } } }"}"#,
                r#""slug":"tbs-beratung""#,
            ),
        ],
        stat: None,
    },
    Prune {
        name: "offer",
        edit: |doc| drop_record(doc, "offers", "tbs-beratung"),
        deleted: &["offers/tbs-beratung"],
        updated: &[],
        items: &["/api/v1/offers/tbs-beratung"],
        reads: &[
            get("/api/v1/offers?limit=100", r#""slug":"tbs-beratung""#),
            get(
                "/api/v1/search?q=Betriebsr%C3%A4te&limit=100",
                r#""slug":"tbs-beratung""#,
            ),
            post(
                "/api/v1/match",
                r#"{"region": "05711", "role": "works_council", "topics": ["arbeit-40"]}"#,
                r#""slug":"tbs-beratung""#,
            ),
            post(
                "/graphql",
                r#"{"query": "{ offer(key: \"tbs-beratung\") { slug } offers(first: 50) { nodes { slug } } }"}"#,
                r#""slug":"tbs-beratung""#,
            ),
        ],
        stat: Some("/offers/total"),
    },
    Prune {
        name: "partner",
        edit: |doc| drop_record(doc, "partners", "gib"),
        deleted: &["partners/gib"],
        updated: &[],
        items: &["/api/v1/partners/gib"],
        reads: &[
            get("/api/v1/partners?limit=100", r#""slug":"gib""#),
            get(
                "/api/v1/search?q=Besch%C3%A4ftigungsf%C3%B6rderung&limit=100",
                r#""slug":"gib""#,
            ),
            post(
                "/graphql",
                r#"{"query": "{ partner(key: \"gib\") { slug } partners(first: 100) { nodes { slug } } }"}"#,
                r#""slug":"gib""#,
            ),
        ],
        stat: Some("/partners/total"),
    },
    Prune {
        name: "contact",
        edit: |doc| drop_record(doc, "contacts", "mwide-presse"),
        deleted: &["contacts/mwide-presse"],
        updated: &[],
        items: &[],
        reads: &[
            get("/api/v1/partners/mwide", "presse@mwide.nrw.de"),
            post(
                "/graphql",
                r#"{"query": "{ partner(key: \"mwide\") { contacts { email } } }"}"#,
                "presse@mwide.nrw.de",
            ),
        ],
        stat: None,
    },
    Prune {
        name: "person (and the meeting participant naming them)",
        edit: |doc| {
            drop_record(doc, "people", "daniel-senff");
            let meeting = record(doc, "meetings", "zweite-sitzung-2016-11-21");
            for p in meeting["participants"].as_array_mut().unwrap() {
                if p["person"] == "daniel-senff" {
                    p["person"] = Value::Null;
                }
            }
        },
        deleted: &["people/daniel-senff"],
        updated: &["meetings/zweite-sitzung-2016-11-21"],
        items: &[],
        reads: &[
            get(
                "/api/v1/partners/plattform-industrie-40",
                r#""slug":"daniel-senff""#,
            ),
            get(
                "/api/v1/meetings/zweite-sitzung-2016-11-21",
                r#""slug":"daniel-senff""#,
            ),
            post(
                "/graphql",
                r#"{"query": "{ partner(key: \"plattform-industrie-40\") { people { slug } } }"}"#,
                r#""slug":"daniel-senff""#,
            ),
        ],
        stat: None,
    },
    Prune {
        name: "meeting participant",
        edit: |doc| {
            let meeting = record(doc, "meetings", "gruendung-2016-04-15");
            let parts = meeting["participants"].as_array_mut().unwrap();
            let before = parts.len();
            parts.retain(|p| p["person"] != "garrelt-duin");
            assert_eq!(parts.len() + 1, before);
        },
        deleted: &[],
        updated: &["meetings/gruendung-2016-04-15"],
        items: &[],
        reads: &[
            get(
                "/api/v1/meetings/gruendung-2016-04-15",
                "Garrelt Duin (Wirtschaftsminister)",
            ),
            post(
                "/graphql",
                r#"{"query": "{ meeting(key: \"gruendung-2016-04-15\") { participants { label } } }"}"#,
                "Garrelt Duin (Wirtschaftsminister)",
            ),
        ],
        stat: None,
    },
    Prune {
        name: "meeting",
        edit: |doc| drop_record(doc, "meetings", "zweite-sitzung-2016-11-21"),
        deleted: &["meetings/zweite-sitzung-2016-11-21"],
        updated: &[],
        items: &["/api/v1/meetings/zweite-sitzung-2016-11-21"],
        reads: &[
            get("/api/v1/meetings", r#""slug":"zweite-sitzung-2016-11-21""#),
            post(
                "/graphql",
                r#"{"query": "{ meeting(key: \"zweite-sitzung-2016-11-21\") { slug } meetings(first: 10) { nodes { slug } } }"}"#,
                r#""slug":"zweite-sitzung-2016-11-21""#,
            ),
        ],
        stat: None,
    },
    Prune {
        name: "project participant",
        edit: |doc| {
            let project = record(doc, "projects", "arbeit-2020");
            let parts = project["participants"].as_array_mut().unwrap();
            let before = parts.len();
            parts.retain(|p| p["partner"] != "ig-bau-rheinland");
            assert_eq!(parts.len() + 1, before);
        },
        deleted: &[],
        updated: &["projects/arbeit-2020"],
        items: &[],
        reads: &[
            get(
                "/api/v1/projects/arbeit-2020",
                r#""slug":"ig-bau-rheinland""#,
            ),
            post(
                "/graphql",
                r#"{"query": "{ project(key: \"arbeit-2020\") { participants { partner { slug } } } }"}"#,
                r#""slug":"ig-bau-rheinland""#,
            ),
        ],
        stat: None,
    },
    Prune {
        name: "project",
        edit: |doc| drop_record(doc, "projects", "digitale-strategie-nrw"),
        deleted: &["projects/digitale-strategie-nrw"],
        updated: &[],
        items: &["/api/v1/projects/digitale-strategie-nrw"],
        reads: &[
            get(
                "/api/v1/projects?limit=100",
                r#""slug":"digitale-strategie-nrw""#,
            ),
            get(
                "/api/v1/search?q=Digitale%20Strategie&limit=100",
                r#""slug":"digitale-strategie-nrw""#,
            ),
            post(
                "/graphql",
                r#"{"query": "{ project(key: \"digitale-strategie-nrw\") { slug } projects(first: 50) { nodes { slug } } }"}"#,
                r#""slug":"digitale-strategie-nrw""#,
            ),
        ],
        stat: Some("/projects/total"),
    },
    Prune {
        name: "topic (and the offer link to it)",
        edit: |doc| {
            drop_record(doc, "topics", "demografischer-wandel");
            let offer = record(doc, "offers", "potentialberatung");
            drop_from_list(offer, "topics", "demografischer-wandel");
        },
        deleted: &["topics/demografischer-wandel"],
        updated: &["offers/potentialberatung"],
        items: &["/api/v1/topics/demografischer-wandel"],
        reads: &[
            get(
                "/api/v1/topics?limit=100",
                r#""slug":"demografischer-wandel""#,
            ),
            get(
                "/api/v1/offers/potentialberatung",
                r#""slug":"demografischer-wandel""#,
            ),
            get("/api/v1/stats", r#""key":"demografischer-wandel""#),
            post(
                "/graphql",
                r#"{"query": "{ topic(key: \"demografischer-wandel\") { slug } topics(first: 50) { nodes { slug } } }"}"#,
                r#""slug":"demografischer-wandel""#,
            ),
        ],
        stat: None,
    },
    Prune {
        name: "region membership",
        edit: |doc| {
            let region = record(doc, "regions", "regierungsbezirk-duesseldorf");
            drop_from_list(region, "members", "essen");
        },
        deleted: &[],
        updated: &["regions/regierungsbezirk-duesseldorf"],
        items: &[],
        reads: &[
            get(
                "/api/v1/regions/regierungsbezirk-duesseldorf",
                r#""slug":"essen""#,
            ),
            post(
                "/graphql",
                r#"{"query": "{ region(key: \"regierungsbezirk-duesseldorf\") { members { slug } } }"}"#,
                r#""slug":"essen""#,
            ),
        ],
        stat: None,
    },
    Prune {
        name: "region (with its member list)",
        edit: |doc| drop_record(doc, "regions", "muensterland"),
        deleted: &["regions/muensterland"],
        updated: &[],
        items: &["/api/v1/regions/muensterland"],
        reads: &[
            get("/api/v1/regions?limit=100", r#""slug":"muensterland""#),
            post(
                "/graphql",
                r#"{"query": "{ region(key: \"muensterland\") { slug } regions(first: 100) { nodes { slug } } }"}"#,
                r#""slug":"muensterland""#,
            ),
        ],
        stat: None,
    },
];

fn seed() -> Value {
    serde_json::from_str(SEED_JSON).unwrap()
}

/// Status, `X-Cache` and the body (re-serialised compactly) of a read.
async fn send(app: &TestApp, path: &str, body: Option<&str>, no_cache: bool) -> Answer {
    let url = format!("{}{path}", app.address);
    let mut request = match body {
        Some(body) => app
            .client
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_owned()),
        None => app.client.get(url),
    };
    if no_cache {
        request = request.header("cache-control", "no-cache");
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let cache = response
        .headers()
        .get("x-cache")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    let text = serde_json::from_str::<Value>(&text).map_or(text, |v| v.to_string());
    Answer {
        status,
        cache,
        text,
    }
}

struct Answer {
    status: u16,
    cache: Option<String>,
    text: String,
}

async fn stat(app: &TestApp, pointer: &str, no_cache: bool) -> u64 {
    let answer = send(app, "/api/v1/stats", None, no_cache).await;
    assert_eq!(answer.status, 200);
    let stats: Value = serde_json::from_str(&answer.text).unwrap();
    stats.pointer(pointer).unwrap().as_u64().unwrap()
}

/// The change entries `deleted` and `updated` (as `collection/slug`) must
/// have made, sorted.
fn expected_changes(deleted: &[&str], updated: &[&str]) -> Vec<(String, uuid::Uuid, String)> {
    let entry = |name: &str, op: &str| {
        let (collection, slug) = name.split_once('/').unwrap();
        (
            collection.to_owned(),
            lotse::slug::stable_id(collection, slug),
            op.to_owned(),
        )
    };
    let mut all: Vec<_> = deleted
        .iter()
        .map(|d| entry(d, "delete"))
        .chain(updated.iter().map(|u| entry(u, "upsert")))
        .collect();
    all.sort();
    all
}

async fn prune_every_kind_of_record_and_link_is_gone_from_every_read(app: TestApp) {
    // A second process on the same database, which learns of each prune
    // only through the change log, within its refresh interval (1 s).
    let other = app
        .replica(|s| s.search_refresh = std::time::Duration::from_secs(1))
        .await;
    let mut doc = seed();
    for prune in PRUNES {
        let name = prune.name;
        // Before: there, and the second read of each is a cache hit.
        for path in prune.items {
            assert_eq!(
                send(&app, path, None, false).await.status,
                200,
                "{name}: {path}"
            );
            let again = send(&app, path, None, false).await;
            assert_eq!(again.cache.as_deref(), Some("hit"), "{name}: {path}");
        }
        for read in prune.reads {
            let first = send(&app, read.path, read.body, false).await;
            assert_eq!(first.status, 200, "{name}: {}: {}", read.path, first.text);
            assert!(
                first.text.contains(read.marker),
                "{name}: {} does not show {} before: {}",
                read.path,
                read.marker,
                first.text
            );
            let again = send(&app, read.path, read.body, false).await;
            assert_eq!(again.cache.as_deref(), Some("hit"), "{name}: {}", read.path);
        }
        let stat_before = match prune.stat {
            Some(pointer) => Some((
                stat(&app, pointer, false).await,
                stat(&app, pointer, false).await,
            )),
            None => None,
        };

        (prune.edit)(&mut doc);
        let seq = newest_seq(&app).await;
        let report = import_json_with(app.db(), &doc.to_string(), PRUNE)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let deletions: Vec<String> = report
            .deletions
            .iter()
            .map(|(c, s)| format!("{c}/{s}"))
            .collect();
        assert_eq!(deletions, prune.deleted, "{name}: {report}");
        assert_eq!(
            report.deleted.values().sum::<usize>(),
            prune.deleted.len(),
            "{name}"
        );
        assert_eq!(
            report.updated.values().sum::<usize>(),
            prune.updated.len(),
            "{name}: {report}"
        );
        assert!(report.inserted.is_empty(), "{name}: {report}");
        assert!(!report.dry_run);
        // One entry per deleted or updated record, nothing for the links.
        let mut logged = changes_after(&app, seq).await;
        logged.sort();
        assert_eq!(
            logged,
            expected_changes(prune.deleted, prune.updated),
            "{name}"
        );

        // After: gone from the cached answers (not a stale hit) and uncached.
        for path in prune.items {
            let cached = send(&app, path, None, false).await;
            assert_eq!(cached.status, 404, "{name}: {path}: {}", cached.text);
            let uncached = send(&app, path, None, true).await;
            assert_eq!(uncached.status, 404, "{name}: {path}");
        }
        for read in prune.reads {
            let cached = send(&app, read.path, read.body, false).await;
            assert_eq!(cached.status, 200, "{name}: {}", read.path);
            assert_ne!(
                cached.cache.as_deref(),
                Some("hit"),
                "{name}: {}",
                read.path
            );
            assert!(
                !cached.text.contains(read.marker),
                "{name}: {} still shows {}: {}",
                read.path,
                read.marker,
                cached.text
            );
            let uncached = send(&app, read.path, read.body, true).await;
            assert!(
                !uncached.text.contains(read.marker),
                "{name}: {} (uncached) still shows {}",
                read.path,
                read.marker
            );
        }
        if let (Some(pointer), Some((before, _))) = (prune.stat, stat_before) {
            assert_eq!(
                stat(&app, pointer, false).await,
                before - 1,
                "{name}: {pointer}"
            );
            assert_eq!(
                stat(&app, pointer, true).await,
                before - 1,
                "{name}: {pointer}"
            );
        }

        // The other process: gone there too within its interval (10 s
        // leave room for a slow machine).
        let pruned = std::time::Instant::now();
        'other: loop {
            let mut stale = Vec::new();
            for path in prune.items {
                if send(&other, path, None, false).await.status != 404 {
                    stale.push(path.to_string());
                }
            }
            for read in prune.reads {
                if send(&other, read.path, read.body, false)
                    .await
                    .text
                    .contains(read.marker)
                {
                    stale.push(read.path.to_string());
                }
            }
            if stale.is_empty() {
                break 'other;
            }
            assert!(
                pruned.elapsed() < std::time::Duration::from_secs(10),
                "{name}: another process still shows {stale:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }

        // The same prune again is a no-op.
        let seq = newest_seq(&app).await;
        let again = import_json_with(app.db(), &doc.to_string(), PRUNE)
            .await
            .unwrap();
        assert_eq!(again.changed(), 0, "{name}: {again}");
        assert_eq!(newest_seq(&app).await, seq, "{name}");
    }
}

async fn without_prune_nothing_is_deleted(app: TestApp) {
    let mut doc = seed();
    drop_record(&mut doc, "partners", "gib");
    drop_record(&mut doc, "offers", "tbs-beratung");
    let seq = newest_seq(&app).await;
    let report = import_json(app.db(), &doc.to_string()).await.unwrap();
    assert_eq!(report.changed(), 0, "{report}");
    assert!(report.deleted.is_empty() && report.deletions.is_empty());
    assert_eq!(newest_seq(&app).await, seq);
    app.get_json("/api/v1/partners/gib").await;
    app.get_json("/api/v1/offers/tbs-beratung").await;
}

async fn a_dry_run_changes_nothing_and_lists_what_it_would_delete(app: TestApp) {
    let mut doc = seed();
    drop_record(&mut doc, "partners", "gib");
    drop_record(&mut doc, "meetings", "zweite-sitzung-2016-11-21");
    record(&mut doc, "offers", "bildungsscheck")["cost"] = json!("paid");
    let seq = newest_seq(&app).await;
    let counts = app.get_json("/").await["counts"].clone();
    let before = app.get_json("/api/v1/offers/bildungsscheck").await;

    for prune in [true, false] {
        let options = ImportOptions {
            prune,
            dry_run: true,
        };
        let report = import_json_with(app.db(), &doc.to_string(), options)
            .await
            .unwrap();
        assert!(report.dry_run);
        assert_eq!(report.updated.get("offers"), Some(&1), "{report}");
        let text = format!("{report:#}");
        assert!(text.contains("dry run"), "{text}");
        if prune {
            assert_eq!(
                report.deletions,
                [
                    ("meetings", "zweite-sitzung-2016-11-21".to_owned()),
                    ("partners", "gib".to_owned())
                ]
            );
            assert!(text.contains("2 deleted"), "{text}");
            assert!(text.contains("would delete partners/gib"), "{text}");
            assert!(
                text.contains("would delete meetings/zweite-sitzung-2016-11-21"),
                "{text}"
            );
        } else {
            assert!(report.deletions.is_empty(), "{text}");
            assert!(text.contains("0 deleted"), "{text}");
        }
        // Nothing written: no rows, no change entries.
        assert_eq!(newest_seq(&app).await, seq);
        assert_eq!(changes_after(&app, seq).await, []);
        assert_eq!(app.get_json("/").await["counts"], counts);
        app.get_json("/api/v1/partners/gib").await;
        app.get_json("/api/v1/meetings/zweite-sitzung-2016-11-21")
            .await;
        assert_eq!(app.get_json("/api/v1/offers/bildungsscheck").await, before);
    }
    // A real run then does what the dry run said.
    let report = import_json_with(app.db(), &doc.to_string(), PRUNE)
        .await
        .unwrap();
    assert_eq!(report.deleted.values().sum::<usize>(), 2, "{report}");
    assert!(format!("{report:#}").contains("\n  deleted partners/gib"));
    app.get_problem("/api/v1/partners/gib", 404).await;
}

async fn a_prune_leaving_a_dangling_reference_is_refused_and_changes_nothing(app: TestApp) {
    let seq = newest_seq(&app).await;
    let counts = app.get_json("/").await["counts"].clone();
    let refused = async |doc: &Value| -> Vec<(String, String)> {
        let Err(AppError::InvalidData(errors)) =
            import_json_with(app.db(), &doc.to_string(), PRUNE).await
        else {
            panic!("expected the prune to be refused");
        };
        assert_eq!(newest_seq(&app).await, seq, "nothing written");
        assert_eq!(app.get_json("/").await["counts"], counts);
        errors.into_iter().map(|e| (e.field, e.message)).collect()
    };

    // A partner still the provider of offers kept in the file; a changed
    // record in the same file is not written either.
    let bildungsscheck = app.get_json("/api/v1/offers/bildungsscheck").await;
    let mut doc = seed();
    drop_record(&mut doc, "partners", "tbs-nrw");
    record(&mut doc, "offers", "bildungsscheck")["cost"] = json!("paid");
    let errors = refused(&doc).await;
    assert_eq!(errors.len(), 3, "{errors:?}");
    for (field, _) in &errors {
        assert_eq!(field, "partners (tbs-nrw)");
    }
    assert!(
        errors[0].1.contains("offer `tbs-beratung`") && errors[0].1.contains("(provider)"),
        "{errors:?}"
    );
    assert!(
        errors[1].1.contains("offer `transformation-gestalten`")
            && errors[1].1.contains("(provider)"),
        "{errors:?}"
    );
    assert!(
        errors[2].1.contains("project `zukunftszentrum-ki-nrw`")
            && errors[2].1.contains("(participants)"),
        "{errors:?}"
    );
    app.get_json("/api/v1/partners/tbs-nrw").await;
    assert_eq!(
        app.get_json("/api/v1/offers/bildungsscheck").await,
        bildungsscheck
    );

    // Kept because their collections are absent from the file: mwide's
    // contacts, person, projects, offers and meetings; and a topic still
    // linked from an offer and a region still a member of another.
    let mut doc = seed();
    let mut partners = doc["partners"].clone();
    partners
        .as_array_mut()
        .unwrap()
        .retain(|p| p["slug"] != "mwide");
    let mut topics = doc["topics"].clone();
    topics
        .as_array_mut()
        .unwrap()
        .retain(|t| t["slug"] != "datenschutz");
    drop_record(&mut doc, "regions", "essen");
    let doc = json!({"partners": partners, "topics": topics, "regions": doc["regions"]});
    let errors = refused(&doc).await;
    let named =
        |field: &str, text: &str| errors.iter().any(|(f, m)| f == field && m.contains(text));
    assert!(
        named(
            "partners (mwide)",
            "contact `mwide-presse` still refers to it (partner)"
        ),
        "{errors:?}"
    );
    assert!(
        named("partners (mwide)", "person `garrelt-duin`"),
        "{errors:?}"
    );
    assert!(named("partners (mwide)", "(participants)"), "{errors:?}");
    assert!(named("partners (mwide)", "(provider)"), "{errors:?}");
    assert!(
        named("partners (mwide)", "meeting `gruendung-2016-04-15`"),
        "{errors:?}"
    );
    assert!(
        named(
            "topics (datenschutz)",
            "offer `tbs-beratung` still refers to it (topics)"
        ),
        "{errors:?}"
    );
    assert!(named("regions (essen)", "(members)"), "{errors:?}");
    app.get_json("/api/v1/partners/mwide").await;
    app.get_json("/api/v1/regions/essen").await;
}

async fn referring_records_pruned_together_are_deleted_together(app: TestApp) {
    // The partner, its two offers, and (through the offers' links) nothing
    // else; the project it took part in is kept, without it.
    let mut doc = seed();
    drop_record(&mut doc, "partners", "tbs-nrw");
    drop_record(&mut doc, "offers", "tbs-beratung");
    drop_record(&mut doc, "offers", "transformation-gestalten");
    let project = record(&mut doc, "projects", "zukunftszentrum-ki-nrw");
    let participants = project["participants"].as_array_mut().unwrap();
    participants.retain(|p| p["partner"] != "tbs-nrw");
    let seq = newest_seq(&app).await;
    let report = import_json_with(app.db(), &doc.to_string(), PRUNE)
        .await
        .unwrap();
    assert_eq!(report.changed(), 4, "{report}");
    let mut logged = changes_after(&app, seq).await;
    logged.sort();
    assert_eq!(
        logged,
        expected_changes(
            &[
                "offers/tbs-beratung",
                "offers/transformation-gestalten",
                "partners/tbs-nrw"
            ],
            &["projects/zukunftszentrum-ki-nrw"]
        )
    );
    app.get_problem("/api/v1/partners/tbs-nrw", 404).await;
    app.get_problem("/api/v1/offers/transformation-gestalten", 404)
        .await;

    // Regions and topics with parents among them (children go first) and
    // a region listing another as member go together too.
    let region = |slug: &str, parent: &str, members: &[&str]| {
        json!({"slug": slug, "name": slug, "kind": "economic_region", "parent": parent,
               "members": members, "source": "test", "verified": false})
    };
    let topic = |slug: &str, parent: Option<&str>| json!({"slug": slug, "label_de": slug, "parent": parent, "source": "test"});
    let added = json!({
        "regions": [
            region("test-oben", "nordrhein-westfalen", &["test-unten"]),
            region("test-unten", "test-oben", &[]),
            region("test-buendel", "nordrhein-westfalen", &["test-unten", "bielefeld"]),
        ],
        "topics": [topic("test-thema", None), topic("test-unterthema", Some("test-thema"))],
    });
    let report = import_json(app.db(), &added.to_string()).await.unwrap();
    assert_eq!(report.inserted.values().sum::<usize>(), 5, "{report}");
    app.get_json("/api/v1/regions/test-unten").await;
    let seed = seed();
    let back = json!({"regions": seed["regions"], "topics": seed["topics"]});
    let seq = newest_seq(&app).await;
    let report = import_json_with(app.db(), &back.to_string(), PRUNE)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let deletions: Vec<String> = report
        .deletions
        .iter()
        .map(|(c, s)| format!("{c}/{s}"))
        .collect();
    assert_eq!(
        deletions,
        [
            "topics/test-unterthema",
            "topics/test-thema",
            "regions/test-buendel",
            "regions/test-unten",
            "regions/test-oben"
        ],
        "{report:#}"
    );
    assert_eq!(report.changed(), 5, "{report}");
    let mut logged = changes_after(&app, seq).await;
    logged.sort();
    assert_eq!(
        logged,
        expected_changes(
            &deletions.iter().map(String::as_str).collect::<Vec<_>>(),
            &[]
        )
    );
    app.get_problem("/api/v1/regions/test-unten", 404).await;
    app.get_problem("/api/v1/topics/test-thema", 404).await;
    let bielefeld = app.get_json("/api/v1/regions/bielefeld").await;
    assert!(
        !bielefeld.to_string().contains("test-buendel"),
        "{bielefeld}"
    );
}

async fn an_empty_array_prunes_its_whole_collection_and_an_absent_key_nothing(app: TestApp) {
    let offers = app.get_json("/").await["counts"]["offers"].clone();
    let report = import_json_with(app.db(), r#"{"meetings": []}"#, PRUNE)
        .await
        .unwrap();
    assert_eq!(report.deleted.get("meetings"), Some(&2), "{report}");
    assert_eq!(report.deleted.len(), 1, "only meetings: {report}");
    let list = app.get_json("/api/v1/meetings").await;
    assert_eq!(list["items"], json!([]));
    assert_eq!(app.get_json("/").await["counts"]["offers"], offers);
    let data = app
        .graphql_data("{ meetings(first: 10) { nodes { slug } } }", json!({}))
        .await;
    assert_eq!(data["meetings"]["nodes"], json!([]));
}
