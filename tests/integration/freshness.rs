//! Every kind of record change reaches the next read (issue 10): each write
//! logs a change, the data's generation is the newest `seq` of that log, and
//! the response cache, search index and match corpus key on it.
//!
//! For each kind of record and link, an import that changes that one record
//! is followed by reads that must show the new value: the cached REST
//! answer (which was a hit before), the uncached one, and GraphQL; at once
//! in the writing process, and within the refresh interval in a second
//! process on the same database.
use lotse::service::import::{SEED_JSON, import_json};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::helpers::{TestApp, seed_record};
use crate::private_tests;

private_tests!(seeded: true;
    every_kind_of_record_change_reaches_cached_and_uncached_reads,
    the_change_log_has_one_entry_per_changed_record,
    a_record_written_elsewhere_is_named_before_the_snapshot_holds_it,
    the_pages_show_a_change_at_once,
    a_restored_backup_is_served_as_it_was,
);

/// One kind of change: what to edit in the seed, and where to read it back.
struct Edit {
    name: &'static str,
    /// The seed collection holding the record.
    collection: &'static str,
    slug: &'static str,
    /// Changes the record (a JSON object of the seed format).
    edit: fn(&mut Value),
    /// A REST item path that shows the change.
    path: &'static str,
    /// A GraphQL query that shows it.
    graphql: &'static str,
    /// Text in both answers once the change is visible, absent before.
    marker: &'static str,
}

const EDITS: &[Edit] = &[
    Edit {
        name: "meeting summary",
        collection: "meetings",
        slug: "gruendung-2016-04-15",
        edit: |m| m["summary_de"] = json!("Zusammenfassung geändert-m1"),
        path: "/api/v1/meetings/gruendung-2016-04-15",
        graphql: r#"{ meeting(key: "gruendung-2016-04-15") { summary } }"#,
        marker: "geändert-m1",
    },
    Edit {
        name: "contact of a partner",
        collection: "contacts",
        slug: "mwide-presse",
        edit: |c| c["phone"] = json!("0211 000-c2"),
        path: "/api/v1/partners/mwide",
        graphql: r#"{ partner(key: "mwide") { contacts { phone } } }"#,
        marker: "000-c2",
    },
    Edit {
        name: "person of a partner",
        collection: "people",
        slug: "garrelt-duin",
        edit: |p| p["role_de"] = json!("Wirtschaftsminister p3"),
        path: "/api/v1/partners/mwide",
        graphql: r#"{ partner(key: "mwide") { people { role } } }"#,
        marker: "Wirtschaftsminister p3",
    },
    Edit {
        name: "partner name",
        collection: "partners",
        slug: "ngg",
        edit: |p| p["name"] = json!("Gewerkschaft NGG p4"),
        path: "/api/v1/partners/ngg",
        graphql: r#"{ partner(key: "ngg") { name } }"#,
        marker: "NGG p4",
    },
    Edit {
        name: "topic label",
        collection: "topics",
        slug: "mitbestimmung",
        edit: |t| t["label_de"] = json!("Mitbestimmung t5"),
        path: "/api/v1/topics/mitbestimmung",
        graphql: r#"{ topic(key: "mitbestimmung") { label } }"#,
        marker: "Mitbestimmung t5",
    },
    Edit {
        name: "region member list",
        collection: "regions",
        slug: "regierungsbezirk-duesseldorf",
        edit: |r| {
            let members = r["members"].as_array_mut().unwrap();
            members.retain(|m| m != "essen");
        },
        path: "/api/v1/regions/regierungsbezirk-duesseldorf",
        graphql: r#"{ region(key: "regierungsbezirk-duesseldorf") { members { slug } } }"#,
        marker: "",
    },
    Edit {
        name: "project participants",
        collection: "projects",
        slug: "arbeit-2020",
        edit: |p| {
            let participants = p["participants"].as_array_mut().unwrap();
            participants.retain(|x| x["partner"] != "ig-bau-rheinland");
        },
        path: "/api/v1/projects/arbeit-2020",
        graphql: r#"{ project(key: "arbeit-2020") { participants { partner { slug } } } }"#,
        marker: "",
    },
    Edit {
        name: "offer topic links",
        collection: "offers",
        slug: "tbs-beratung",
        edit: |o| o["topics"] = json!(["arbeit-40", "mitbestimmung", "personalentwicklung"]),
        path: "/api/v1/offers/tbs-beratung",
        graphql: r#"{ offer(key: "tbs-beratung") { topics { slug } } }"#,
        marker: r#""slug":"personalentwicklung""#,
    },
];

