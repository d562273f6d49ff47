//! The write API (issue 13): scoped API keys, `POST`/`PUT`/`PATCH`/`DELETE`
//! with `ETag` and `If-Match`, validation that lists every fault, the audit
//! fields of the change log, and the change feed that a mirror replays.
use lotse::service::keys::{self, Scope};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, newest_seq, seed_record};
use crate::private_tests;

private_tests!(seeded: true;
    writes_need_a_key_whose_scope_covers_the_collection,
    a_created_offer_is_listed_searched_and_matched_in_the_next_request,
    of_two_patches_with_one_if_match_exactly_one_wins,
    a_bad_offer_gets_every_fault_listed_and_nothing_changes,
    put_replaces_patch_merges_and_delete_leaves_a_tombstone,
    if_match_is_checked_on_every_write_and_required_when_configured,
    a_referenced_record_cannot_be_deleted,
    trees_refuse_a_parent_below_the_record,
    bodies_that_are_not_records_are_refused_with_4xx,
    the_change_log_names_the_actor_and_the_changed_fields,
    contacts_and_people_are_written_under_the_partners_scope,
    the_audit_trail_lists_writes_for_admin_keys_only,
    graphql_mutations_write_like_rest,
    after_writes_search_and_match_equal_a_fresh_build,
    faults_at_any_depth_and_of_every_format_are_named,
    a_patch_takes_exactly_the_fields_of_its_record,
    whole_numbers_may_be_written_with_a_zero_fraction,
    a_cursor_past_text_with_a_line_break_is_taken_back,
    urls_and_email_addresses_are_what_the_contract_says,
    deep_facts_are_refused_and_the_audit_trail_stays_readable,
    a_region_is_written_by_every_key_it_is_read_by,
    graphql_operations_see_the_writes_before_them,
    a_record_over_the_request_bounds_is_answered_as_over_rest,
    invisible_names_odd_years_and_late_deadlines_are_refused,
);

/// A key named `name` with `scopes`, created as `lotse keys create` does.
async fn key(app: &TestApp, name: &str, scopes: &[&str]) -> String {
    let scopes: Vec<Scope> = scopes.iter().map(|s| Scope::parse(s).unwrap()).collect();
    keys::create(app.db(), name, &scopes).await.unwrap()
}

/// The answer to one request: status, headers, JSON body (or null).
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The `field`s of a problem's `errors`.
    fn fields(&self) -> Vec<&str> {
        self.body["errors"]
            .as_array()
            .map(|e| e.iter().filter_map(|e| e["field"].as_str()).collect())
            .unwrap_or_default()
    }
}

