//! Keyset pagination: no duplicates, no gaps, stable while rows are inserted.
use std::collections::HashSet;

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::{private_tests, shared_tests};

shared_tests!(
    paging_in_small_steps_returns_every_item_once_in_order,
    link_header_points_to_the_next_page,
    total_is_opt_in,
    a_cursor_belongs_to_its_sort,
);

private_tests!(seeded: true;
    pages_stay_consistent_while_offers_are_inserted,
    offer_pages_follow_the_order_by_of_the_database,
    paging_holds_while_another_process_changes_offers,
);

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn paging_in_small_steps_returns_every_item_once_in_order(app: TestApp) {
    for (list, sorts) in [
        (
            "offers",
            &["title", "-title", "updated_at", "-created_at"][..],
        ),
        ("partners", &["name", "-updated_at"][..]),
        ("regions", &["name", "-name", "created_at"][..]),
        ("projects", &["name"][..]),
        ("topics", &["label", "-label"][..]),
        ("meetings", &["date", "-date"][..]),
    ] {
        for sort in sorts {
            let path = format!("/api/v1/{list}?sort={sort}");
            let whole = ids(&app.collect_all(&path, 100).await);
            for limit in [1, 3, 7] {
                let paged = ids(&app.collect_all(&path, limit).await);
                assert_eq!(paged, whole, "{path} with limit {limit}");
            }
            let unique: HashSet<&String> = whole.iter().collect();
            assert_eq!(unique.len(), whole.len(), "{path} repeats an item");
        }
    }
    // Descending is the exact reverse of ascending for a unique sort key.
    let up = ids(&app.collect_all("/api/v1/regions?sort=name", 100).await);
    let mut down = ids(&app.collect_all("/api/v1/regions?sort=-name", 100).await);
    down.reverse();
    assert_eq!(up, down);
}

async fn link_header_points_to_the_next_page(app: TestApp) {
    let first = app.get("/api/v1/offers?limit=2&kind=funding").await;
    let link = first.headers()["link"].to_str().unwrap().to_owned();
    let body: Value = first.json().await.unwrap();
    let cursor = body["next_cursor"].as_str().unwrap();
    assert!(link.ends_with("; rel=\"next\""), "{link}");
    let url = link.trim_start_matches('<').split('>').next().unwrap();
    assert!(
        url.contains("kind=funding") && url.contains("limit=2") && url.contains(cursor),
        "{url}"
    );
    let via_link: Value = app
        .client
        .get(url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let via_cursor = app
        .get_json(&format!(
            "/api/v1/offers?limit=2&kind=funding&cursor={cursor}"
        ))
        .await;
    assert_eq!(via_link, via_cursor);
    // The last page has no Link header and a null cursor.
    let last = app.get("/api/v1/offers?limit=100").await;
    assert!(last.headers().get("link").is_none());
    let last: Value = last.json().await.unwrap();
    assert!(last["next_cursor"].is_null());
}

async fn total_is_opt_in(app: TestApp) {
    let without = app.get_json("/api/v1/offers?limit=1").await;
    assert!(without.get("total").is_none());
    let with = app
        .get_json("/api/v1/offers?limit=1&include_total=true&cost=free")
        .await;
    let all_free = app.collect_all("/api/v1/offers?cost=free", 100).await;
    assert_eq!(with["total"], all_free.len());
}

async fn a_cursor_belongs_to_its_sort(app: TestApp) {
    let page = app.get_json("/api/v1/offers?limit=1&sort=title").await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let problem = app
        .get_problem(
            &format!("/api/v1/offers?limit=1&sort=-title&cursor={cursor}"),
            400,
        )
        .await;
    assert_eq!(problem["errors"][0]["field"], "cursor");
}

fn new_offer(slug: &str, title: &str) -> Value {
    json!({
        "slug": slug, "title_de": title, "title_en": null,
        "summary_de": "Testangebot.", "summary_en": null,
        "description_de": null, "description_en": null,
        "provider": "mags", "provider_note": null, "project": null,
        "kind": "consulting", "target_groups": ["sme"], "topics": ["digitalisierung"],
        "regions": ["nordrhein-westfalen"], "cost": "free",
        "valid_from": null, "valid_until": null, "application_deadline": null,
        "url": null, "source": "test", "verified": false, "note": null
    })
}

async fn pages_stay_consistent_while_offers_are_inserted(app: TestApp) {
    let before = ids(&app.collect_all("/api/v1/offers", 100).await);
    let first = app.get_json("/api/v1/offers?limit=5").await;
    let mut seen = ids(first["items"].as_array().unwrap());
    let mut cursor = first["next_cursor"].as_str().map(str::to_owned);

    // Rows that sort before the cursor, and after it, arrive mid-way.
    let dataset = json!({"offers": [
        new_offer("aaa-vor-dem-cursor", "AAA vor dem Cursor"),
        new_offer("zzz-nach-dem-cursor", "zzz nach dem Cursor"),
    ]});
    let report = lotse::service::import::import_json(app.db(), &dataset.to_string())
        .await
        .unwrap();
    assert_eq!(report.changed(), 2);

    while let Some(c) = cursor {
        let page = app
            .get_json(&format!("/api/v1/offers?limit=5&cursor={c}"))
            .await;
        seen.extend(ids(page["items"].as_array().unwrap()));
        cursor = page["next_cursor"].as_str().map(str::to_owned);
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "an item was returned twice");
    for id in &before {
        assert!(seen.contains(id), "item {id} was skipped");
    }
    let early = app.get_json("/api/v1/offers/aaa-vor-dem-cursor").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let late = app.get_json("/api/v1/offers/zzz-nach-dem-cursor").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        !seen.contains(&early),
        "a row inserted before the cursor cannot appear on later pages"
    );
    assert!(
        seen.contains(&late),
        "a row inserted after the cursor appears on a later page"
    );
}