/// Text that is in the answers before an edit and gone after it, for the
/// edits that remove something.
fn removed(edit: &Edit) -> Option<&'static str> {
    match edit.name {
        "region member list" => Some(r#""slug":"essen""#),
        "project participants" => Some(r#""slug":"ig-bau-rheinland""#),
        _ => None,
    }
}

async fn read(app: &TestApp, path: &str, no_cache: bool) -> (Option<String>, String) {
    let mut request = app.client.get(format!("{}{path}", app.address));
    if no_cache {
        request = request.header("cache-control", "no-cache");
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    let cache = response
        .headers()
        .get("x-cache")
        .map(|v| v.to_str().unwrap().to_owned());
    (cache, response.text().await.unwrap())
}

fn shows(edit: &Edit, text: &str) -> bool {
    match removed(edit) {
        Some(gone) => !text.contains(gone),
        None => text.contains(edit.marker),
    }
}

async fn every_kind_of_record_change_reaches_cached_and_uncached_reads(app: TestApp) {
    // A second process on the same database: it learns of the writes below
    // only through the change log, within its refresh interval.
    let other = app
        .replica(|s| s.search_refresh = std::time::Duration::from_secs(1))
        .await;
    for edit in EDITS {
        let (_, before) = read(&other, edit.path, false).await;
        assert!(!shows(edit, &before), "{}: already changed", edit.name);
        // Before: the old value, and the second read is a cache hit.
        let (_, before) = read(&app, edit.path, false).await;
        assert!(!shows(edit, &before), "{}: already changed", edit.name);
        let (cache, _) = read(&app, edit.path, false).await;
        assert_eq!(cache.as_deref(), Some("hit"), "{}", edit.name);
        let graphql_before = app.graphql_data(edit.graphql, json!({})).await.to_string();
        assert!(!shows(edit, &graphql_before), "{}", edit.name);

        let mut record = seed_record(edit.collection, edit.slug);
        (edit.edit)(&mut record);
        let report = import_json(app.db(), &json!({ edit.collection: [record] }).to_string())
            .await
            .unwrap();
        assert_eq!(report.changed(), 1, "{}: {report}", edit.name);

        // The test app checks the generation on every request.
        let (cache, cached) = read(&app, edit.path, false).await;
        assert_eq!(cache.as_deref(), Some("miss"), "{}: a stale hit", edit.name);
        assert!(
            shows(edit, &cached),
            "{}: REST still old: {cached}",
            edit.name
        );
        let (_, uncached) = read(&app, edit.path, true).await;
        assert!(shows(edit, &uncached), "{}: uncached still old", edit.name);
        let graphql = app.graphql_data(edit.graphql, json!({})).await.to_string();
        assert!(
            shows(edit, &graphql),
            "{}: GraphQL still old: {graphql}",
            edit.name
        );

        // The other process: within its interval (1 s; 10 s leaves room for
        // a slow machine), REST and GraphQL.
        let written = std::time::Instant::now();
        loop {
            let (_, text) = read(&other, edit.path, false).await;
            let graphql = other
                .graphql_data(edit.graphql, json!({}))
                .await
                .to_string();
            if shows(edit, &text) && shows(edit, &graphql) {
                break;
            }
            assert!(
                written.elapsed() < std::time::Duration::from_secs(10),
                "{}: another process still reads the old value",
                edit.name
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

async fn changes_count(app: &TestApp) -> i64 {
    let db = app.db();
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM changes",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

async fn the_change_log_has_one_entry_per_changed_record(app: TestApp) {
    // The seed wrote one entry per record it inserted, and a second one
    // for each region naming regions as members that were inserted after
    // it (its first entry leaves them out, so a replay of the feed in
    // order never meets an unknown region).
    let seeded = changes_count(&app).await;
    let db = app.db();
    let distinct = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(DISTINCT record_id) FROM changes",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap();
    let regions_again = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) - COUNT(DISTINCT record_id) FROM changes WHERE collection = 'regions'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap();
    let seed: Value = serde_json::from_str(SEED_JSON).unwrap();
    let records: usize = [
        "topics", "regions", "partners", "contacts", "people", "projects", "offers", "meetings",
    ]
    .iter()
    .map(|c| seed[c].as_array().unwrap().len())
    .sum();
    assert_eq!(distinct, records as i64);
    assert!(
        regions_again > 0,
        "NRW lists its Regierungsbezirke, written after it"
    );
    assert_eq!(seeded, records as i64 + regions_again);

    // Re-importing the same file changes nothing and logs nothing.
    let report = import_json(app.db(), SEED_JSON).await.unwrap();
    assert_eq!(report.changed(), 0, "{report}");
    assert_eq!(changes_count(&app).await, seeded);

    // Two changed records: two entries, both `upsert`, in one commit.
    let mut meeting = seed_record("meetings", "gruendung-2016-04-15");
    meeting["place"] = json!("Düsseldorf (Staatskanzlei)");
    let mut offer = seed_record("offers", "tbs-beratung");
    offer["target_groups"] = json!(["works_council", "sme"]);
    import_json(
        app.db(),
        &json!({"meetings": [meeting], "offers": [offer]}).to_string(),
    )
    .await
    .unwrap();
    assert_eq!(changes_count(&app).await, seeded + 2);
    let db = app.db();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT collection, op FROM changes ORDER BY seq DESC LIMIT 2",
        ))
        .await
        .unwrap();
    let mut newest: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                r.try_get_by_index::<String>(0).unwrap(),
                r.try_get_by_index::<String>(1).unwrap(),
            )
        })
        .collect();
    newest.sort();
    assert_eq!(
        newest,
        [
            ("meetings".to_owned(), "upsert".to_owned()),
            ("offers".to_owned(), "upsert".to_owned())
        ]
    );
}

/// The slug of the first record of `collection` in the seed.
fn first_slug(collection: &str) -> String {
    let seed: Value = serde_json::from_str(SEED_JSON).unwrap();
    seed[collection][0]["slug"].as_str().unwrap().to_owned()
}

/// Pages name related records (an offer's provider, project, topics and
/// regions) from the snapshot's reference data; a record written by another
/// process since that snapshot is read from the database instead of being
/// named as missing.
async fn a_record_written_elsewhere_is_named_before_the_snapshot_holds_it(app: TestApp) {
    // A process that will not look at the change log for an hour.
    let other = app
        .replica(|s| s.search_refresh = std::time::Duration::from_secs(3600))
        .await;
    read(&other, "/api/v1/offers/tbs-beratung", true).await;

    let mut partner = seed_record("partners", "tbs-nrw");
    partner["slug"] = json!("test-neuer-traeger");
    partner["name"] = json!("Neuer Träger GmbH");
    partner["short_name"] = json!(null);
    let mut topic = seed_record("topics", "digitalisierung");
    topic["slug"] = json!("test-neues-thema");
    topic["label_de"] = json!("Neues Thema");
    let mut offer = seed_record("offers", "tbs-beratung");
    offer["slug"] = json!("test-neues-angebot");
    offer["provider"] = json!("test-neuer-traeger");
    offer["topics"] = json!(["test-neues-thema"]);
    let mut contact = seed_record("contacts", &first_slug("contacts"));
    contact["slug"] = json!("test-neuer-kontakt");
    contact["partner"] = json!("test-neuer-traeger");
    let mut project = seed_record("projects", "arbeit-2020");
    project["slug"] = json!("test-neues-projekt");
    project["participants"] = json!([{"partner": "test-neuer-traeger", "role": "partner"}]);
    let file = json!({"partners": [partner], "topics": [topic], "offers": [offer],
                      "contacts": [contact], "projects": [project]});
    import_json(app.db(), &file.to_string()).await.unwrap();

    let (_, text) = read(&other, "/api/v1/partners/test-neuer-traeger", true).await;
    let partner: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        partner["contacts"].as_array().unwrap().len(),
        1,
        "{partner}"
    );
    let (_, text) = read(&other, "/api/v1/projects/test-neues-projekt", true).await;
    let project: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        project["participants"][0]["partner"]["name"], "Neuer Träger GmbH",
        "{project}"
    );

    let (_, text) = read(&other, "/api/v1/offers/test-neues-angebot", true).await;
    let offer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(offer["provider"]["slug"], "test-neuer-traeger", "{offer}");
    assert_eq!(offer["provider"]["name"], "Neuer Träger GmbH", "{offer}");
    assert_eq!(offer["topics"][0]["label"], "Neues Thema", "{offer}");
    let graphql = other
        .graphql_data(
            r#"{ offer(key: "test-neues-angebot") { provider { name } topics { label } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(graphql["offer"]["provider"]["name"], "Neuer Träger GmbH");
    assert_eq!(graphql["offer"]["topics"][0]["label"], "Neues Thema");
}