/// A request body: its media type and text.
type Body = Option<(&'static str, String)>;

/// Sends `method path` with an optional bearer `key`, JSON `body` (as
/// `content_type`) and extra `headers`.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    key: Option<&str>,
    body: Body,
    headers: &[(&str, &str)],
) -> Answer {
    let mut request = app.client.request(method, format!("{}{path}", app.address));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    if let Some((content_type, body)) = body {
        request = request.header("content-type", content_type).body(body);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    Answer {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

fn json_body(value: &Value) -> Option<(&'static str, String)> {
    Some(("application/json", value.to_string()))
}

fn merge_patch(value: &Value) -> Option<(&'static str, String)> {
    Some(("application/merge-patch+json", value.to_string()))
}

/// `PATCH path` with `body` as a JSON Merge Patch, sent with `key`.
async fn patch(app: &TestApp, path: &str, key: &str, body: &Value) -> Answer {
    send(app, Method::PATCH, path, Some(key), merge_patch(body), &[]).await
}

/// A valid new offer in the import format.
fn new_offer(slug: &str, title: &str) -> Value {
    json!({
        "slug": slug,
        "title_de": title,
        "title_en": null,
        "summary_de": "Beratung für Betriebsräte zur Einführung kollaborativer Robotik.",
        "summary_en": null,
        "description_de": null,
        "description_en": null,
        "provider": "ig-metall",
        "provider_note": null,
        "project": null,
        "kind": "consulting",
        "target_groups": ["works_council"],
        "topics": ["arbeit-40"],
        "regions": ["dortmund"],
        "cost": "free",
        "valid_from": null,
        "valid_until": null,
        "application_deadline": null,
        "url": "https://www.example.de/cobot",
        "source": "test fixture",
        "verified": false,
        "note": null
    })
}

async fn writes_need_a_key_whose_scope_covers_the_collection(app: TestApp) {
    let offer = new_offer("cobot-beratung", "Cobot-Beratung");
    let none = send(
        &app,
        Method::POST,
        "/api/v1/offers",
        None,
        json_body(&offer),
        &[],
    )
    .await;
    assert_eq!(none.status, 401, "{}", none.body);
    assert_eq!(none.header("content-type"), "application/problem+json");
    assert_eq!(none.header("www-authenticate"), r#"Bearer realm="lotse""#);
    assert_eq!(none.body["code"], "unauthorized");

    let wrong = "lotse_000000000000_".to_owned() + &"0".repeat(64);
    for bad in [wrong.as_str(), "lotse_x", "not-a-key"] {
        let answer = send(
            &app,
            Method::POST,
            "/api/v1/offers",
            Some(bad),
            json_body(&offer),
            &[],
        )
        .await;
        assert_eq!(answer.status, 401, "{bad}: {}", answer.body);
        assert!(answer.header("www-authenticate").contains("invalid_token"));
    }

    let offers_key = key(&app, "offers-editor", &["write:offers"]).await;
    // A key with its secret changed is refused like an unknown one.
    let tampered = format!("{}0", &offers_key[..offers_key.len() - 1]);
    let tampered = if tampered == offers_key {
        format!("{}1", &offers_key[..offers_key.len() - 1])
    } else {
        tampered
    };
    let answer = send(
        &app,
        Method::POST,
        "/api/v1/offers",
        Some(&tampered),
        json_body(&offer),
        &[],
    )
    .await;
    assert_eq!(answer.status, 401);

    let created = send(
        &app,
        Method::POST,
        "/api/v1/offers",
        Some(&offers_key),
        json_body(&offer),
        &[],
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert!(
        created
            .header("location")
            .ends_with("/api/v1/offers/cobot-beratung")
    );
    assert!(!created.header("etag").is_empty());
    assert_eq!(created.body["slug"], "cobot-beratung");
    assert_eq!(created.body["provider"]["slug"], "ig-metall");

    // The scope names one collection: partners are out of reach.
    let denied = send(
        &app,
        Method::DELETE,
        "/api/v1/partners/mwide",
        Some(&offers_key),
        None,
        &[],
    )
    .await;
    assert_eq!(denied.status, 403, "{}", denied.body);
    assert_eq!(denied.body["code"], "forbidden");
    assert!(
        denied.body["detail"]
            .as_str()
            .unwrap()
            .contains("write:partners")
    );
    assert!(
        denied
            .header("www-authenticate")
            .contains("insufficient_scope")
    );
    // `admin` alone does not write.
    let admin = key(&app, "admin", &["admin"]).await;
    let denied = send(
        &app,
        Method::DELETE,
        "/api/v1/offers/cobot-beratung",
        Some(&admin),
        None,
        &[],
    )
    .await;
    assert_eq!(denied.status, 403);
    // `write` covers every collection.
    let writer = key(&app, "writer", &["write"]).await;
    let patched = patch(
        &app,
        "/api/v1/partners/mwide",
        &writer,
        &json!({"short_name": "MWIDE NRW"}),
    )
    .await;
    assert_eq!(patched.status, 200, "{}", patched.body);

    // A revoked key authenticates nothing.
    keys::revoke(app.db(), "offers-editor").await.unwrap();
    let answer = send(
        &app,
        Method::DELETE,
        "/api/v1/offers/cobot-beratung",
        Some(&offers_key),
        None,
        &[],
    )
    .await;
    assert_eq!(answer.status, 401);
    // Reads stay anonymous.
    assert_eq!(app.get("/api/v1/offers/cobot-beratung").await.status(), 200);
}

async fn a_created_offer_is_listed_searched_and_matched_in_the_next_request(app: TestApp) {
    let key = key(&app, "editor", &["write:offers"]).await;
    // Warm every read first, so a stale cache or snapshot would show.
    let search = "/api/v1/search?q=Schwebebahnrobotik";
    assert_eq!(
        app.get_json(search).await["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let listed = |body: &Value| {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["slug"] == "schwebebahnrobotik")
    };
    let list = "/api/v1/offers?region=05913&target_group=works_council&limit=100";
    assert!(!listed(&app.get_json(list).await));
    let profile = json!({"region": "05913", "role": "works_council", "topics": ["arbeit-40"], "need": "Schwebebahnrobotik"});
    let (_, matched) = app.post_json("/api/v1/match", &profile).await;
    let matched_slugs = |body: &Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["offer"]["slug"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(!matched_slugs(&matched).contains(&"schwebebahnrobotik".to_owned()));

    let offer = new_offer("schwebebahnrobotik", "Schwebebahnrobotik für Betriebsräte");
    let created = send(
        &app,
        Method::POST,
        "/api/v1/offers",
        Some(&key),
        json_body(&offer),
        &[],
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);

    let found = app.get_json(search).await;
    assert_eq!(found["items"][0]["slug"], "schwebebahnrobotik", "{found}");
    assert!(listed(&app.get_json(list).await));
    let (_, matched) = app.post_json("/api/v1/match", &profile).await;
    assert_eq!(
        matched_slugs(&matched)[0],
        "schwebebahnrobotik",
        "{matched}"
    );
    let graphql = app
        .graphql_data(
            r#"{ offer(key: "schwebebahnrobotik") { title } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        graphql["offer"]["title"],
        "Schwebebahnrobotik für Betriebsräte"
    );

    // Deleted: gone from the same reads at once.
    let deleted = send(
        &app,
        Method::DELETE,
        "/api/v1/offers/schwebebahnrobotik",
        Some(&key),
        None,
        &[],
    )
    .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert_eq!(
        app.get_json(search).await["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert!(!listed(&app.get_json(list).await));
    assert_eq!(
        app.get("/api/v1/offers/schwebebahnrobotik").await.status(),
        404
    );
}

async fn of_two_patches_with_one_if_match_exactly_one_wins(app: TestApp) {
    let key = key(&app, "editor", &["write"]).await;
    let path = "/api/v1/offers/arbeit-2020-begleitung";
    let etag = app.get(path).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let edit = |title: &'static str| {
        let (app, key, etag) = (&app, key.clone(), etag.clone());
        async move {
            send(
                app,
                Method::PATCH,
                path,
                Some(&key),
                merge_patch(&json!({"title_en": title})),
                &[("if-match", &etag)],
            )
            .await
        }
    };
    let (a, b) = tokio::join!(edit("Version A"), edit("Version B"));
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 412], "{} / {}", a.body, b.body);
    let (winner, loser) = if a.status == 200 { (a, b) } else { (b, a) };
    let now = app.get(path).await;
    let current = now.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(current, etag);
    // The write's answer and the next read name the same version (their
    // representation parts differ: a digest there, the data's tag here).
    assert_eq!(version(winner.header("etag")), version(&current));
    assert_eq!(loser.body["code"], "precondition_failed");
    // The 412 names the record's version, which `If-Match` compares.
    assert_eq!(loser.body["etag"], version(&current));
    assert_eq!(loser.header("etag"), version(&current));
    let english = app.get_json(&format!("{path}?lang=en")).await;
    let won = if winner.body["title"].is_string() {
        english["title"].as_str().unwrap().to_owned()
    } else {
        unreachable!()
    };
    assert!(won == "Version A" || won == "Version B", "{won}");
    // The loser retries with the current tag and wins; nothing was lost.
    let retry = send(
        &app,
        Method::PATCH,
        path,
        Some(&key),
        merge_patch(&json!({"title_en": "Version C"})),
        &[("if-match", &current)],
    )
    .await;
    assert_eq!(retry.status, 200, "{}", retry.body);
    let feed = app.get_json("/api/v1/changes?limit=1000").await;
    let titles: Vec<&str> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["record"]["slug"] == "arbeit-2020-begleitung" && c["record"]["title_en"].is_string()
        })
        .filter_map(|c| c["record"]["title_en"].as_str())
        .filter(|t| t.starts_with("Version"))
        .collect();
    assert_eq!(titles, [won.as_str(), "Version C"]);
}

async fn a_bad_offer_gets_every_fault_listed_and_nothing_changes(app: TestApp) {
    let key = key(&app, "editor", &["write:offers"]).await;
    let before = dump(&app).await;
    let mut offer = new_offer("Schlechter Slug", "");
    offer["provider"] = json!("niemand");
    offer["topics"] = json!(["arbeit-40", "gibt-es-nicht"]);
    offer["valid_from"] = json!("2020-06-01");
    offer["valid_until"] = json!("2020-01-01");
    offer["url"] = json!("ftp//kaputt");
    offer["summary_de"] = json!("x".repeat(10_001));
    offer["kind"] = json!("party");
    offer["extra"] = json!(1);
    let answer = send(
        &app,
        Method::POST,
        "/api/v1/offers",
        Some(&key),
        json_body(&offer),
        &[],
    )
    .await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert_eq!(answer.body["code"], "invalid_data");
    let mut fields = answer.fields();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "/extra",
            "/kind",
            "/provider",
            "/slug",
            "/summary_de",
            "/title_de",
            "/topics/1",
            "/url",
            "/valid_until"
        ],
        "{}",
        answer.body
    );
    // A PATCH that breaks a stored offer is refused the same way.
    let answer = patch(
        &app,
        "/api/v1/offers/arbeit-2020-begleitung",
        &key,
        &json!({"title_de": " ", "regions": [], "cost": 3, "url": "nicht-absolut"}),
    )
    .await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    let mut fields = answer.fields();
    fields.sort_unstable();
    assert_eq!(
        fields,
        ["/cost", "/regions", "/title_de", "/url"],
        "{}",
        answer.body
    );
    assert_eq!(dump(&app).await, before);
}

async fn put_replaces_patch_merges_and_delete_leaves_a_tombstone(app: TestApp) {
    let key = key(&app, "editor", &["write"]).await;
    let seq = newest_seq(&app).await;
    // PUT the seed record unchanged: nothing is written.
    let stored = seed_record("offers", "arbeit-2020-begleitung");
    let same = send(
        &app,
        Method::PUT,
        "/api/v1/offers/arbeit-2020-begleitung",
        Some(&key),
        json_body(&stored),
        &[],
    )
    .await;
    assert_eq!(same.status, 200, "{}", same.body);
    assert_eq!(newest_seq(&app).await, seq, "an unchanged PUT logs nothing");

    // PUT replaces: a field left out is cleared, lists are replaced.
    let mut replaced = stored.clone();
    replaced["description_de"] = Value::Null;
    replaced["topics"] = json!(["qualifizierung"]);
    let answer = send(
        &app,
        Method::PUT,
        "/api/v1/offers/arbeit-2020-begleitung",
        Some(&key),
        json_body(&replaced),
        &[],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["description"], Value::Null);
    let topics: Vec<&str> = answer.body["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap())
        .collect();
    assert_eq!(topics, ["qualifizierung"]);
    assert_eq!(
        version(answer.header("etag")),
        version(
            app.get("/api/v1/offers/arbeit-2020-begleitung")
                .await
                .headers()["etag"]
                .to_str()
                .unwrap()
        )
    );

    // The slug is the key: a PUT cannot rename. The body is a valid
    // record, so this is a conflict with the stored one (409), not 422.
    let mut renamed = replaced.clone();
    renamed["slug"] = json!("umbenannt");
    let answer = send(
        &app,
        Method::PUT,
        "/api/v1/offers/arbeit-2020-begleitung",
        Some(&key),
        json_body(&renamed),
        &[],
    )
    .await;
    assert_eq!(answer.status, 409, "{}", answer.body);
    assert_eq!(answer.body["code"], "conflict");
    assert_eq!(answer.fields(), ["/slug"]);

    // PATCH merges: `null` clears an optional field, others stay.
    let answer = patch(
        &app,
        "/api/v1/offers/arbeit-2020-begleitung",
        &key,
        &json!({"valid_until": null, "cost": "free"}),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["valid_until"], Value::Null);
    assert_eq!(answer.body["cost"], "free");
    assert_eq!(answer.body["topics"][0]["slug"], "qualifizierung");
    // PATCH of a required field to null is refused.
    let answer = patch(
        &app,
        "/api/v1/offers/arbeit-2020-begleitung",
        &key,
        &json!({"provider": null}),
    )
    .await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert_eq!(answer.fields(), ["/provider"]);

    // Every collection takes a PATCH by id as well as by slug.
    for (collection, slug, change) in [
        ("regions", "dortmund", json!({"name_en": "Dortmund (city)"})),
        ("topics", "arbeit-40", json!({"label_en": "Work 4.0!"})),
        ("partners", "mags", json!({"short_name": "MAGS NRW"})),
        ("projects", "arbeit-2020", json!({"member_count": 7})),
        (
            "meetings",
            "gruendung-2016-04-15",
            json!({"place": "Düsseldorf, Landtag"}),
        ),
    ] {
        let id = app.get_json(&format!("/api/v1/{collection}/{slug}")).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let answer = patch(&app, &format!("/api/v1/{collection}/{id}"), &key, &change).await;
        assert_eq!(answer.status, 200, "{collection}: {}", answer.body);
        assert_eq!(answer.body["slug"], slug);
    }

    // DELETE: 204, then 404, and a `delete` entry with no record.
    let id = app.get_json("/api/v1/offers/arbeit-2020-begleitung").await["id"].clone();
    let answer = send(
        &app,
        Method::DELETE,
        "/api/v1/offers/arbeit-2020-begleitung",
        Some(&key),
        None,
        &[],
    )
    .await;
    assert_eq!(answer.status, 204);
    assert_eq!(
        app.get("/api/v1/offers/arbeit-2020-begleitung")
            .await
            .status(),
        404
    );
    let again = send(
        &app,
        Method::DELETE,
        "/api/v1/offers/arbeit-2020-begleitung",
        Some(&key),
        None,
        &[],
    )
    .await;
    assert_eq!(again.status, 404);
    let feed = app.get_json(&format!("/api/v1/changes?since={seq}")).await;
    let last = feed["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["op"], "delete");
    assert_eq!(last["id"], id);
    assert_eq!(last["collection"], "offers");
    assert_eq!(last["record"], Value::Null);
}

async fn if_match_is_checked_on_every_write_and_required_when_configured(app: TestApp) {
    let key = key(&app, "editor", &["write"]).await;
    let path = "/api/v1/topics/it-sicherheit";
    let etag = app.get(path).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "a strong tag: {etag}"
    );
    let stale = r#""0""#;
    let body = json!({"label_en": "IT security!"});
    for (method, body) in [
        (Method::PATCH, merge_patch(&body)),
        (
            Method::PUT,
            json_body(&seed_record("topics", "it-sicherheit")),
        ),
        (Method::DELETE, None),
    ] {
        let answer = send(
            &app,
            method.clone(),
            path,
            Some(&key),
            body,
            &[("if-match", stale)],
        )
        .await;
        assert_eq!(answer.status, 412, "{method}: {}", answer.body);
        assert_eq!(answer.body["etag"], version(&etag));
    }
    // A weak tag never matches (strong comparison, RFC 9110 §13.1.1).
    let weak = format!("W/{etag}");
    let answer = send(
        &app,
        Method::PATCH,
        path,
        Some(&key),
        merge_patch(&body),
        &[("if-match", &weak)],
    )
    .await;
    assert_eq!(answer.status, 412);
    // A list holding the current tag, and `*`, match.
    let list = format!(r#""1", {etag}"#);
    let answer = send(
        &app,
        Method::PATCH,
        path,
        Some(&key),
        merge_patch(&body),
        &[("if-match", &list)],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let answer = send(
        &app,
        Method::PATCH,
        path,
        Some(&key),
        merge_patch(&json!({"label_en": "IT security"})),
        &[("if-match", "*")],
    )
    .await;
    assert_eq!(answer.status, 200);

    // With --require-if-match, a write without it is 428.
    let strict = app.replica(|s| s.require_if_match = true).await;
    let answer = patch(&strict, path, &key, &body).await;
    assert_eq!(answer.status, 428, "{}", answer.body);
    assert_eq!(answer.body["code"], "precondition_required");
    let current = strict.get(path).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let answer = send(
        &strict,
        Method::PATCH,
        path,
        Some(&key),
        merge_patch(&body),
        &[("if-match", &current)],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    // Creating needs no If-Match: there is no version to name.
    let mut topic = seed_record("topics", "it-sicherheit");
    topic["slug"] = json!("cybersicherheit");
    let answer = send(
        &strict,
        Method::POST,
        "/api/v1/topics",
        Some(&key),
        json_body(&topic),
        &[],
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
}

async fn a_referenced_record_cannot_be_deleted(app: TestApp) {
    let key = key(&app, "editor", &["write"]).await;
    let before = dump(&app).await;
    for (path, named) in [
        ("/api/v1/partners/ig-metall", "arbeit-2020-begleitung"),
        ("/api/v1/topics/arbeit-40", "arbeit-2020-begleitung"),
        ("/api/v1/regions/dortmund", "offer"),
        ("/api/v1/projects/arbeit-2020", "arbeit-2020-begleitung"),
    ] {
        let answer = send(&app, Method::DELETE, path, Some(&key), None, &[]).await;
        assert_eq!(answer.status, 409, "{path}: {}", answer.body);
        assert_eq!(answer.body["code"], "conflict");
        assert!(
            answer.body["detail"].as_str().unwrap().contains(named),
            "{}",
            answer.body
        );
    }
    assert_eq!(dump(&app).await, before);
}

async fn trees_refuse_a_parent_below_the_record(app: TestApp) {
    let key = key(&app, "editor", &["write"]).await;
    // Digitalisierung is above Industrie 4.0; making it Industrie 4.0's
    // child would close a cycle.
    let child = app.get_json("/api/v1/topics/industrie-40").await;
    assert_eq!(child["parent"]["slug"], "digitalisierung", "{child}");
    let answer = patch(
        &app,
        "/api/v1/topics/digitalisierung",
        &key,
        &json!({"parent": "industrie-40"}),
    )
    .await;
    // A cycle through stored records: a conflict with the stored tree.
    assert_eq!(answer.status, 409, "{}", answer.body);
    assert_eq!(answer.fields(), ["/parent"]);
    let answer = patch(
        &app,
        "/api/v1/topics/digitalisierung",
        &key,
        &json!({"parent": "digitalisierung"}),
    )
    .await;
    // Its own parent: wrong on its own, whatever is stored.
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert_eq!(answer.fields(), ["/parent"]);
    let answer = patch(
        &app,
        "/api/v1/regions/nordrhein-westfalen",
        &key,
        &json!({"parent": "dortmund"}),
    )
    .await;
    assert_eq!(answer.status, 409, "{}", answer.body);
    assert_eq!(answer.fields(), ["/parent"]);
}

async fn bodies_that_are_not_records_are_refused_with_4xx(app: TestApp) {
    let key = key(&app, "editor", &["write"]).await;
    let offer = new_offer("ok-slug", "Titel");
    let cases: Vec<(Method, &str, Body, u16)> = vec![
        (
            Method::POST,
            "/api/v1/offers",
            Some(("application/json", "{\"slug\": ".into())),
            400,
        ),
        (
            Method::POST,
            "/api/v1/offers",
            Some(("application/json", r#"{"slug": "a", "slug": "b"}"#.into())),
            400,
        ),
        (
            Method::POST,
            "/api/v1/offers",
            Some(("text/plain", offer.to_string())),
            415,
        ),
        (Method::POST, "/api/v1/offers", None, 415),
        (
            Method::POST,
            "/api/v1/offers",
            Some(("application/json", "[]".into())),
            422,
        ),
        (
            Method::POST,
            "/api/v1/offers",
            Some(("application/json", "{}".into())),
            422,
        ),
        (Method::POST, "/api/v1/offers?foo=1", json_body(&offer), 400),
        (
            Method::POST,
            "/api/v1/offers",
            Some((
                "application/json",
                format!("{{\"slug\": \"{}\"}}", "a".repeat(300_000)),
            )),
            413,
        ),
        (
            Method::PATCH,
            "/api/v1/offers/arbeit-2020-begleitung",
            Some(("text/plain", "{}".into())),
            415,
        ),
        (
            Method::PATCH,
            "/api/v1/offers/arbeit-2020-begleitung",
            merge_patch(&json!([1])),
            422,
        ),
        (
            Method::PATCH,
            "/api/v1/offers/gibt-es-nicht",
            merge_patch(&json!({})),
            404,
        ),
        (
            Method::PUT,
            "/api/v1/offers/gibt-es-nicht",
            json_body(&offer),
            404,
        ),
        (Method::DELETE, "/api/v1/offers/gibt-es-nicht", None, 404),
    ];
    let before = dump(&app).await;
    for (method, path, body, status) in cases {
        let answer = send(&app, method.clone(), path, Some(&key), body, &[]).await;
        assert_eq!(answer.status, status, "{method} {path}: {}", answer.body);
        assert_eq!(
            answer.header("content-type"),
            "application/problem+json",
            "{method} {path}"
        );
    }
    // Control characters never reach the database (PostgreSQL refuses NUL).
    let mut nul = new_offer("nul-test", "Titel\u{0}mit NUL");
    nul["provider"] = json!("ig-\u{0}metall");
    nul["topics"] = json!(["arbeit-40", "\u{1b}[31m"]);
    let answer = send(
        &app,
        Method::POST,
        "/api/v1/offers",
        Some(&key),
        json_body(&nul),
        &[],
    )
    .await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    let mut fields = answer.fields();
    fields.sort_unstable();
    fields.dedup();
    assert_eq!(
        fields,
        ["/provider", "/title_de", "/topics/1"],
        "{}",
        answer.body
    );
    let patch415 = send(
        &app,
        Method::PATCH,
        "/api/v1/offers/arbeit-2020-begleitung",
        Some(&key),
        Some(("text/plain", "{}".into())),
        &[],
    )
    .await;
    // Both types PATCH takes, in the message and in `Accept-Patch`
    // (RFC 5789 §2.2); a POST names its one.
    assert_eq!(patch415.status, 415);
    assert_eq!(
        patch415.body["detail"],
        "the request body must be `application/merge-patch+json` or `application/json`",
        "{}",
        patch415.body
    );
    assert_eq!(
        patch415.header("accept-patch"),
        "application/merge-patch+json, application/json"
    );
    let post415 = send(
        &app,
        Method::POST,
        "/api/v1/offers",
        Some(&key),
        Some(("text/plain", "{}".into())),
        &[],
    )
    .await;
    assert_eq!(
        post415.body["detail"], "the request body must be `application/json`",
        "{}",
        post415.body
    );
    assert_eq!(post415.header("accept-patch"), "");
    // A POST of a slug that exists conflicts with the stored record (409),
    // naming the slug; so does a reference to a record that does not
    // exist; a body also wrong on its own is a 422 naming both.
    let taken = send(
        &app,
        Method::POST,
        "/api/v1/offers",
        Some(&key),
        json_body(&seed_record("offers", "arbeit-2020-begleitung")),
        &[],
    )
    .await;
    assert_eq!(taken.status, 409, "{}", taken.body);
    assert_eq!(taken.body["code"], "conflict");
    assert_eq!(taken.fields(), ["/slug"]);
    let mut stranger = seed_record("offers", "arbeit-2020-begleitung");
    stranger["slug"] = json!("neu-angebot");
    stranger["provider"] = json!("gibt-es-nicht");
    stranger["topics"] = json!(["arbeit-40", "auch-nicht"]);
    let unknown = send(
        &app,
        Method::POST,
        "/api/v1/offers",
        Some(&key),
        json_body(&stranger),
        &[],
    )
    .await;
    assert_eq!(unknown.status, 409, "{}", unknown.body);
    assert_eq!(unknown.fields(), ["/provider", "/topics/1"]);
    stranger["valid_from"] = json!("2030-01-01");
    stranger["valid_until"] = json!("2020-01-01");
    let both = send(
        &app,
        Method::POST,
        "/api/v1/offers",
        Some(&key),
        json_body(&stranger),
        &[],
    )
    .await;
    assert_eq!(both.status, 422, "{}", both.body);
    assert_eq!(both.body["code"], "invalid_data");
    assert_eq!(both.fields(), ["/valid_until", "/provider", "/topics/1"]);
    assert_eq!(dump(&app).await, before);
}

async fn the_change_log_names_the_actor_and_the_changed_fields(app: TestApp) {
    let key = key(&app, "Redaktion MAGS", &["write"]).await;
    let seq = newest_seq(&app).await;
    let answer = patch(
        &app,
        "/api/v1/partners/mags",
        &key,
        &json!({"short_name": "MAGS NRW", "note": "geprüft"}),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let db = app.db();
    use sea_orm::{ConnectionTrait, Statement};
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT actor, fields, record FROM changes WHERE seq > {seq}"),
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get_by_index::<String>(0).unwrap(), "Redaktion MAGS");
    let fields: Value = serde_json::from_str(&row.try_get_by_index::<String>(1).unwrap()).unwrap();
    let old = seed_record("partners", "mags");
    assert_eq!(
        fields,
        json!({
            "short_name": {"old": old["short_name"], "new": "MAGS NRW"},
            "note": {"old": old["note"], "new": "geprüft"},
        })
    );
    let record: Value = serde_json::from_str(&row.try_get_by_index::<String>(2).unwrap()).unwrap();
    assert_eq!(record["short_name"], "MAGS NRW");
}

/// Every row of every table, as text: what "nothing changed" compares.
async fn dump(app: &TestApp) -> Vec<String> {
    use sea_orm::{FromQueryResult, JsonValue, Statement};
    let db = app.db();
    let mut rows = Vec::new();
    for table in [
        "regions",
        "region_members",
        "topics",
        "partners",
        "contacts",
        "people",
        "projects",
        "project_participants",
        "offers",
        "offer_target_groups",
        "offer_topics",
        "offer_regions",
        "meetings",
        "meeting_participants",
        "changes",
    ] {
        let all = JsonValue::find_by_statement(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT * FROM {table}"),
        ))
        .all(db)
        .await
        .unwrap();
        let mut texts: Vec<String> = all.iter().map(|r| format!("{table}: {r}")).collect();
        texts.sort();
        rows.extend(texts);
    }
    rows
}

async fn contacts_and_people_are_written_under_the_partners_scope(app: TestApp) {
    let partners = key(&app, "partners-editor", &["write:partners"]).await;
    let offers = key(&app, "offers-editor", &["write:offers"]).await;
    let contact = app.get("/api/v1/contacts/mwide-presse").await;
    assert_eq!(contact.status(), 200);
    let etag = contact.headers()["etag"].to_str().unwrap().to_owned();
    let record: Value = contact.json().await.unwrap();
    assert_eq!(record, seed_record("contacts", "mwide-presse"));
    let phone = merge_patch(&json!({"phone": "0211 61772-0"}));
    let denied = send(
        &app,
        Method::PATCH,
        "/api/v1/contacts/mwide-presse",
        Some(&offers),
        phone.clone(),
        &[],
    )
    .await;
    assert_eq!(denied.status, 403);
    assert!(
        denied.body["detail"]
            .as_str()
            .unwrap()
            .contains("write:partners")
    );
    let changed = send(
        &app,
        Method::PATCH,
        "/api/v1/contacts/mwide-presse",
        Some(&partners),
        phone,
        &[("if-match", &etag)],
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(changed.body["phone"], "0211 61772-0");
    let partner = app.get_json("/api/v1/partners/mwide").await;
    assert!(partner.to_string().contains("0211 61772-0"), "{partner}");
    // A bad e-mail address is named.
    let bad = patch(
        &app,
        "/api/v1/contacts/mwide-presse",
        &partners,
        &json!({"email": "presse at mwide"}),
    )
    .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.fields(), ["/email"]);

    let person = seed_record("people", "franz-josef-lersch-mense");
    let mut new = person.clone();
    new["slug"] = json!("amtsnachfolge-stk");
    new["year"] = json!(2017);
    let created = send(
        &app,
        Method::POST,
        "/api/v1/people",
        Some(&partners),
        json_body(&new),
        &[],
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert!(
        created
            .header("location")
            .ends_with("/api/v1/people/amtsnachfolge-stk")
    );
    assert_eq!(created.body["year"], 2017);
    let deleted = send(
        &app,
        Method::DELETE,
        "/api/v1/people/amtsnachfolge-stk",
        Some(&partners),
        None,
        &[],
    )
    .await;
    assert_eq!(deleted.status, 204);
    assert_eq!(
        app.get("/api/v1/people/amtsnachfolge-stk").await.status(),
        404
    );
    // A partner with contacts is refused a delete, naming them.
    let refused = send(
        &app,
        Method::DELETE,
        "/api/v1/partners/mwide",
        Some(&partners),
        None,
        &[],
    )
    .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("mwide-presse"),
        "{}",
        refused.body
    );
}

async fn the_audit_trail_lists_writes_for_admin_keys_only(app: TestApp) {
    let editor = key(&app, "redaktion", &["write"]).await;
    let admin = key(&app, "aufsicht", &["admin"]).await;
    let start = chrono::Utc::now();
    for title in ["Eins", "Zwei", "Drei"] {
        let answer = patch(
            &app,
            "/api/v1/topics/innovation",
            &editor,
            &json!({"label_en": title}),
        )
        .await;
        assert_eq!(answer.status, 200);
    }
    let answer = patch(
        &app,
        "/api/v1/partners/mags",
        &editor,
        &json!({"note": "x"}),
    )
    .await;
    assert_eq!(answer.status, 200);
    let topic_id = app.get_json("/api/v1/topics/innovation").await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let path = format!("/api/v1/audit?collection=topics&id={topic_id}&actor=redaktion&limit=2");
    let page = send(&app, Method::GET, &path, Some(&admin), None, &[]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let items = page.body["items"].as_array().unwrap();
    let news: Vec<&Value> = items
        .iter()
        .map(|i| &i["fields"]["label_en"]["new"])
        .collect();
    assert_eq!(news, [&json!("Drei"), &json!("Zwei")], "newest first");
    assert_eq!(items[0]["fields"]["label_en"]["old"], "Zwei");
    assert_eq!(items[0]["actor"], "redaktion");
    assert_eq!(items[0]["op"], "upsert");
    let cursor = page.body["next_cursor"].as_str().unwrap();
    assert!(page.header("link").contains("rel=\"next\""));
    let older = send(
        &app,
        Method::GET,
        &format!("{path}&cursor={cursor}"),
        Some(&admin),
        None,
        &[],
    )
    .await;
    let items = older.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0]["fields"]["label_en"],
        json!({"old": "Innovation", "new": "Eins"})
    );
    assert_eq!(older.body["next_cursor"], Value::Null);
    // Time bounds; imports have no actor and no fields.
    let since = start.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let recent = send(
        &app,
        Method::GET,
        &format!("/api/v1/audit?since={since}"),
        Some(&admin),
        None,
        &[],
    )
    .await;
    assert_eq!(
        recent.body["items"].as_array().unwrap().len(),
        4,
        "{}",
        recent.body
    );
    let seeded = send(
        &app,
        Method::GET,
        &format!("/api/v1/audit?until={since}&limit=1"),
        Some(&admin),
        None,
        &[],
    )
    .await;
    assert_eq!(seeded.body["items"][0]["actor"], Value::Null);
    assert_eq!(seeded.body["items"][0]["fields"], Value::Null);

    // Without admin: 403; without a key: 401, never a cached 200.
    let denied = send(&app, Method::GET, &path, Some(&editor), None, &[]).await;
    assert_eq!(denied.status, 403);
    let anonymous = send(&app, Method::GET, &path, None, None, &[]).await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    let bad = send(
        &app,
        Method::GET,
        "/api/v1/audit?collection=nope&id=x&since=gestern",
        Some(&admin),
        None,
        &[],
    )
    .await;
    assert_eq!(bad.status, 400);
    let mut fields = bad.fields();
    fields.sort_unstable();
    assert_eq!(fields, ["collection", "id", "since"]);
}

/// POSTs a GraphQL document with an optional bearer key.
async fn graphql(app: &TestApp, key: Option<&str>, query: &str, variables: Value) -> Value {
    app.graphql_as(key, &json!({"query": query, "variables": variables}))
        .await
}

/// The `errors` of mutation `field`'s payload (see [`write_errors`]) when
/// `query` is sent with `variables` and `key`.
async fn outcome(
    app: &TestApp,
    key: Option<&str>,
    query: &str,
    variables: Value,
    field: &str,
) -> Vec<(String, Option<String>)> {
    write_errors(&graphql(app, key, query, variables).await, field)
}

/// PATCHes `body` to `path` and asserts the 422 names exactly `field`.
async fn refused(app: &TestApp, key: &str, path: &str, body: &Value, field: &str) {
    let answer = patch(app, path, key, body).await;
    assert_eq!(answer.status, 422, "{path} {body}: {}", answer.body);
    assert_eq!(answer.fields(), [field], "{path} {body}: {}", answer.body);
}

/// The `errors` of a mutation's payload as `(code, field)` pairs, sorted;
/// panics if the response has GraphQL errors (they are for requests, not
/// records).
fn write_errors(response: &Value, field: &str) -> Vec<(String, Option<String>)> {
    assert!(response.get("errors").is_none(), "{response}");
    let payload = &response["data"][field];
    let mut errors: Vec<(String, Option<String>)> = payload["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors list: {response}"))
        .iter()
        .map(|e| {
            assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{e}");
            (
                e["code"].as_str().unwrap().to_owned(),
                e["field"].as_str().map(str::to_owned),
            )
        })
        .collect();
    errors.sort();
    if !errors.is_empty() {
        let written = if field.starts_with("delete") {
            "deleted"
        } else {
            "record"
        };
        assert_eq!(payload[written], Value::Null, "{response}");
    }
    errors
}

fn code(code: &str, field: Option<&str>) -> (String, Option<String>) {
    (code.to_owned(), field.map(str::to_owned))
}

async fn graphql_mutations_write_like_rest(app: TestApp) {
    let key = key(&app, "dashboard", &["write:offers"]).await;
    let create = "mutation($r: JSON!) { createOffer(record: $r) { record { slug title etag provider { slug } } errors { code field message etag } } }";
    let offer = new_offer("graphql-sprechstunde", "GraphQL-Sprechstunde");

    // Who may write is about the request: a GraphQL error, no data.
    let anonymous = graphql(&app, None, create, json!({"r": offer})).await;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"], "unauthorized",
        "{anonymous}"
    );
    assert_eq!(
        anonymous["data"],
        json!({"createOffer": null}),
        "{anonymous}"
    );
    assert_eq!(
        app.get("/api/v1/offers/graphql-sprechstunde")
            .await
            .status(),
        404
    );
    // Reads are public whatever key is sent; a mutation needs a valid one.
    let read = graphql(
        &app,
        Some("lotse_falsch"),
        "{ offer(key: \"tbs-beratung\") { slug } }",
        json!({}),
    )
    .await;
    assert_eq!(read["data"]["offer"]["slug"], "tbs-beratung", "{read}");
    let rejected = graphql(&app, Some("lotse_falsch"), create, json!({"r": offer})).await;
    assert_eq!(
        rejected["errors"][0]["extensions"]["code"], "unauthorized",
        "{rejected}"
    );

    let created = graphql(&app, Some(&key), create, json!({"r": offer})).await;
    assert_eq!(write_errors(&created, "createOffer"), []);
    let node = &created["data"]["createOffer"]["record"];
    assert_eq!(node["slug"], "graphql-sprechstunde", "{created}");
    assert_eq!(node["provider"]["slug"], "ig-metall");
    let etag = node["etag"].as_str().unwrap().to_owned();
    let rest = app.get("/api/v1/offers/graphql-sprechstunde").await;
    assert_eq!(version(rest.headers()["etag"].to_str().unwrap()), etag);

    // What the record meets is a result: CONFLICT for a slug that is taken.
    let again = graphql(&app, Some(&key), create, json!({"r": offer})).await;
    assert_eq!(
        write_errors(&again, "createOffer"),
        [code("CONFLICT", Some("/slug"))]
    );

    let update = "mutation($k: String!, $p: JSON!, $t: String) { updateOffer(key: $k, patch: $p, ifMatch: $t) { record { title etag } errors { code field message etag } } }";
    let stale = graphql(
        &app,
        Some(&key),
        update,
        json!({"k": "graphql-sprechstunde", "p": {"title_de": "Neu"}, "t": "\"0\""}),
    )
    .await;
    assert_eq!(
        write_errors(&stale, "updateOffer"),
        [code("PRECONDITION_FAILED", None)]
    );
    assert_eq!(
        stale["data"]["updateOffer"]["errors"][0]["etag"],
        etag.as_str()
    );
    let fresh = graphql(
        &app,
        Some(&key),
        update,
        json!({"k": "graphql-sprechstunde", "p": {"title_de": "Neu"}, "t": etag}),
    )
    .await;
    assert_eq!(write_errors(&fresh, "updateOffer"), []);
    assert_eq!(
        fresh["data"]["updateOffer"]["record"]["title"], "Neu",
        "{fresh}"
    );

    let invalid = graphql(
        &app,
        Some(&key),
        update,
        json!({"k": "graphql-sprechstunde", "p": {"title_de": "", "provider": "niemand"}}),
    )
    .await;
    // Every fault by JSON Pointer, with the code of the REST answer (422:
    // the record is at fault, so its unknown provider is listed too).
    assert_eq!(
        write_errors(&invalid, "updateOffer"),
        [
            code("INVALID_DATA", Some("/provider")),
            code("INVALID_DATA", Some("/title_de"))
        ]
    );
    assert_eq!(
        outcome(
            &app,
            Some(&key),
            update,
            json!({"k": "graphql-sprechstunde", "p": [1]}),
            "updateOffer"
        )
        .await,
        [code("INVALID_DATA", Some(""))]
    );
    assert_eq!(
        outcome(
            &app,
            Some(&key),
            update,
            json!({"k": "gibt-es-nicht", "p": {"title_de": "Neu"}}),
            "updateOffer"
        )
        .await,
        [code("NOT_FOUND", None)]
    );
    // With --require-if-match, a write without `ifMatch` is refused.
    let strict = app.replica(|s| s.require_if_match = true).await;
    assert_eq!(
        outcome(
            &strict,
            Some(&key),
            update,
            json!({"k": "graphql-sprechstunde", "p": {"title_de": "Neu"}}),
            "updateOffer"
        )
        .await,
        [code("PRECONDITION_REQUIRED", None)]
    );
    // Nothing of a refused write is stored.
    let stored = app.get_json("/api/v1/offers/graphql-sprechstunde").await;
    assert_eq!(stored["title"], "Neu");
    assert_eq!(stored["provider"]["slug"], "ig-metall");

    let forbidden = graphql(
        &app,
        Some(&key),
        "mutation { deletePartner(key: \"mwide\") { deleted { id } errors { code } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        forbidden["errors"][0]["extensions"]["code"], "forbidden",
        "{forbidden}"
    );

    let seq = newest_seq(&app).await;
    let delete = "mutation($k: String!) { deleteOffer(key: $k) { deleted { id collection } errors { code field message } } }";
    let deleted = graphql(
        &app,
        Some(&key),
        delete,
        json!({"k": "graphql-sprechstunde"}),
    )
    .await;
    assert_eq!(write_errors(&deleted, "deleteOffer"), []);
    let deleted = &deleted["data"]["deleteOffer"]["deleted"];
    assert_eq!(deleted["collection"], "offers", "{deleted}");
    assert_eq!(
        outcome(
            &app,
            Some(&key),
            delete,
            json!({"k": "graphql-sprechstunde"}),
            "deleteOffer"
        )
        .await,
        [code("NOT_FOUND", None)]
    );
    let feed = app
        .graphql_data(
            "query($s: String) { changes(since: $s) { items { op id collection record } nextCursor hasMore } }",
            json!({"s": seq.to_string()}),
        )
        .await;
    let items = feed["changes"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{feed}");
    assert_eq!(items[0]["op"], "DELETE");
    assert_eq!(items[0]["id"], deleted["id"]);
    assert_eq!(items[0]["record"], Value::Null);
    assert_eq!(feed["changes"]["hasMore"], false);

    // A record others refer to stays, and the payload says why.
    let editor = self::key(&app, "editor", &["write"]).await;
    let referenced = graphql(
        &app,
        Some(&editor),
        "mutation { deleteTopic(key: \"arbeit-40\") { deleted { id } errors { code field message } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        write_errors(&referenced, "deleteTopic"),
        [code("CONFLICT", None)]
    );
    assert_eq!(app.get("/api/v1/topics/arbeit-40").await.status(), 200);

    // A partner's contacts and people, shown in the import format.
    let partners = self::key(&app, "partners", &["write:partners"]).await;
    let contact = graphql(
        &app,
        Some(&partners),
        "mutation { updateContact(key: \"mwide-presse\", patch: {phone: \"0211 1\"}) { record etag errors { code field message } } }",
        json!({}),
    )
    .await;
    assert_eq!(write_errors(&contact, "updateContact"), []);
    let record = &contact["data"]["updateContact"]["record"];
    assert_eq!(record["phone"], "0211 1", "{contact}");
    assert_eq!(record["partner"], "mwide");
    // The payload's `etag` (the import format has none) makes the next
    // write safe; a stale one is refused.
    let etag = contact["data"]["updateContact"]["etag"]
        .as_str()
        .unwrap()
        .to_owned();
    let rest = app.get("/api/v1/contacts/mwide-presse").await;
    assert_eq!(version(rest.headers()["etag"].to_str().unwrap()), etag);
    let guarded = "mutation($p: JSON!, $t: String) { updateContact(key: \"mwide-presse\", patch: $p, ifMatch: $t) { etag errors { code field message etag } } }";
    let next = graphql(
        &app,
        Some(&partners),
        guarded,
        json!({"p": {"phone": "0211 2"}, "t": etag}),
    )
    .await;
    assert_eq!(write_errors(&next, "updateContact"), []);
    let stale = graphql(
        &app,
        Some(&partners),
        guarded,
        json!({"p": {"phone": "0211 3"}, "t": etag}),
    )
    .await;
    assert_eq!(
        write_errors(&stale, "updateContact"),
        [code("PRECONDITION_FAILED", None)]
    );
    assert_eq!(stale["data"]["updateContact"]["etag"], Value::Null);
    assert_eq!(
        stale["data"]["updateContact"]["errors"][0]["etag"],
        next["data"]["updateContact"]["etag"]
    );
    let denied = graphql(
        &app,
        Some(&key),
        "mutation { deletePerson(key: \"franz-josef-lersch-mense\") { deleted { id } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        denied["errors"][0]["extensions"]["code"], "forbidden",
        "{denied}"
    );

    // Mutations are refused over GET.
    let get = app
        .client
        .get(format!("{}/graphql", app.address))
        .bearer_auth(&key)
        .query(&[(
            "query",
            "mutation { deleteOffer(key: \"tbs-beratung\") { deleted { id } } }",
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 405);
    assert_eq!(app.get("/api/v1/offers/tbs-beratung").await.status(), 200);
}

/// The snapshot follows a few writes in place (only the changed records'
/// index documents and match facts are read again); what it answers must
/// equal what a server building everything from the same data answers.
async fn after_writes_search_and_match_equal_a_fresh_build(app: TestApp) {
    let key = key(&app, "editor", &["write"]).await;
    let profile = json!({"region": "05913", "role": "works_council", "topics": ["arbeit-40"], "need": "Robotik Beratung Qualifizierung", "explain": true});
    // Warm: the snapshot exists before the writes.
    assert!(app.get_json("/api/v1/search?q=Robotik").await["items"].is_array());
    let writes: Vec<(Method, &str, Body)> = vec![
        (
            Method::POST,
            "/api/v1/offers",
            json_body(&new_offer(
                "robotik-beratung",
                "Robotik-Beratung für Betriebsräte",
            )),
        ),
        (
            Method::POST,
            "/api/v1/offers",
            json_body(&new_offer(
                "robotik-qualifizierung",
                "Qualifizierung Robotik",
            )),
        ),
        (
            Method::PATCH,
            "/api/v1/offers/robotik-qualifizierung",
            merge_patch(
                &json!({"target_groups": ["sme", "works_council"], "regions": ["nordrhein-westfalen"]}),
            ),
        ),
        // A provider's new name is in its offers' documents.
        (
            Method::PATCH,
            "/api/v1/partners/ig-metall",
            merge_patch(&json!({"name": "IG Metall Robotikbezirk NRW"})),
        ),
        (
            Method::PATCH,
            "/api/v1/projects/arbeit-2020",
            merge_patch(&json!({"summary_de": "Robotik und Mitbestimmung im Betrieb"})),
        ),
        (
            Method::DELETE,
            "/api/v1/offers/transformationsberatung",
            None,
        ),
        (
            Method::PATCH,
            "/api/v1/offers/tbs-beratung",
            merge_patch(&json!({"summary_de": "Beratung zu Robotik im Betrieb"})),
        ),
    ];
    for (method, path, body) in writes {
        let answer = send(&app, method.clone(), path, Some(&key), body, &[]).await;
        assert!(answer.status < 300, "{method} {path}: {}", answer.body);
        // Read between the writes, so each is followed on its own.
        assert!(app.get_json("/api/v1/search?q=Robotik").await["items"].is_array());
    }
    let fresh = app.replica(|_| {}).await;
    for q in [
        "Robotik",
        "Robotikbezirk",
        "Qualifizierung",
        "Betriebsräte",
        "Transformationsberatung",
        "Mitbestimmung",
    ] {
        let path = format!("/api/v1/search?q={q}&limit=100");
        let hits = |body: Value| -> Vec<String> {
            let mut slugs: Vec<String> = body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| format!("{}/{}", h["type"], h["slug"]))
                .collect();
            slugs.sort();
            slugs
        };
        assert_eq!(
            hits(app.get_json(&path).await),
            hits(fresh.get_json(&path).await),
            "{q}"
        );
    }
    let found = app
        .get_json("/api/v1/search?q=Robotikbezirk&limit=100")
        .await;
    assert!(
        found["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["slug"] == "arbeit-2020-begleitung"),
        "{found}"
    );
    let (_, live) = app.post_json("/api/v1/match", &profile).await;
    let (_, built) = fresh.post_json("/api/v1/match", &profile).await;
    // The same but for the servers' own URLs.
    let live_text = live.to_string().replace(&app.address, "");
    assert_eq!(live_text, built.to_string().replace(&fresh.address, ""));
    assert_eq!(
        live["items"][0]["offer"]["slug"], "robotik-beratung",
        "{live}"
    );
}

/// Each body is refused with exactly these fields named (a breaker found
/// each case let through or named wrongly).
async fn faults_at_any_depth_and_of_every_format_are_named(app: TestApp) {
    let key = key(&app, "editor", &["write"]).await;
    let before = dump(&app).await;
    let mut meeting = seed_record("meetings", "gruendung-2016-04-15");
    meeting["slug"] = json!("neue-sitzung");
    meeting["participants"] = json!([{"partner": "nope", "person": null, "role": "zz", "label_de": null, "label_en": null}]);
    let mut project = seed_record("projects", "arbeit-2020");
    project["slug"] = json!("neues-projekt");
    project["participants"] = json!([{"role": "partner"}, {"partner": "mags", "role": "boss"}]);
    let mut region = seed_record("regions", "dortmund");
    region["slug"] = json!("05711");
    region["ars"] = json!("abc");
    region["nuts"] = json!("zz");
    region["members"] = json!(["05711", "bochum", "bochum"]);
    let mut offer = new_offer("018e2a57-b6ed-5219-ac88-a668b9c9e017", "Titel");
    offer["topics"] = json!(["arbeit-40", "nope", "arbeit-40"]);
    let mut contact = seed_record("contacts", "mwide-presse");
    contact["slug"] = json!("neuer-kontakt");
    contact["email"] = json!("a@b..de");
    let mut person = seed_record("people", "franz-josef-lersch-mense");
    person["slug"] = json!("neue-person");
    person["year"] = json!(-5);
    let cases: Vec<(Method, &str, Value, u16, Vec<&str>)> = vec![
        (
            Method::POST,
            "/api/v1/meetings",
            meeting,
            422,
            vec![
                "/participants/0/label_de",
                "/participants/0/partner",
                "/participants/0/role",
            ],
        ),
        (
            Method::POST,
            "/api/v1/projects",
            project,
            422,
            vec!["/participants/0/partner", "/participants/1/role"],
        ),
        (
            Method::POST,
            "/api/v1/regions",
            region,
            422,
            vec!["/ars", "/members/0", "/members/2", "/nuts", "/slug"],
        ),
        (
            Method::POST,
            "/api/v1/offers",
            offer,
            422,
            vec!["/slug", "/topics/1", "/topics/2"],
        ),
        (
            Method::POST,
            "/api/v1/contacts",
            contact,
            422,
            vec!["/email"],
        ),
        (Method::POST, "/api/v1/people", person, 422, vec!["/year"]),
        // A URL is served as an IRI (RFC 3987): what cannot be one is
        // refused, though WHATWG parsing would repair it.
        (
            Method::PATCH,
            "/api/v1/partners/mags",
            json!({"website": "https://example.de/a{b}\\c"}),
            422,
            vec!["/website"],
        ),
        (
            Method::PATCH,
            "/api/v1/offers/arbeit-2020-begleitung",
            json!({"url": "https://example.de/%zz"}),
            422,
            vec!["/url"],
        ),
        // Member names are text too (NUL in a `jsonb` key was a 500 on
        // PostgreSQL).
        (
            Method::PATCH,
            "/api/v1/projects/arbeit-2020",
            json!({"facts": {"a\u{0}b": 1, "ok": {"k\u{1}": "v"}}}),
            422,
            vec!["/facts/a\u{0}b", "/facts/ok/k\u{1}"],
        ),
        // Days are RFC 3339 full-dates (`format: date`), nothing looser.
        (
            Method::PATCH,
            "/api/v1/offers/arbeit-2020-begleitung",
            json!({"application_deadline": "2024-2-3", "valid_from": "+2024-01-01", "valid_until": "-0001-01-01"}),
            422,
            vec!["/application_deadline", "/valid_from", "/valid_until"],
        ),
        (
            Method::PATCH,
            "/api/v1/meetings/gruendung-2016-04-15",
            json!({"date": "2016-04-15 "}),
            422,
            vec!["/date"],
        ),
        // Member names are named by JSON Pointer as RFC 6901 escapes them
        // (`~0`, `~1`), whatever they hold.
        (
            Method::PATCH,
            "/api/v1/projects/arbeit-2020",
            json!({"facts": {"a/b~c.d": "x\u{1}", "ok": {"k'\\[0]": [[1]]}}}),
            422,
            vec!["/facts/a~1b~0c.d", "/facts/ok/k'\\[0]/0"],
        ),
        (
            Method::PATCH,
            "/api/v1/offers/arbeit-2020-begleitung",
            json!({"a/b": 1, "title_de": " "}),
            422,
            vec!["/a~1b", "/title_de"],
        ),
        // Numbers stay exact: within ±(2^53 − 1) (RFC 8259 §6); a bigger
        // integer was stored as a float.
        (
            Method::PATCH,
            "/api/v1/projects/arbeit-2020",
            json!({"facts": {"big": 1.844_674_407_370_955_2e19, "neg": -9_007_199_254_740_992_i64,
                "f": 1e300, "ok": 9_007_199_254_740_991_i64, "small": -0.5}}),
            422,
            vec!["/facts/big", "/facts/f", "/facts/neg"],
        ),
        // A list in `facts` holds no lists (the contract's `FactItem`).
        (
            Method::PATCH,
            "/api/v1/projects/arbeit-2020",
            json!({"facts": {"x": [1, [2]], "y": {"z": [[]]}}}),
            422,
            vec!["/facts/x/1", "/facts/y/z/0"],
        ),
        // An official key another region has: a conflict with it.
        (
            Method::PATCH,
            "/api/v1/regions/duesseldorf",
            json!({"ars": "05711", "nuts": "DEA41"}),
            409,
            vec!["/ars", "/nuts"],
        ),
    ];
    for (method, path, body, status, expected) in cases {
        let body = match method {
            Method::PATCH => merge_patch(&body),
            _ => json_body(&body),
        };
        let answer = send(&app, method.clone(), path, Some(&key), body, &[]).await;
        assert_eq!(answer.status, status, "{method} {path}: {}", answer.body);
        let mut fields = answer.fields();
        fields.sort_unstable();
        fields.dedup();
        assert_eq!(fields, expected, "{method} {path}: {}", answer.body);
    }
    assert_eq!(dump(&app).await, before);
}

/// The record version of a record answer's `ETag` (`"<version>.<digest>"`),
/// what `If-Match` compares and GraphQL's `etag` and a 412 name.
fn version(tag: &str) -> String {
    match tag.trim_matches('"').split_once('.') {
        Some((version, _)) => format!("\"{version}\""),
        None => tag.to_owned(),
    }
}

/// The contract's body of every `PATCH` is a merge patch of the record its
/// `PUT` takes: the same fields, none required, no other; and the server
/// agrees: an unknown field is a `422` naming it, a known one is applied.
async fn a_patch_takes_exactly_the_fields_of_its_record(app: TestApp) {
    let editor = key(&app, "redaktion", &["write"]).await;
    let api = app.get_json("/openapi.json").await;
    let records = [
        ("/api/v1/topics/{key}", "innovation"),
        ("/api/v1/offers/{key}", "tbs-beratung"),
        ("/api/v1/partners/{key}", "mags"),
        ("/api/v1/projects/{key}", "arbeit-2020"),
        ("/api/v1/regions/{key}", "bielefeld"),
        ("/api/v1/meetings/{key}", "zweite-sitzung-2016-11-21"),
        ("/api/v1/contacts/{key}", "mags-presse"),
        ("/api/v1/people/{key}", "rainer-schmeltzer"),
    ];
    for (template, slug) in records {
        let item = &api["paths"][template];
        let put = &item["put"]["requestBody"]["content"]["application/json"]["schema"]["$ref"];
        let record =
            &api["components"]["schemas"][put.as_str().unwrap().rsplit('/').next().unwrap()];
        let patch_schema =
            &item["patch"]["requestBody"]["content"]["application/merge-patch+json"]["schema"];
        let names = |schema: &Value| -> Vec<String> {
            schema["properties"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect()
        };
        assert_eq!(names(patch_schema), names(record), "{template}");
        assert!(
            patch_schema.get("required").is_none(),
            "{template}: {patch_schema}"
        );
        assert_eq!(patch_schema["additionalProperties"], false, "{template}");

        let path = template.replace("{key}", slug);
        let answer = patch(&app, &path, &editor, &json!({"no_such_field": 1})).await;
        assert_eq!(answer.status, 422, "{path}: {}", answer.body);
        assert!(
            answer.body.to_string().contains("no_such_field"),
            "{path}: {}",
            answer.body
        );
        // A documented field is taken: its own value, sent back unchanged.
        let source = send(&app, Method::GET, &path, None, None, &[]).await;
        assert_eq!(source.status, 200, "{path}");
        let answer = patch(
            &app,
            &path,
            &editor,
            &json!({"source": source.body["source"]}),
        )
        .await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    }
}

/// JSON Schema counts `12.0` as an integer, and so do generated clients
/// (Schemathesis sends it): a record's whole numbers take it; `12.5`, or a
/// year out of range, is a `422` naming the field.
async fn whole_numbers_may_be_written_with_a_zero_fraction(app: TestApp) {
    let key = key(&app, "editor", &["write"]).await;
    let answer = patch(
        &app,
        "/api/v1/projects/arbeit-2020",
        &key,
        &json!({"member_count": 12.0, "start_year": 2016.0}),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["member_count"], 12, "{}", answer.body);
    for (path, body, field) in [
        (
            "/api/v1/projects/arbeit-2020",
            json!({"member_count": 12.5}),
            "/member_count",
        ),
        (
            "/api/v1/projects/arbeit-2020",
            json!({"start_year": 1e300}),
            "/start_year",
        ),
        (
            "/api/v1/people/garrelt-duin",
            json!({"year": 1899.0}),
            "/year",
        ),
    ] {
        refused(&app, &key, path, &body, field).await;
    }
    let person = patch(
        &app,
        "/api/v1/people/garrelt-duin",
        &key,
        &json!({"year": 2016.0}),
    )
    .await;
    assert_eq!(person.status, 200, "{}", person.body);
    assert_eq!(person.body["year"], 2016, "{}", person.body);
}

/// A record's text may hold tab and line breaks; a page that ends on such a
/// record issues a cursor holding them, and the API takes it back (it was
/// refused as "not a cursor issued by this API", found by Schemathesis).
async fn a_cursor_past_text_with_a_line_break_is_taken_back(app: TestApp) {
    let key = key(&app, "editor", &["write"]).await;
    let answer = patch(
        &app,
        "/api/v1/partners/mags",
        &key,
        &json!({"name": "AAA erste Zeile\r\n\tzweite Zeile"}),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let first = app.get_json("/api/v1/partners?limit=1&sort=name").await;
    assert_eq!(first["items"][0]["slug"], "mags", "{first}");
    let cursor = first["next_cursor"].as_str().unwrap();
    let next = app
        .get(&format!(
            "/api/v1/partners?limit=1&sort=name&cursor={cursor}"
        ))
        .await;
    assert_eq!(next.status(), 200);
    let next: Value = next.json().await.unwrap();
    assert_ne!(next["items"][0]["slug"], "mags", "{next}");
}

/// A record's URLs and e-mail addresses are taken exactly when the
/// contract's `pattern` takes them (the server checks with the same
/// pattern; a server laxer or stricter than its contract is a Schemathesis
/// failure either way): each case below is stated once, and both the
/// pattern served in `/openapi.json` and the server must agree with it.
async fn urls_and_email_addresses_are_what_the_contract_says(app: TestApp) {
    let key = key(&app, "editor", &["write"]).await;
    let contract = app.get_json("/openapi.json").await;
    let pattern = |schema: &str, field: &str| {
        let text = contract["components"]["schemas"][schema]["properties"][field]["pattern"]
            .as_str()
            .unwrap_or_else(|| panic!("{schema}.{field} has a pattern"))
            .to_owned();
        regex::Regex::new(&text).unwrap()
    };
    let url = pattern("OfferRecord", "url");
    let email = pattern("ContactRecord", "email");
    let urls = [
        ("https://www.example.de/", true),
        ("http://example.de:8080/pfad?x=1&y=%C3%A4#teil", true),
        ("https://www.müller.de/straße?ä=ö", true),
        ("https://example.de/a(b)/c;d=e,f", true),
        ("http:/example.de", false),
        ("https://example..de/", false),
        ("https://.example.de/", false),
        ("https://example.de:/", false),
        ("https://exa_mple.de/", false),
        ("https://127.0.0.1/", false),
        ("https://[::1]/", false),
        ("https://nutzer@example.de/", false),
        ("HTTPS://example.de/", false),
        ("https://παράδειγμα.gr/", false),
        ("https://example.de/\u{1F600}", false),
        ("https://example.de/a{b}", false),
        ("https://example.de/%zz", false),
        ("ftp://example.de/", false),
        ("https://example.de:65535/", true),
        ("https://example.de:08080/", true),
        ("https://example.de:65536/", false),
        ("https://ex-ample.de/", true),
        ("https://-example.de/", false),
        ("https://example-.de/", false),
    ];
    let addresses = [
        ("presse@mwide.nrw.de", true),
        ("info@müller.de", true),
        ("vorname.name+tag@example-firma.de", true),
        ("info@example", false),
        ("info@ex_ample.de", false),
        ("info@-example.de", false),
        ("vor name@example.de", false),
        ("a@b@example.de", false),
        ("info@example..de", false),
        ("\u{FEFF}info@example.de", false),
    ];
    let cases = [
        (
            &url,
            "/api/v1/offers/arbeit-2020-begleitung",
            "url",
            &urls[..],
        ),
        (
            &email,
            "/api/v1/contacts/mwide-presse",
            "email",
            &addresses[..],
        ),
    ];
    for (pattern, path, field, texts) in cases {
        for &(text, valid) in texts {
            assert_eq!(pattern.is_match(text), valid, "the contract on {text}");
            let answer = patch(&app, path, &key, &json!({ field: text })).await;
            let expected = if valid { 200 } else { 422 };
            assert_eq!(answer.status, expected, "{text}: {}", answer.body);
            if !valid {
                assert_eq!(
                    answer.fields(),
                    [format!("/{field}")],
                    "{text}: {}",
                    answer.body
                );
            }
        }
    }
}

/// A record nests at most 32 levels (`facts`): deeper JSON, once stored,
/// could not be read back where the audit trail wraps it (126 levels of
/// `facts` made every page of `/api/v1/audit` holding the entry a 500).
async fn deep_facts_are_refused_and_the_audit_trail_stays_readable(app: TestApp) {
    let key = key(&app, "editor", &["write", "admin"]).await;
    let nested = |levels: usize| (0..levels).fold(json!(1), |inner, _| json!({ "a": inner }));
    // The record and `facts` are two levels; `nested(30)` makes 32.
    for (levels, status) in [(30, 200), (31, 422), (125, 422)] {
        let answer = patch(
            &app,
            "/api/v1/projects/arbeit-2020",
            &key,
            &json!({ "facts": { "tief": nested(levels) } }),
        )
        .await;
        assert_eq!(answer.status, status, "{levels}: {}", answer.body);
        if status == 422 {
            let field = answer.fields()[0].to_owned();
            assert!(field.starts_with("/facts/tief/a/a/"), "{field}");
            assert!(
                answer.body.to_string().contains("nested deeper than 32"),
                "{}",
                answer.body
            );
        }
        let audit = send(
            &app,
            Method::GET,
            "/api/v1/audit?limit=5",
            Some(&key),
            None,
            &[],
        )
        .await;
        assert_eq!(audit.status, 200, "{}", audit.body);
        assert!(!audit.body["items"].as_array().unwrap().is_empty());
    }
}

/// An item path names the same record for every method: a region read by
/// its official key (ARS) or NUTS code (any case) is written and deleted
/// by it too, over REST and GraphQL; a key no region has stays a 404.
async fn a_region_is_written_by_every_key_it_is_read_by(app: TestApp) {
    let key = key(&app, "editor", &["write"]).await;
    let dortmund = app.get_json("/api/v1/regions/05913").await;
    assert_eq!(dortmund["slug"], "dortmund", "{dortmund}");
    for (path, note) in [
        ("/api/v1/regions/05913", "by ARS"),
        ("/api/v1/regions/dea52", "by NUTS code"),
        ("/api/v1/regions/DEA52", "by NUTS code, upper case"),
    ] {
        let answer = patch(&app, path, &key, &json!({ "note": note })).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
        assert_eq!(answer.body["slug"], "dortmund", "{path}");
        assert_eq!(app.get_json("/api/v1/regions/dortmund").await["note"], note);
    }
    // Keys are read as NFKC for writes as for reads: full-width forms too.
    let answer = patch(
        &app,
        "/api/v1/regions/%EF%BC%90%EF%BC%95%EF%BC%99%EF%BC%91%EF%BC%93",
        &key,
        &json!({"note": "Vollbreite"}),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["slug"], "dortmund");
    let answer = patch(
        &app,
        "/api/v1/regions/%EF%BD%84%EF%BD%8F%EF%BD%92%EF%BD%94%EF%BD%8D%EF%BD%95%EF%BD%8E%EF%BD%84",
        &key,
        &json!({"note": "Vollbreit"}),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let answer = patch(&app, "/api/v1/regions/05999", &key, &json!({"note": "x"})).await;
    assert_eq!(answer.status, 404, "{}", answer.body);

    let update = "mutation($k: String!, $p: JSON!) { updateRegion(key: $k, patch: $p) { record { slug } errors { code } } }";
    let answer = graphql(
        &app,
        Some(&key),
        update,
        json!({"k": "05913", "p": {"note": "GraphQL"}}),
    )
    .await;
    assert_eq!(
        answer["data"]["updateRegion"]["record"]["slug"], "dortmund",
        "{answer}"
    );
    assert_eq!(
        app.get_json("/api/v1/regions/dortmund").await["note"],
        "GraphQL"
    );

    // A new region, deleted by its official key.
    let mut region = seed_record("regions", "dortmund");
    region["slug"] = json!("testkreis");
    region["name"] = json!("Testkreis");
    region["ars"] = json!("05999");
    region["nuts"] = Value::Null;
    let answer = send(
        &app,
        Method::POST,
        "/api/v1/regions",
        Some(&key),
        json_body(&region),
        &[],
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let id = answer.body["id"].as_str().unwrap().to_owned();
    let answer = send(
        &app,
        Method::DELETE,
        "/api/v1/regions/05999",
        Some(&key),
        None,
        &[],
    )
    .await;
    assert_eq!(answer.status, 204, "{}", answer.body);
    assert_eq!(
        app.get(&format!("/api/v1/regions/{id}")).await.status(),
        404
    );
}

/// The operations of a batch run in turn, and the fields of a mutation
/// too: each sees what the ones before it wrote, never a cached copy
/// (a batch had run its operations concurrently, so a read after a write
/// saw the old record, the new one or none at random).
async fn graphql_operations_see_the_writes_before_them(app: TestApp) {
    let key = key(&app, "editor", &["write"]).await;
    let batch = |note: &str| {
        json!([
            {"query": "{ offer(key: \"potentialberatung\") { title provider { name } } }"},
            {"query": "mutation($p: JSON!) { updateOffer(key: \"potentialberatung\", patch: $p) { errors { code } } }",
             "variables": {"p": {"title_de": note}}},
            {"query": "{ offer(key: \"potentialberatung\") { title } }"},
            {"query": "mutation { deleteOffer(key: \"potentialberatung\") { errors { code } } }"},
            {"query": "{ offer(key: \"potentialberatung\") { title } }"},
        ])
    };
    let answer = app.graphql_as(Some(&key), &batch("Erste Fassung")).await;
    let results = answer.as_array().unwrap_or_else(|| panic!("{answer}"));
    assert_ne!(
        results[0]["data"]["offer"]["title"], "Erste Fassung",
        "{answer}"
    );
    assert_eq!(
        results[1]["data"]["updateOffer"]["errors"],
        json!([]),
        "{answer}"
    );
    assert_eq!(
        results[2]["data"]["offer"]["title"], "Erste Fassung",
        "{answer}"
    );
    assert_eq!(
        results[3]["data"]["deleteOffer"]["errors"],
        json!([]),
        "{answer}"
    );
    assert_eq!(results[4]["data"]["offer"], Value::Null, "{answer}");

    // In one document: `c` shows the provider as `b` renamed it, though `a`
    // had read it before.
    let document = "mutation {
        a: updateOffer(key: \"go-digital\", patch: {title_de: \"A\"}) { record { provider { name } } }
        b: updatePartner(key: \"bmwi\", patch: {name: \"Bundesministerium (neu)\"}) { record { name } }
        c: updateOffer(key: \"go-digital\", patch: {title_de: \"C\"}) { record { title provider { name } } }
    }";
    let answer = graphql(&app, Some(&key), document, json!({})).await;
    assert!(answer.get("errors").is_none(), "{answer}");
    let data = &answer["data"];
    assert_ne!(
        data["a"]["record"]["provider"]["name"], "Bundesministerium (neu)",
        "{answer}"
    );
    assert_eq!(
        data["b"]["record"]["name"], "Bundesministerium (neu)",
        "{answer}"
    );
    assert_eq!(data["c"]["record"]["title"], "C", "{answer}");
    assert_eq!(
        data["c"]["record"]["provider"]["name"], "Bundesministerium (neu)",
        "{answer}"
    );
}

/// A record over the bounds every request value has (10,000 characters,
/// control characters, nesting) is the write's answer, field by field, as
/// over REST, in variables and literals alike; other arguments over them
/// are refused before anything runs.
async fn a_record_over_the_request_bounds_is_answered_as_over_rest(app: TestApp) {
    let key = key(&app, "editor", &["write"]).await;
    let mut deep = json!({"a": 1});
    for _ in 0..40 {
        deep = json!({ "x": deep });
    }
    let update = "mutation($k: String!, $p: JSON!) { updateProject(key: $k, patch: $p) { record { slug } errors { code field message } } }";
    for patch in [
        json!({"note": "n".repeat(10_001)}),
        json!({"note": "a\u{0}b"}),
        json!({"facts": {"deep": deep}}),
    ] {
        let rest = self::patch(&app, "/api/v1/projects/arbeit-2020", &key, &patch).await;
        assert_eq!(rest.status, 422, "{}", rest.body);
        let answer = graphql(
            &app,
            Some(&key),
            update,
            json!({"k": "arbeit-2020", "p": patch}),
        )
        .await;
        let fields: Vec<String> = write_errors(&answer, "updateProject")
            .into_iter()
            .map(|(code, field)| {
                assert_eq!(code, "INVALID_DATA");
                field.unwrap()
            })
            .collect();
        assert_eq!(fields, rest.fields(), "{answer}");
    }
    // A long member name is named in full: the pointer stays one (it had
    // been cut at 64 characters with `…`).
    let name = "a_rather_long_field_name_that_goes_on_and_on_for_more_than_sixty_four_chars";
    let patch = json!({ name: 1 });
    let rest = self::patch(&app, "/api/v1/projects/arbeit-2020", &key, &patch).await;
    assert_eq!(rest.fields(), [format!("/{name}")], "{}", rest.body);
    let answer = graphql(
        &app,
        Some(&key),
        update,
        json!({"k": "arbeit-2020", "p": patch}),
    )
    .await;
    assert_eq!(
        write_errors(&answer, "updateProject"),
        [code("INVALID_DATA", Some(&format!("/{name}")))]
    );
    let literal = format!(
        "mutation {{ updateProject(key: \"arbeit-2020\", patch: {{note: \"{}\"}}) {{ errors {{ code field message }} }} }}",
        "n".repeat(10_001)
    );
    let answer = graphql(&app, Some(&key), &literal, json!({})).await;
    assert_eq!(
        write_errors(&answer, "updateProject"),
        [code("INVALID_DATA", Some("/note"))]
    );
    let long_key = graphql(
        &app,
        Some(&key),
        update,
        json!({"k": "k".repeat(10_001), "p": {}}),
    )
    .await;
    assert_eq!(
        long_key["errors"][0]["extensions"]["code"], "invalid_argument",
        "{long_key}"
    );
    assert_eq!(long_key["data"], Value::Null);
}

/// A required text of only invisible characters is blank, a project's
/// start year is a year, and an offer's application deadline is not after
/// its end (found by a break test; each was stored).
async fn invisible_names_odd_years_and_late_deadlines_are_refused(app: TestApp) {
    let key = key(&app, "editor", &["write"]).await;
    for (path, body, field) in [
        (
            "/api/v1/partners/mags",
            json!({"name": "\u{200B}"}),
            "/name",
        ),
        (
            "/api/v1/partners/mags",
            json!({"name": " \u{FEFF}\u{2060} "}),
            "/name",
        ),
        (
            "/api/v1/projects/arbeit-2020",
            json!({"start_year": 5}),
            "/start_year",
        ),
        (
            "/api/v1/projects/arbeit-2020",
            json!({"start_year": -1}),
            "/start_year",
        ),
        (
            "/api/v1/offers/potentialberatung",
            json!({"valid_from": "2020-01-01", "valid_until": "2021-12-31", "application_deadline": "2022-01-01"}),
            "/application_deadline",
        ),
    ] {
        refused(&app, &key, path, &body, field).await;
    }
    // Visible text with an invisible character in it is text.
    let answer = patch(
        &app,
        "/api/v1/partners/mags",
        &key,
        &json!({"short_name": "MAGS\u{200B}"}),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let answer = patch(
        &app,
        "/api/v1/offers/potentialberatung",
        &key,
        &json!({"valid_from": "2020-01-01", "valid_until": "2021-12-31", "application_deadline": "2021-12-31"}),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    // A GraphQL enum value inside a record is no JSON: refused, not read
    // as a string.
    let answer = graphql(
        &app,
        Some(&key),
        "mutation { updateOffer(key: \"potentialberatung\", patch: {kind: consulting}) { errors { code } } }",
        json!({}),
    )
    .await;
    assert_eq!(answer["data"], json!({"updateOffer": null}), "{answer}");
    let message = answer["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("GraphQL enum value"), "{answer}");
}
