//! `lotse import`: idempotent, all or nothing, errors naming record and field.
use lotse::error::AppError;
use lotse::service::import::{SEED_JSON, import_json};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::private_tests;

private_tests!(seeded: true;
    importing_the_seed_again_changes_nothing,
    a_changed_record_is_updated_and_its_timestamp_moves,
    a_bad_record_rejects_the_whole_file,
    a_database_error_rolls_the_whole_import_back,
    a_name_given_twice_or_a_document_not_an_object_is_refused,
    parent_cycles_and_repeated_participants_are_named_at_their_records,
);
private_tests!(seeded: false; an_empty_database_can_be_filled_by_import);

async fn importing_the_seed_again_changes_nothing(app: TestApp) {
    let before = app.get_json("/api/v1/offers/tbs-beratung").await;
    let report = import_json(app.db(), SEED_JSON).await.unwrap();
    assert_eq!(report.changed(), 0, "{report:?}");
    let again = import_json(app.db(), SEED_JSON).await.unwrap();
    assert_eq!(again.changed(), 0);
    assert_eq!(app.get_json("/api/v1/offers/tbs-beratung").await, before);
}

async fn a_changed_record_is_updated_and_its_timestamp_moves(app: TestApp) {
    let before = app.get_json("/api/v1/offers/tbs-beratung").await;
    let mut seed: Value = serde_json::from_str(SEED_JSON).unwrap();
    let offers = seed["offers"].as_array_mut().unwrap();
    let tbs = offers
        .iter_mut()
        .find(|o| o["slug"] == "tbs-beratung")
        .unwrap();
    tbs["cost"] = json!("paid");
    tbs["topics"] = json!(["mitbestimmung"]);
    let dataset = json!({"offers": [tbs.clone()]});
    let report = import_json(app.db(), &dataset.to_string()).await.unwrap();
    assert_eq!(report.updated.get("offers"), Some(&1), "{report:?}");

    let after = app.get_json("/api/v1/offers/tbs-beratung").await;
    assert_eq!(after["cost"], "paid");
    assert_eq!(after["topics"].as_array().unwrap().len(), 1);
    assert_eq!(after["id"], before["id"], "ids never change");
    assert_eq!(after["created_at"], before["created_at"]);
    assert!(after["updated_at"].as_str() > before["updated_at"].as_str());
    let since = before["updated_at"].as_str().unwrap().replace('+', "%2B");
    let changed = app
        .get_json(&format!(
            "/api/v1/offers?updated_since={since}&sort=updated_at&limit=100"
        ))
        .await;
    assert!(
        changed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["slug"] == "tbs-beratung")
    );
}

async fn a_bad_record_rejects_the_whole_file(app: TestApp) {
    let dataset = json!({
        "partners": [{
            "slug": "neuer-partner", "name": "Neuer Partner", "name_en": null, "short_name": null,
            "kind": "other", "alliance_group": null, "alliance_member": false, "website": null,
            "description_de": null, "description_en": null, "region": null,
            "source": "test", "verified": false, "note": null
        }],
        "offers": [{
            "slug": "kaputt", "title_de": "Kaputt", "title_en": null, "summary_de": "x", "summary_en": null,
            "description_de": null, "description_en": null, "provider": "gibt-es-nicht",
            "provider_note": null, "project": null, "kind": "consulting", "target_groups": ["sme"],
            "topics": ["digitalisierung"], "regions": ["nordrhein-westfalen"], "cost": "free",
            "valid_from": "2024-05-01", "valid_until": "2024-01-01", "application_deadline": null,
            "url": null, "source": "test", "verified": false, "note": null
        }]
    });
    let Err(AppError::InvalidData(errors)) = import_json(app.db(), &dataset.to_string()).await
    else {
        panic!("expected the import to be rejected");
    };
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert!(
        fields.contains(&"offers[0] (kaputt).provider"),
        "{fields:?}"
    );
    assert!(
        fields.contains(&"offers[0] (kaputt).valid_until"),
        "{fields:?}"
    );
    app.get_problem("/api/v1/partners/neuer-partner", 404).await;

    // A wrong type is named by path too.
    let Err(AppError::InvalidData(errors)) =
        import_json(app.db(), r#"{"offers": [{"slug": "x", "cost": 5}]}"#).await
    else {
        panic!("expected a parse error");
    };
    assert!(errors[0].field.starts_with("offers[0] (x)"), "{errors:?}");
}

async fn a_database_error_rolls_the_whole_import_back(app: TestApp) {
    // The second region reuses Bielefeld's official key: only the database's
    // unique index can tell, halfway through the transaction.
    let region = |slug: &str, ars: &str| {
        json!({"slug": slug, "name": slug, "name_en": null, "kind": "municipality", "ars": ars,
               "nuts": null, "parent": "bielefeld", "members": [], "source": "test",
               "verified": false, "note": null})
    };
    let dataset = json!({"regions": [region("erste-gemeinde", "057110001"), region("zweite-gemeinde", "05711")]});
    let err = import_json(app.db(), &dataset.to_string())
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::InvalidData(_)), "{err:?}");
    assert!(
        err.field_errors()[0].field.contains("zweite-gemeinde"),
        "{err:?}"
    );
    app.get_problem("/api/v1/regions/erste-gemeinde", 404).await;
}

async fn an_empty_database_can_be_filled_by_import(app: TestApp) {
    let root = app.get_json("/").await;
    assert_eq!(root["counts"]["offers"], 0);
    let report = import_json(app.db(), SEED_JSON).await.unwrap();
    assert!(report.changed() > 100);
    let root = app.get_json("/").await;
    assert_eq!(root["counts"]["offers"], report.inserted["offers"]);
    app.get_json("/api/v1/projects/arbeit-2020").await;
}

