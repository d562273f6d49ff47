//! `/api/v1/topics` and `/api/v1/meetings`
use crate::helpers::{TestApp, slugs};
use crate::shared_tests;

shared_tests!(
    topics_have_labels_and_parents,
    meetings_list_newest_first_with_participants
);

async fn topics_have_labels_and_parents(app: TestApp) {
    let topic = app.get_json("/api/v1/topics/industrie-40").await;
    assert_eq!(topic["label"], "Industrie 4.0");
    assert_eq!(topic["parent"]["slug"], "digitalisierung");
    let all = app.collect_all("/api/v1/topics", 5).await;
    assert!(all.iter().any(|t| t["slug"] == "arbeit-40"));
}

async fn meetings_list_newest_first_with_participants(app: TestApp) {
    let list = slugs(&app.get_json("/api/v1/meetings").await);
    assert_eq!(list, ["zweite-sitzung-2016-11-21", "gruendung-2016-04-15"]);
    assert_eq!(
        slugs(&app.get_json("/api/v1/meetings?sort=date").await),
        ["gruendung-2016-04-15", "zweite-sitzung-2016-11-21"]
    );
    let meeting = app
        .get_json("/api/v1/meetings/zweite-sitzung-2016-11-21")
        .await;
    assert_eq!(meeting["date"], "2016-11-21");
    assert!(meeting["place"].as_str().unwrap().contains("Staatskanzlei"));
    let guests: Vec<&str> = meeting["participants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["role"] == "guest")
        .filter_map(|p| p["person"]["name"].as_str())
        .collect();
    assert!(
        guests.contains(&"Roland Bent") && guests.contains(&"Dr. Daniel Senff"),
        "{guests:?}"
    );
    assert!(!meeting["outcomes"].as_array().unwrap().is_empty());
}
