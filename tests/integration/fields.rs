//! Sparse fieldsets (`fields=`) on every collection's list and item
//! (issue 15): only the fields asked for, unknown ones refused, relations
//! not asked for not read.
use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::TestApp;
use crate::{private_tests, shared_tests};

shared_tests!(
    a_list_keeps_only_the_fields_asked_for,
    every_collection_takes_fields_on_lists_and_items,
    unknown_or_empty_fields_are_400,
    records_in_the_import_format_take_fields,
    the_contract_lists_each_types_fields,
);
private_tests!(seeded: true;
    relations_left_out_are_not_read,
);

async fn get(app: &TestApp, path: &str) -> (u16, Value, usize) {
    let response = app
        .client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap(), bytes.len())
}

fn keys(record: &Value) -> BTreeSet<String> {
    record.as_object().unwrap().keys().cloned().collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

/// The acceptance example: `fields=id,title` on offers, much smaller than
/// the full page, paging as before; commas and repeated keys alike.
async fn a_list_keeps_only_the_fields_asked_for(app: TestApp) {
    let (status, full, full_size) = get(&app, "/api/v1/offers?limit=20").await;
    assert_eq!(status, 200);
    let (status, sparse, sparse_size) = get(&app, "/api/v1/offers?fields=id,title&limit=20").await;
    assert_eq!(status, 200, "{sparse}");
    let items = sparse["items"].as_array().unwrap();
    assert_eq!(items.len(), 20);
    for (item, whole) in items.iter().zip(full["items"].as_array().unwrap()) {
        assert_eq!(keys(item), set(&["id", "title"]));
        assert_eq!(item["id"], whole["id"]);
        assert_eq!(item["title"], whole["title"]);
    }
    assert!(
        sparse_size * 5 < full_size,
        "a page of ids and titles ({sparse_size} bytes) should be far smaller than the full one ({full_size})"
    );
    // The page's own fields stay; the cursor leads on with the same fields.
    assert_eq!(sparse["next_cursor"], full["next_cursor"]);
    let cursor = sparse["next_cursor"].as_str().unwrap();
    let (_, next, _) = get(
        &app,
        &format!("/api/v1/offers?fields=id,title&limit=20&cursor={cursor}"),
    )
    .await;
    assert_eq!(keys(&next["items"][0]), set(&["id", "title"]));
    // In the record's order, whatever the order asked: one body.
    let text = |path: &'static str| {
        let app = &app;
        async move { app.get(path).await.text().await.unwrap() }
    };
    let asked = text("/api/v1/offers?fields=title,id&limit=2").await;
    assert_eq!(asked, text("/api/v1/offers?fields=id,title&limit=2").await);
    assert!(
        asked.find("\"id\"").unwrap() < asked.find("\"title\"").unwrap(),
        "{asked}"
    );
    // Repeated keys, and both ways at once, are the same set.
    let (_, repeated, _) = get(&app, "/api/v1/offers?fields=id&fields=title&limit=20").await;
    assert_eq!(repeated["items"], sparse["items"]);
    // Embedded summaries and link lists are as in the full record.
    let (_, with_links, _) = get(
        &app,
        "/api/v1/offers?fields=provider,topics,target_groups,regions,project&limit=20",
    )
    .await;
    for (item, whole) in with_links["items"]
        .as_array()
        .unwrap()
        .iter()
        .zip(full["items"].as_array().unwrap())
    {
        for field in ["provider", "topics", "target_groups", "regions", "project"] {
            assert_eq!(item[field], whole[field], "{field}");
        }
    }
    // With the filters and English.
    let (status, english, _) = get(
        &app,
        "/api/v1/offers?fields=title,kind&kind=funding&lang=en&include_total=true",
    )
    .await;
    assert_eq!(status, 200);
    assert!(english["total"].as_u64().unwrap() > 0);
    for item in english["items"].as_array().unwrap() {
        assert_eq!(keys(item), set(&["kind", "title"]));
        assert_eq!(item["kind"], "funding");
    }
}