private_tests!(seeded: true; generated_data_is_served_and_generating_again_changes_nothing);

async fn generated_data_is_served_and_generating_again_changes_nothing(app: TestApp) {
    let before = app.get_json("/").await["counts"]["offers"]
        .as_u64()
        .unwrap();
    let report = lotse::generate::run(app.db(), 300, 12, 5).await.unwrap();
    assert_eq!(report.inserted.get("offers"), Some(&300));
    let root = app.get_json("/").await;
    assert_eq!(root["counts"]["offers"].as_u64().unwrap(), before + 300);
    // Generated offers behave like any other: filters, search, pages.
    let nrw = app
        .get_json("/api/v1/offers?region=05711&include_total=true&limit=1")
        .await;
    assert!(nrw["total"].as_u64().unwrap() > 100);
    let found = app
        .get_json("/api/v1/search?q=Praxislabor&type=offer")
        .await;
    assert!(found["total"].as_u64().unwrap() > 0);
    let again = lotse::generate::run(app.db(), 300, 12, 5).await.unwrap();
    assert_eq!(again.changed(), 0);
}

/// After an import that changed rows, PostgreSQL's planner statistics
/// describe the new data (`ANALYZE` ran), so the next queries are planned
/// for it rather than for the database before the import.
#[tokio::test]
async fn an_import_refreshes_postgres_planner_statistics() {
    use sea_orm::ConnectionTrait;
    let Some(app) = TestApp::private(crate::helpers::Backend::Postgres, true).await else {
        eprintln!("skipped: {} is not set", crate::helpers::POSTGRES_ENV);
        return;
    };
    let estimate = || async {
        let row = app
            .db()
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DatabaseBackend::Postgres,
                "SELECT reltuples::bigint AS n FROM pg_class WHERE relname = 'offers'",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    };
    let seeded = app.get_json("/").await["counts"]["offers"]
        .as_i64()
        .unwrap();
    assert_eq!(estimate().await, seeded);
    lotse::generate::run(app.db(), 300, 12, 5).await.unwrap();
    assert_eq!(estimate().await, seeded + 300);
}

/// serde_json keeps the last of two equal names silently; a file that says
/// `"offers"` twice (the second empty) would then, with `--prune`, delete
/// every offer. Such files, and documents that are not an object, are
/// refused before anything is written.
async fn a_name_given_twice_or_a_document_not_an_object_is_refused(app: TestApp) {
    let seed: Value = serde_json::from_str(SEED_JSON).unwrap();
    let offers = seed["offers"].to_string();
    let tbs = seed["offers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["slug"] == "tbs-beratung")
        .unwrap()
        .to_string();
    let provider_twice = tbs.replacen('{', r#"{"provider": "mais", "#, 1);
    let cases = [
        (format!(r#"{{"offers": {offers}, "offers": []}}"#), "offers"),
        (format!(r#"{{"offers": [{provider_twice}]}}"#), "provider"),
        ("[]".to_owned(), "object"),
        ("null".to_owned(), "object"),
    ];
    let before = app.get_json("/api/v1/offers?include_total=true").await["total"].clone();
    for (file, named) in cases {
        for prune in [false, true] {
            let options = lotse::service::import::ImportOptions {
                prune,
                dry_run: false,
            };
            let err = lotse::service::import::import_json_with(app.db(), &file, options)
                .await
                .expect_err(&file[..file.len().min(60)]);
            let AppError::InvalidData(errors) = err else {
                panic!("not InvalidData: {err:?}");
            };
            let text = format!("{errors:?}");
            assert!(text.contains(named), "{text}");
        }
    }
    assert_eq!(
        app.get_json("/api/v1/offers?include_total=true").await["total"],
        before
    );
}

async fn parent_cycles_and_repeated_participants_are_named_at_their_records(app: TestApp) {
    let topic = |slug: &str, parent: &str| json!({"slug": slug, "label_de": slug, "parent": parent, "source": "test"});
    let mut seed: Value = serde_json::from_str(SEED_JSON).unwrap();
    let project = seed["projects"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|p| p["participants"].as_array().is_some_and(|a| !a.is_empty()))
        .unwrap();
    let first = project["participants"][0].clone();
    project["participants"]
        .as_array_mut()
        .unwrap()
        .push(first.clone());
    let at = project["participants"].as_array().unwrap().len() - 1;
    let dataset = json!({
        // digitalisierung is a stored topic outside the cycle: only the two
        // records of the cycle are named, each at its own index.
        "topics": [topic("test-henne", "test-ei"), topic("test-ei", "test-henne"),
                   topic("test-kueken", "digitalisierung")],
        "projects": [project.clone()],
    });
    let Err(AppError::InvalidData(errors)) = import_json(app.db(), &dataset.to_string()).await
    else {
        panic!("expected the import to be rejected");
    };
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    let slug = project["slug"].as_str().unwrap();
    assert_eq!(
        fields,
        [
            format!("projects[0] ({slug}).participants[{at}].partner"),
            "topics[0] (test-henne).parent".to_owned(),
            "topics[1] (test-ei).parent".to_owned(),
        ],
        "{errors:?}"
    );
    assert!(errors[0].message.contains("listed twice"), "{errors:?}");
    assert!(errors[1].message.contains("cycle"), "{errors:?}");
    app.get_problem("/api/v1/topics/test-kueken", 404).await;
}