/// The pages for people are cached like the API's reads (`X-Cache: hit` on a
/// repeat) and, like them, show a change at the next request: the landing
/// page's latest changes, the finder's results and the offer's page.
async fn the_pages_show_a_change_at_once(app: TestApp) {
    const MARKER: &str = "geändert-p1";
    const PAGES: [&str; 3] = [
        "/",
        "/finder?region=bielefeld&role=works_council",
        "/offers/tbs-beratung",
    ];
    async fn page(app: &TestApp, path: &str) -> (Option<String>, String) {
        let response = app
            .client
            .get(format!("{}{path}", app.address))
            .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "GET {path}");
        let cache = response
            .headers()
            .get("x-cache")
            .map(|v| v.to_str().unwrap().to_owned());
        (cache, response.text().await.unwrap())
    }
    for path in PAGES {
        let (_, first) = page(&app, path).await;
        let (cache, again) = page(&app, path).await;
        assert_eq!(cache.as_deref(), Some("hit"), "{path}");
        assert_eq!(first, again, "{path}");
        assert!(!first.contains(MARKER), "{path}");
    }
    let mut offer = seed_record("offers", "tbs-beratung");
    offer["title_de"] = json!(format!("TBS-Beratung {MARKER}"));
    let report = import_json(app.db(), &json!({ "offers": [offer] }).to_string())
        .await
        .unwrap();
    assert_eq!(report.changed(), 1, "{report}");
    for path in PAGES {
        let (cache, html) = page(&app, path).await;
        assert_eq!(cache.as_deref(), Some("miss"), "{path}: a stale hit");
        assert!(html.contains(MARKER), "{path}: still old");
    }
}