/// Every collection, list and item: the fields come from its type.
async fn every_collection_takes_fields_on_lists_and_items(app: TestApp) {
    for collection in [
        "partners", "regions", "topics", "projects", "offers", "meetings",
    ] {
        let (status, full, _) = get(&app, &format!("/api/v1/{collection}?limit=3")).await;
        assert_eq!(status, 200, "{collection}");
        let first = &full["items"][0];
        let slug = first["slug"].as_str().unwrap();
        // Every field the record has, one at a time, and all but one.
        let all: Vec<String> = keys(first).into_iter().collect();
        for field in &all {
            let (status, sparse, _) = get(
                &app,
                &format!("/api/v1/{collection}?limit=3&fields={field}"),
            )
            .await;
            assert_eq!(status, 200, "{collection} {field}: {sparse}");
            assert_eq!(keys(&sparse["items"][0]), set(&[field]), "{collection}");
            assert_eq!(
                sparse["items"][0][field], first[field],
                "{collection} {field}"
            );
        }
        let (status, item, _) = get(
            &app,
            &format!("/api/v1/{collection}/{slug}?fields=slug,id,updated_at"),
        )
        .await;
        assert_eq!(status, 200, "{collection}: {item}");
        assert_eq!(keys(&item), set(&["id", "slug", "updated_at"]));
        assert_eq!(item["id"], first["id"]);
        let (_, whole, _) = get(&app, &format!("/api/v1/{collection}/{slug}")).await;
        assert_eq!(
            keys(&whole),
            all.iter().map(String::as_str).map(str::to_owned).collect()
        );
    }
}

/// A partner's contacts and people, shown in the import format, take
/// `fields` on their items too: the record format's fields.
async fn records_in_the_import_format_take_fields(app: TestApp) {
    for (path, asked) in [
        ("/api/v1/contacts/mwide-presse", ["slug", "phone"]),
        ("/api/v1/people/garrelt-duin", ["slug", "partner"]),
    ] {
        let (status, whole, _) = get(&app, path).await;
        assert_eq!(status, 200, "{path}: {whole}");
        assert!(keys(&whole).len() > 2, "{whole}");
        let (status, sparse, _) = get(&app, &format!("{path}?fields={}", asked.join(","))).await;
        assert_eq!(status, 200, "{path}: {sparse}");
        assert_eq!(keys(&sparse), set(&asked), "{path}");
        for field in asked {
            assert_eq!(sparse[field], whole[field], "{path} {field}");
        }
        let (status, problem, _) = get(&app, &format!("{path}?fields=name_de")).await;
        assert_eq!(status, 400, "{path}: {problem}");
        assert_eq!(problem["errors"][0]["field"], "fields", "{problem}");
    }
    // In the record's order (`ContactRecord`), whole or sparse: the stored
    // record had come back with its keys sorted.
    let order = [
        "slug", "partner", "kind", "label_de", "phone", "email", "source",
    ];
    for path in [
        "/api/v1/contacts/mwide-presse".to_owned(),
        format!("/api/v1/contacts/mwide-presse?fields={}", order.join(",")),
        format!(
            "/api/v1/contacts/mwide-presse?fields={}",
            order.iter().rev().copied().collect::<Vec<_>>().join(",")
        ),
    ] {
        let text = app.get(&path).await.text().await.unwrap();
        let positions: Vec<usize> = order
            .iter()
            .map(|k| {
                text.find(&format!("\"{k}\":"))
                    .unwrap_or_else(|| panic!("{k} in {text}"))
            })
            .collect();
        assert!(positions.is_sorted(), "{path}: {text}");
    }
}

