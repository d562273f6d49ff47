//! `/api/v1/stats` and GraphQL `stats`: counts that agree with the lists.
use serde_json::Value;

use crate::helpers::TestApp;
use crate::shared_tests;

shared_tests!(
    unfiltered_stats_add_up_to_the_lists,
    filtered_offer_stats_match_the_filtered_list,
    graphql_stats_equal_rest_stats,
);

fn count_of(buckets: &Value, key: &str) -> u64 {
    buckets
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["key"] == key)
        .map_or(0, |b| b["count"].as_u64().unwrap())
}

fn sum(buckets: &Value) -> u64 {
    buckets
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .sum()
}

async fn unfiltered_stats_add_up_to_the_lists(app: TestApp) {
    let stats = app.get_json("/api/v1/stats").await;
    let counts = app.get_json("/").await["counts"].clone();
    assert_eq!(stats["offers"]["total"], counts["offers"]);
    assert_eq!(stats["partners"]["total"], counts["partners"]);
    assert_eq!(stats["projects"]["total"], counts["projects"]);
    // Single-valued categories partition the records.
    for (part, field) in [
        ("offers", "by_kind"),
        ("offers", "by_cost"),
        ("partners", "by_kind"),
        ("partners", "by_alliance_group"),
        ("projects", "by_kind"),
        ("projects", "by_status"),
    ] {
        assert_eq!(
            sum(&stats[part][field]),
            stats[part]["total"].as_u64().unwrap(),
            "{part}.{field}"
        );
    }
    assert_eq!(
        count_of(&stats["partners"]["by_alliance_group"], "government"),
        4
    );
    assert_eq!(count_of(&stats["projects"]["by_kind"], "pilot_project"), 2);
    let unions = app
        .get_json("/api/v1/partners?kind=union&include_total=true")
        .await["total"]
        .as_u64()
        .unwrap();
    assert_eq!(count_of(&stats["partners"]["by_kind"], "union"), unions);
    // Buckets come most first.
    let kinds: Vec<u64> = stats["offers"]["by_kind"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .collect();
    assert!(kinds.windows(2).all(|w| w[0] >= w[1]), "{kinds:?}");
}

async fn filtered_offer_stats_match_the_filtered_list(app: TestApp) {
    let stats = app
        .get_json("/api/v1/stats/offers?region=05711&cost=free,subsidised")
        .await;
    let list = app
        .collect_all("/api/v1/offers?region=05711&cost=free,subsidised", 100)
        .await;
    assert_eq!(stats["total"], list.len());
    for (field, list_field, key) in [
        ("by_topic", "topics", "digitalisierung"),
        ("by_topic", "topics", "industrie-40"),
        ("by_region", "regions", "nordrhein-westfalen"),
        ("by_region", "regions", "ostwestfalenlippe"),
    ] {
        let expected = list
            .iter()
            .filter(|o| {
                o[list_field]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x["slug"] == key)
            })
            .count() as u64;
        assert_eq!(count_of(&stats[field], key), expected, "{field} {key}");
    }
    let free = list.iter().filter(|o| o["cost"] == "free").count() as u64;
    assert_eq!(count_of(&stats["by_cost"], "free"), free);
    let sme = list
        .iter()
        .filter(|o| {
            o["target_groups"]
                .as_array()
                .unwrap()
                .contains(&Value::from("sme"))
        })
        .count() as u64;
    assert_eq!(count_of(&stats["by_target_group"], "sme"), sme);
    let label = stats["by_topic"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["key"] == "industrie-40")
        .unwrap()["label"]
        .clone();
    assert_eq!(label, "Industrie 4.0");

    let partners = app
        .get_json("/api/v1/stats/partners?region=ostwestfalenlippe")
        .await;
    let listed = app
        .collect_all("/api/v1/partners?region=ostwestfalenlippe", 100)
        .await;
    assert_eq!(partners["total"], listed.len());
    let projects = app
        .get_json("/api/v1/stats/projects?partner=ig-metall")
        .await;
    assert_eq!(projects["total"], 2);
    assert_eq!(count_of(&projects["by_status"], "completed"), 1);

    // Stats take the list's filters, not its paging; unknown keys are named too.
    let problem = app
        .get_problem("/api/v1/stats/offers?sort=title", 400)
        .await;
    assert_eq!(problem["errors"][0]["field"], "sort");
    let problem = app
        .get_problem("/api/v1/stats/offers?topic=nosuch", 400)
        .await;
    assert_eq!(problem["errors"][0]["field"], "topic");
}

async fn graphql_stats_equal_rest_stats(app: TestApp) {
    let data = app
        .graphql_data(
            r#"{ stats {
                offers(filter: {targetGroup: [WORKS_COUNCIL]}) { total byTopic { key label count } byRegion { key label count } byKind { key label count } byTargetGroup { key label count } byCost { key label count } }
                partners(filter: {kind: [UNION, MINISTRY]}) { total byAllianceGroup { key label count } byKind { key label count } }
                projects { total byKind { key label count } byStatus { key label count } } } }"#,
            Value::Null,
        )
        .await;
    let rest = app
        .get_json("/api/v1/stats/offers?target_group=works_council")
        .await;
    assert_eq!(data["stats"]["offers"]["total"], rest["total"]);
    assert_eq!(data["stats"]["offers"]["byTopic"], rest["by_topic"]);
    assert_eq!(data["stats"]["offers"]["byCost"], rest["by_cost"]);
    let rest = app
        .get_json("/api/v1/stats/partners?kind=union,ministry")
        .await;
    assert_eq!(data["stats"]["partners"]["byKind"], rest["by_kind"]);
    assert_eq!(
        data["stats"]["partners"]["byAllianceGroup"],
        rest["by_alliance_group"]
    );
    let rest = app.get_json("/api/v1/stats/projects").await;
    assert_eq!(data["stats"]["projects"]["byStatus"], rest["by_status"]);
}