/// A backup restored while the server runs is served as it was restored:
/// the change log going back, or going on from an older point, makes the
/// next read rebuild the snapshot (match corpus, search index, response
/// cache), since the changes between the two versions do not name what the
/// restore removed.
async fn a_restored_backup_is_served_as_it_was(app: TestApp) {
    async fn newest(app: &TestApp) -> i64 {
        let db = app.db();
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT MAX(seq) FROM changes",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<Option<i64>>(0).unwrap().unwrap()
    }
    async fn write(app: &TestApp, slug: &str) {
        let mut offer = seed_record("offers", "tbs-beratung");
        offer["slug"] = json!(slug);
        offer["title_de"] = json!(format!("Rücksicherungsprobe {slug}"));
        import_json(app.db(), &json!({ "offers": [offer] }).to_string())
            .await
            .unwrap();
    }
    /// What a restore of the backup taken at `version` does: the offers
    /// written since are gone, and so are their changes.
    async fn restore(app: &TestApp, version: i64, slugs: &[&str]) {
        let db = app.db();
        for slug in slugs {
            db.execute_unprepared(&format!("DELETE FROM offers WHERE slug = '{slug}'"))
                .await
                .unwrap();
        }
        db.execute_unprepared(&format!("DELETE FROM changes WHERE seq > {version}"))
            .await
            .unwrap();
    }
    /// Whether the offer is served: as an item, in the list, in a search.
    async fn served(app: &TestApp, slug: &str) -> [bool; 3] {
        let item = app
            .client
            .get(format!("{}/api/v1/offers/{slug}", app.address))
            .header("cache-control", "no-cache")
            .send()
            .await
            .unwrap()
            .status();
        assert!(item == 200 || item == 404, "{slug}: {item}");
        let (_, list) = read(app, "/api/v1/offers?limit=100&fields=slug", false).await;
        let (_, search) = read(app, "/api/v1/search?q=R%C3%BCcksicherungsprobe", false).await;
        [
            item == 200,
            list.contains(&format!("\"{slug}\"")),
            search.contains(&format!("\"{slug}\"")),
        ]
    }

    // The log goes back.
    let before = newest(&app).await;
    write(&app, "test-restore-a").await;
    assert_eq!(served(&app, "test-restore-a").await, [true; 3]);
    restore(&app, before, &["test-restore-a"]).await;
    assert_eq!(served(&app, "test-restore-a").await, [false; 3]);

    // The log goes on from an older point, past the version last seen.
    write(&app, "test-restore-b").await;
    let older = newest(&app).await;
    write(&app, "test-restore-c").await;
    assert_eq!(served(&app, "test-restore-c").await, [true; 3]);
    restore(&app, older, &["test-restore-c"]).await;
    write(&app, "test-restore-d").await;
    write(&app, "test-restore-e").await;
    assert_eq!(served(&app, "test-restore-c").await, [false; 3]);
    assert_eq!(served(&app, "test-restore-e").await, [true; 3]);
    assert_eq!(served(&app, "test-restore-b").await, [true; 3]);

    // The log comes back to the number it had, with another change: the
    // answers and their entity tags follow it.
    write(&app, "test-restore-f").await;
    const LIST: &str = "/api/v1/offers?limit=100&fields=slug,title";
    let tag = |response: &reqwest::Response| response.headers()["etag"].clone();
    let before = app.get(LIST).await;
    let before_tag = tag(&before);
    assert!(!before.text().await.unwrap().contains("Umgeschrieben"));
    {
        use sea_orm::sea_query::Expr;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let newest = newest(&app).await;
        entity::offer::Entity::update_many()
            .col_expr(
                entity::offer::Column::TitleDe,
                Expr::value("Umgeschrieben f"),
            )
            .filter(entity::offer::Column::Slug.eq("test-restore-f"))
            .exec(app.db())
            .await
            .unwrap();
        entity::change::Entity::update_many()
            .col_expr(
                entity::change::Column::ChangedAt,
                Expr::value(chrono::Utc::now() + chrono::TimeDelta::hours(1)),
            )
            .filter(entity::change::Column::Seq.eq(newest))
            .exec(app.db())
            .await
            .unwrap();
    }
    let after = app.get(LIST).await;
    assert_ne!(tag(&after), before_tag, "a tag of the data before");
    assert!(after.text().await.unwrap().contains("Umgeschrieben f"));
}