/// A name that is not a field is a 400 naming it (and listing the fields);
/// so is an empty value.
async fn unknown_or_empty_fields_are_400(app: TestApp) {
    for (path, named) in [
        ("/api/v1/offers?fields=id,titel", "`titel`"),
        ("/api/v1/offers?fields=id&fields=Title", "`Title`"),
        ("/api/v1/partners/ig-metall?fields=lang", "`lang`"),
        ("/api/v1/meetings?fields=provider.name", "`provider.name`"),
        ("/api/v1/regions?fields=", ""),
        ("/api/v1/topics?fields=id,,slug", ""),
    ] {
        let (status, problem, _) = get(&app, path).await;
        assert_eq!(status, 400, "{path}: {problem}");
        assert_eq!(problem["code"], "invalid_parameter", "{path}");
        let error = &problem["errors"][0];
        assert_eq!(error["field"], "fields", "{path}: {problem}");
        let detail = error["message"].as_str().unwrap_or_default();
        assert!(detail.contains(named), "{path}: {detail}");
        if !named.is_empty() {
            assert!(detail.contains("id, "), "{path} lists the fields: {detail}");
        }
    }
}

/// `fields` is in the contract of every list and item, its values the
/// record type's properties.
async fn the_contract_lists_each_types_fields(app: TestApp) {
    let api = app.get_json("/openapi.json").await;
    let mut seen = 0;
    for (path, item) in api["paths"].as_object().unwrap() {
        let Some(get) = item.get("get") else { continue };
        let Some(fields) = get["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["name"] == "fields")
        else {
            continue;
        };
        seen += 1;
        assert_eq!(fields["style"], "form", "{path}");
        assert_eq!(fields["explode"], false, "{path}");
        let names: BTreeSet<String> = fields["schema"]["items"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        // The 200's record schema: the page's `items`, or the item itself.
        // The full type is the first of `anyOf` (the second: its sparse form).
        let schema =
            get["responses"]["200"]["content"]["application/json"]["schema"]["anyOf"][0]["$ref"]
                .as_str()
                .unwrap_or_else(|| panic!("{path}: {}", get["responses"]["200"]))
                .rsplit('/')
                .next()
                .unwrap()
                .to_owned();
        let mut record = &api["components"]["schemas"][&schema];
        if let Some(items) = record["properties"]["items"]["items"]["$ref"].as_str() {
            record = &api["components"]["schemas"][items.rsplit('/').next().unwrap()];
        }
        let properties: BTreeSet<String> = record["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(names, properties, "{path}");
    }
    assert_eq!(seen, 14, "six lists, six items, a contact and a person");
}

/// What a read costs, in statements (`/metrics`), past the response cache.
async fn cost(app: &TestApp, path: &str) -> u64 {
    let before = app.statements().await;
    let response = app
        .client
        .get(format!("{}{path}", app.address))
        .header("cache-control", "no-cache")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    app.statements().await - before
}

/// A meeting's participants (and their people) are read only when asked
/// for: one statement fewer per relation left out. Offers are made from the
/// snapshot and cost none either way.
async fn relations_left_out_are_not_read(app: TestApp) {
    let full = cost(&app, "/api/v1/meetings").await;
    let sparse = cost(&app, "/api/v1/meetings?fields=id,title,date").await;
    let with_participants = cost(&app, "/api/v1/meetings?fields=id,participants").await;
    assert!(full >= 2, "the full list reads the participants ({full})");
    assert_eq!(sparse + 2, full, "participants and people left out");
    assert_eq!(with_participants, full);
    let item = cost(
        &app,
        "/api/v1/meetings/zweite-sitzung-2016-11-21?fields=id,title",
    )
    .await;
    let whole = cost(&app, "/api/v1/meetings/zweite-sitzung-2016-11-21").await;
    assert!(item < whole, "{item} < {whole}");
    // Offers come from the snapshot: the data-version check, if any, is
    // all either way.
    let offers = cost(&app, "/api/v1/offers").await;
    assert!(offers <= 1, "{offers}");
    assert_eq!(cost(&app, "/api/v1/offers?fields=id,title").await, offers);
}