/// Offer pages are planned from the snapshot in memory (issue 12), not by
/// `ORDER BY`: their order must still be the database's. Compared with
/// the database's own `ORDER BY <column>, id` for every sort field, both
/// directions, over REST pages forwards and GraphQL pages backwards
/// (`last`/`before`), on 600 generated offers (repeated titles, so ties
/// are broken by id).
async fn offer_pages_follow_the_order_by_of_the_database(app: TestApp) {
    use sea_orm::ConnectionTrait;
    lotse::generate::run(app.db(), 600, 20, 5).await.unwrap();
    let backend = app.db().get_database_backend();
    for (sort, column) in [
        ("title", "title_de"),
        ("-title", "title_de"),
        ("created_at", "created_at"),
        ("-updated_at", "updated_at"),
    ] {
        let direction = if sort.starts_with('-') { "DESC" } else { "ASC" };
        // The GraphQL enum value of the same order: `-title` → `TITLE_DESC`.
        let order = format!(
            "{}_{direction}",
            sort.trim_start_matches('-').to_uppercase()
        );
        let sql = format!("SELECT id FROM offers ORDER BY {column} {direction}, id {direction}");
        let expected: Vec<String> = app
            .db()
            .query_all_raw(sea_orm::Statement::from_string(backend, sql))
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get_by_index::<uuid::Uuid>(0).unwrap().to_string())
            .collect();
        assert!(expected.len() > 600);
        let forwards = ids(&app
            .collect_all(&format!("/api/v1/offers?sort={sort}"), 37)
            .await);
        assert_eq!(forwards, expected, "REST sort={sort}");

        // Backwards from the end, 50 at a time.
        let mut backwards: Vec<String> = Vec::new();
        let mut before = Value::Null;
        loop {
            let data = app
                .graphql_data(
                    "query($sort: OfferOrder, $before: String) { offers(last: 50, before: $before, \
                     orderBy: $sort) { edges { node { id } } pageInfo { hasPreviousPage startCursor } } }",
                    json!({"sort": order, "before": before}),
                )
                .await;
            let page: Vec<String> = data["offers"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
                .collect();
            backwards.splice(0..0, page);
            if data["offers"]["pageInfo"]["hasPreviousPage"] != true {
                break;
            }
            before = data["offers"]["pageInfo"]["startCursor"].clone();
        }
        assert_eq!(backwards, expected, "GraphQL last/before orderBy={sort}");
    }
}

/// A server whose snapshot is older than a change another process made
/// (`lotse import` within the refresh interval) still pages through its
/// snapshot's list: cursors and "more follow" come from the plan, not from
/// the fresher rows. Found by a breaker: an offer renamed to sort first
/// made page 2 repeat page 1 with the same cursor, forever.
async fn paging_holds_while_another_process_changes_offers(app: TestApp) {
    let replica = app
        .replica(|s| s.search_refresh = std::time::Duration::from_secs(3600))
        .await;
    let items = replica.collect_all("/api/v1/offers", 100).await;
    let all = ids(&items);
    // The fifth offer, the last of a page of 5, now sorts first.
    let fifth = items[4]["slug"].as_str().unwrap();
    let mut offer = crate::helpers::seed_record("offers", fifth);
    offer["title_de"] = json!("   0 sortiert jetzt zuerst");
    let dataset = json!({ "offers": [offer] }).to_string();
    let report = lotse::service::import::import_json(app.db(), &dataset)
        .await
        .unwrap();
    assert_eq!(report.changed(), 1);

    let first = replica.get_json("/api/v1/offers?limit=5").await;
    let mut seen = ids(first["items"].as_array().unwrap());
    let mut cursor = first["next_cursor"].as_str().map(str::to_owned);
    for _ in 0..all.len() {
        let Some(c) = cursor else { break };
        let page = replica
            .get_json(&format!("/api/v1/offers?limit=5&cursor={c}"))
            .await;
        seen.extend(ids(page["items"].as_array().unwrap()));
        cursor = page["next_cursor"].as_str().map(str::to_owned);
    }
    assert_eq!(
        seen, all,
        "the snapshot's list, each offer once, to its end"
    );
}
