//! `/graphql`: the same data and filters as REST, nested, batched, bounded.
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use lotse::service::keys::{self, Scope};

use crate::helpers::{TestApp, slugs, slugs_of};
use crate::{private_tests, shared_tests};

shared_tests!(
    root_fields_come_back_in_the_order_asked,
    nested_fields_come_back_in_the_order_asked,
    variables_must_be_used_where_their_type_fits,
    a_name_given_twice_in_one_object_is_refused,
    the_acceptance_query_matches_rest,
    every_collection_and_filter_gives_the_rest_order,
    backward_pages_mirror_forward_pages,
    relations_resolve_both_ways,
    get_runs_queries_but_never_mutations,
    errors_carry_stable_codes,
    abusive_queries_are_refused_quickly,
    language_follows_the_request,
    standard_introspection_passes_the_depth_limit,
    offer_relation_lists_take_a_bounded_first,
    a_list_reads_in_full_the_fields_it_selects,
    a_repeated_document_is_executed_afresh_with_its_variables,
    variables_must_fit_their_declared_types,
    literal_arguments_must_fit_their_types,
    an_error_is_listed_once,
);

private_tests!(seeded: true;
    a_failed_field_is_null_where_the_spec_puts_it,
    statement_count_does_not_grow_with_the_page_size,
    long_relation_lists_are_the_first_100_by_title,
    only_valid_documents_are_kept_for_reuse,
    relations_to_records_newer_than_the_snapshot_resolve,
);

/// Ids of every node of a connection, paging with `first: 7`.
async fn graphql_ids(app: &TestApp, field: &str, args: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut after = Value::Null;
    loop {
        let query = format!(
            "query($after: String) {{ {field}({args} first: 7, after: $after) {{ \
             pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ id }} }} }} }}"
        );
        let data = app.graphql_data(&query, json!({"after": after})).await;
        let conn = &data[field];
        for edge in conn["edges"].as_array().unwrap() {
            ids.push(edge["node"]["id"].as_str().unwrap().to_owned());
        }
        if !conn["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            return ids;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
}

async fn rest_ids(app: &TestApp, path: &str) -> Vec<String> {
    app.collect_all(path, 100)
        .await
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn the_acceptance_query_matches_rest(app: TestApp) {
    let data = app
        .graphql_data(
            r#"{ offers(first: 50, filter: {topic: ["industrie-40"]}) {
                   edges { node { id title provider { name } topics { label } regions { name } } }
                   totalCount } }"#,
            Value::Null,
        )
        .await;
    let edges = data["offers"]["edges"].as_array().unwrap();
    let graphql: Vec<&str> = edges
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap())
        .collect();
    let rest = app
        .get_json("/api/v1/offers?topic=industrie-40&limit=50")
        .await;
    let rest: Vec<&str> = rest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(graphql, rest);
    assert_eq!(data["offers"]["totalCount"], rest.len());
    let first = &edges[0]["node"];
    assert!(first["provider"]["name"].is_string());
    assert!(!first["topics"].as_array().unwrap().is_empty());
    assert!(!first["regions"].as_array().unwrap().is_empty());
}

async fn every_collection_and_filter_gives_the_rest_order(app: TestApp) {
    for (field, args, path) in [
        ("offers", "", "/api/v1/offers"),
        (
            "offers",
            r#"filter: {topic: ["industrie-40"]}"#,
            "/api/v1/offers?topic=industrie-40",
        ),
        (
            "offers",
            r#"filter: {region: ["05711"]}"#,
            "/api/v1/offers?region=05711",
        ),
        (
            "offers",
            "filter: {targetGroup: [WORKS_COUNCIL]}",
            "/api/v1/offers?target_group=works_council",
        ),
        (
            "offers",
            "filter: {kind: [FUNDING, TRAINING]}",
            "/api/v1/offers?kind=funding,training",
        ),
        (
            "offers",
            "filter: {cost: [FREE]}",
            "/api/v1/offers?cost=free",
        ),
        (
            "offers",
            r#"filter: {provider: ["tbs-nrw", "mags"]}"#,
            "/api/v1/offers?provider=tbs-nrw,mags",
        ),
        (
            "offers",
            r#"filter: {project: ["its-owl"]}"#,
            "/api/v1/offers?project=its-owl",
        ),
        (
            "offers",
            r#"filter: {openOn: "2023-06-01"}"#,
            "/api/v1/offers?open_on=2023-06-01",
        ),
        (
            "offers",
            r#"filter: {q: "digital"}"#,
            "/api/v1/offers?q=digital",
        ),
        (
            "offers",
            r#"filter: {updatedSince: "2000-01-01T00:00:00Z"}"#,
            "/api/v1/offers?updated_since=2000-01-01T00:00:00Z",
        ),
        (
            "offers",
            "orderBy: TITLE_DESC",
            "/api/v1/offers?sort=-title",
        ),
        (
            "offers",
            "orderBy: UPDATED_AT_ASC",
            "/api/v1/offers?sort=updated_at",
        ),
        ("partners", "", "/api/v1/partners"),
        (
            "partners",
            "filter: {kind: [UNION]}",
            "/api/v1/partners?kind=union",
        ),
        (
            "partners",
            "filter: {allianceGroup: [GOVERNMENT]}",
            "/api/v1/partners?alliance_group=government",
        ),
        (
            "partners",
            "filter: {allianceMember: false}",
            "/api/v1/partners?alliance_member=false",
        ),
        (
            "partners",
            r#"filter: {region: ["ostwestfalenlippe"]}"#,
            "/api/v1/partners?region=ostwestfalenlippe",
        ),
        (
            "partners",
            r#"filter: {q: "fraunhofer"}"#,
            "/api/v1/partners?q=fraunhofer",
        ),
        ("projects", "", "/api/v1/projects"),
        (
            "projects",
            "filter: {kind: [PILOT_PROJECT, CLUSTER]}",
            "/api/v1/projects?kind=pilot_project,cluster",
        ),
        (
            "projects",
            "filter: {status: [UNKNOWN]}",
            "/api/v1/projects?status=unknown",
        ),
        (
            "projects",
            r#"filter: {partner: ["ig-metall"]}"#,
            "/api/v1/projects?partner=ig-metall",
        ),
        (
            "projects",
            r#"filter: {region: ["05711"]}"#,
            "/api/v1/projects?region=05711",
        ),
        (
            "projects",
            r#"filter: {q: "digital"}"#,
            "/api/v1/projects?q=digital",
        ),
        ("regions", "", "/api/v1/regions"),
        (
            "regions",
            "filter: {kind: [DISTRICT]}",
            "/api/v1/regions?kind=district",
        ),
        (
            "regions",
            r#"filter: {parent: ["057"]}"#,
            "/api/v1/regions?parent=057",
        ),
        ("topics", "", "/api/v1/topics"),
        (
            "topics",
            "orderBy: LABEL_DESC",
            "/api/v1/topics?sort=-label",
        ),
        ("meetings", "", "/api/v1/meetings"),
        (
            "meetings",
            "orderBy: DATE_ASC",
            "/api/v1/meetings?sort=date",
        ),
    ] {
        let graphql = graphql_ids(&app, field, args).await;
        let rest = rest_ids(&app, path).await;
        assert!(!rest.is_empty(), "{path} finds something");
        assert_eq!(graphql, rest, "{field}({args}) vs {path}");
    }
}

async fn backward_pages_mirror_forward_pages(app: TestApp) {
    let all = graphql_ids(&app, "regions", "").await;
    let last = app
        .graphql_data(
            "{ regions(last: 5) { pageInfo { hasPreviousPage startCursor } edges { node { id } } } }",
            Value::Null,
        )
        .await;
    let tail: Vec<&str> = last["regions"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        tail,
        all[all.len() - 5..]
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
    assert_eq!(last["regions"]["pageInfo"]["hasPreviousPage"], true);
    let before = last["regions"]["pageInfo"]["startCursor"].clone();
    let previous = app
        .graphql_data(
            "query($before: String) { regions(last: 5, before: $before) { edges { node { id } } } }",
            json!({"before": before}),
        )
        .await;
    let previous: Vec<&str> = previous["regions"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        previous,
        all[all.len() - 10..all.len() - 5]
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
}

async fn relations_resolve_both_ways(app: TestApp) {
    let data = app
        .graphql_data(
            r#"{
              project(key: "arbeit-2020") { memberCount participants { role partner { shortName projects { slug } } } }
              partner(key: "tbs-nrw") { offers { slug provider { slug } } region { slug children { slug } } }
              region(key: "05711") { parent { slug } memberOf { slug } }
              owl: region(key: "ostwestfalenlippe") { members { slug } offers { slug } }
              topic(key: "industrie-40") { parent { slug } offers { slug } }
              meeting(key: "zweite-sitzung-2016-11-21") { host { slug } participants { role partner { slug } person { name } } }
              nothing: offer(key: "nope") { id }
            }"#,
            Value::Null,
        )
        .await;
    let initiators: Vec<&str> = data["project"]["participants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["role"] == "INITIATOR")
        .map(|p| p["partner"]["shortName"].as_str().unwrap())
        .collect();
    assert_eq!(initiators.len(), 5, "{initiators:?}");
    assert!(
        data["project"]["participants"][0]["partner"]["projects"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["slug"] == "arbeit-2020")
    );
    let offers = data["partner"]["offers"].as_array().unwrap();
    assert_eq!(offers.len(), 2);
    assert!(offers.iter().all(|o| o["provider"]["slug"] == "tbs-nrw"));
    assert!(
        data["partner"]["region"]["children"]
            .as_array()
            .unwrap()
            .len()
            >= 5
    );
    assert_eq!(data["region"]["parent"]["slug"], "regierungsbezirk-detmold");
    assert!(
        data["region"]["memberOf"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["slug"] == "ostwestfalenlippe")
    );
    assert_eq!(data["owl"]["members"].as_array().unwrap().len(), 7);
    assert!(
        data["owl"]["offers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["slug"] == "its-owl-transfertag")
    );
    assert_eq!(data["topic"]["parent"]["slug"], "digitalisierung");
    assert!(!data["topic"]["offers"].as_array().unwrap().is_empty());
    assert_eq!(data["meeting"]["host"]["slug"], "stk");
    assert!(data["nothing"].is_null());
}

async fn get_runs_queries_but_never_mutations(app: TestApp) {
    let response = app
        .get("/graphql?query=%7B%20offer(key%3A%22tbs-beratung%22)%20%7B%20slug%20%7D%20%7D")
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["offer"]["slug"], "tbs-beratung");
    let response = app.get("/graphql?query=mutation%20%7B%20x%20%7D").await;
    assert_eq!(response.status(), 405);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    // Not JSON, and not a GraphQL request at all: 4xx problems.
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "text/plain")
        .body("{ offers { totalCount } }")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
}

async fn errors_carry_stable_codes(app: TestApp) {
    let body = app
        .graphql(
            r#"{ offers(filter: {topic: ["nosuch"]}) { totalCount } }"#,
            Value::Null,
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "invalid_parameter",
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["errors"][0]["field"],
        "topic"
    );
    let body = app
        .graphql("{ offers(first: 1000) { totalCount } }", Value::Null)
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "invalid_parameter",
        "{body}"
    );
    // An order the enum does not have is refused before anything runs.
    for order in ["BOGUS", r#""-title""#] {
        let body = app
            .graphql(
                &format!("{{ offers(orderBy: {order}) {{ totalCount }} }}"),
                Value::Null,
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "invalid_query",
            "{body}"
        );
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("OfferOrder"),
            "{body}"
        );
    }
    let body = app
        .graphql(
            "query($o: OfferOrder) { offers(orderBy: $o) { totalCount } }",
            json!({"o": "bogus"}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "invalid_variable",
        "{body}"
    );
    let body = app.graphql("{ offers { nosuchfield } }", Value::Null).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "invalid_query",
        "{body}"
    );
    let body = app.graphql("{ offers { ", Value::Null).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "parse_error",
        "{body}"
    );
    // GraphQL-over-HTTP: with the new media type, a request error is a 400.
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("accept", "application/graphql-response+json")
        .json(&json!({"query": "{ offers { nosuchfield } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.headers()["content-type"],
        "application/graphql-response+json"
    );
}

async fn abusive_queries_are_refused_quickly(app: TestApp) {
    // 30 levels of nesting.
    let mut deep = String::from("slug");
    for level in 0..30 {
        deep = if level % 2 == 0 {
            format!("provider {{ {deep} }}")
        } else {
            format!("offers {{ {deep} }}")
        };
    }
    let started = Instant::now();
    let body = app
        .graphql(
            &format!("{{ offer(key: \"tbs-beratung\") {{ {deep} }} }}"),
            Value::Null,
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "query_too_deep",
        "{body}"
    );
    assert!(body["data"].is_null());

    // 500 aliases of a cheap field.
    let aliases: String = (0..500).map(|i| format!("a{i}: __typename ")).collect();
    let body = app.graphql(&format!("{{ {aliases} }}"), Value::Null).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "too_many_aliases",
        "{body}"
    );

    // Wide and nested lists: 100 × 100 × … exceeds the complexity budget.
    let body = app
        .graphql("{ partners(first: 100) { edges { node { offers { topics { offers { regions { offers { slug } } } } } } } } }", Value::Null)
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "query_too_complex",
        "{body}"
    );

    // Refused before any work: well under the time a real execution takes.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // Too many operations in one batch.
    let batch: Vec<Value> = (0..50)
        .map(|_| json!({"query": "{ __typename }"}))
        .collect();
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    // The server is still up.
    app.get_json("/health").await;
    app.graphql_data("{ topics(first: 1) { totalCount } }", Value::Null)
        .await;
}

async fn language_follows_the_request(app: TestApp) {
    let response = app.client.post(format!("{}/graphql", app.address))
        .header("accept-language", "en")
        .json(&json!({"query": r#"{ topic(key: "digitalisierung") { label offers { topics { label } } } }"#}))
        .send().await.unwrap();
    assert_eq!(response.headers()["content-language"], "en");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["topic"]["label"], "Digitalisation");
    let body = app
        .graphql(
            r#"{ topic(key: "digitalisierung") { label } }"#,
            Value::Null,
        )
        .await;
    assert_eq!(body["data"]["topic"]["label"], "Digitalisierung");
    let response = app
        .client
        .post(format!("{}/graphql?lang=en", app.address))
        .json(&json!({"query": r#"{ topic(key: "digitalisierung") { label } }"#}))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["topic"]["label"], "Digitalisation");
}

fn generated_offer(i: usize) -> Value {
    let provider = ["mags", "tbs-nrw", "its-owl", "ig-metall"][i % 4];
    let topic = ["digitalisierung", "industrie-40", "arbeit-40"][i % 3];
    let region = [
        "nordrhein-westfalen",
        "bielefeld",
        "ostwestfalenlippe",
        "dortmund",
    ][i % 4];
    let project = if i.is_multiple_of(3) {
        Value::from("its-owl")
    } else {
        Value::Null
    };
    json!({
        "slug": format!("generiertes-angebot-{i:03}"), "title_de": format!("Generiertes Angebot {i:03}"),
        "title_en": null, "summary_de": "Für den Test der Abfragezahl.", "summary_en": null,
        "description_de": null, "description_en": null,
        "provider": provider, "provider_note": null, "project": project,
        "kind": "consulting", "target_groups": ["sme"],
        "topics": [topic, "qualifizierung"], "regions": [region],
        "cost": "free", "valid_from": null, "valid_until": null, "application_deadline": null,
        "url": null, "source": "test", "verified": false, "note": null
    })
}

async fn statement_count_does_not_grow_with_the_page_size(app: TestApp) {
    let offers: Vec<Value> = (0..120).map(generated_offer).collect();
    lotse::service::import::import_json(app.db(), &json!({"offers": offers}).to_string())
        .await
        .unwrap();
    let query = "query($n: Int) { offers(first: $n) { edges { node { title provider { name } \
                 topics { label } regions { name } } } totalCount } }";
    // The first request after the import rebuilds the search index and the
    // match corpus (its statements are not the page's), so it goes first.
    app.graphql_data(query, json!({"n": 1})).await;
    let mut counts = Vec::new();
    for n in [5, 100] {
        let before = app.statements().await;
        let data = app.graphql_data(query, json!({"n": n})).await;
        assert_eq!(data["offers"]["edges"].as_array().unwrap().len(), n);
        counts.push(app.statements().await - before);
    }
    assert_eq!(
        counts[0], counts[1],
        "statements for first: 5 vs first: 100"
    );
    assert!(
        counts[0] <= 20,
        "a page costs a small constant number of statements: {}",
        counts[0]
    );
}

/// The introspection query of GraphiQL and code generators loads the schema;
/// introspection that fans out level after level is still refused, and
/// fragments count with the depth they expand to.
async fn standard_introspection_passes_the_depth_limit(app: TestApp) {
    let data = app
        .graphql_data(include_str!("introspection.graphql"), Value::Null)
        .await;
    let types = data["__schema"]["types"].as_array().unwrap();
    let offer = types.iter().find(|t| t["name"] == "Offer").unwrap();
    let topics = offer["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "topics")
        .unwrap();
    // `[Topic!]!`: three wrapper hops down to the named type.
    let named = &topics["type"]["ofType"]["ofType"]["ofType"];
    assert_eq!(topics["type"]["kind"], "NON_NULL", "{topics}");
    assert_eq!(named["name"], "Topic", "{topics}");

    // `__Type.fields.type` cycles: 12 levels of it are too deep.
    let mut cyclic = String::from("name");
    for _ in 0..6 {
        cyclic = format!("fields {{ type {{ {cyclic} }} }}");
    }
    let body = app
        .graphql(
            &format!("{{ __schema {{ types {{ {cyclic} }} }} }}"),
            Value::Null,
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "query_too_deep",
        "{body}"
    );

    // Fragments count with the depth they expand to: 2 + 2 per level + 1.
    let chain = |levels: usize| {
        let mut fragments = String::from("fragment F0 on Partner { name }\n");
        for level in 1..=levels {
            fragments.push_str(&format!(
                "fragment F{level} on Partner {{ offers(first: 20) {{ provider {{ ...F{} }} }} }}\n",
                level - 1
            ));
        }
        format!("{{ offer(key: \"tbs-beratung\") {{ provider {{ ...F{levels} }} }} }}\n{fragments}")
    };
    let body = app.graphql(&chain(5), Value::Null).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "query_too_deep",
        "{body}"
    );
    let data = app.graphql_data(&chain(3), Value::Null).await;
    assert!(data["offer"]["provider"]["offers"].is_array(), "{data}");

    // Fragments spreading each other are refused by validation, not looped on.
    let body = app
        .graphql(
            "{ offer(key: \"tbs-beratung\") { provider { ...A } } }\n\
             fragment A on Partner { name ...B }\nfragment B on Partner { ...A }",
            Value::Null,
        )
        .await;
    assert!(body["errors"][0]["message"].is_string(), "{body}");
    assert!(body["data"].is_null(), "{body}");
}

/// GraphiQL loads from the app alone, shows the schema's documentation and
/// runs a query, with the network off, in every build (its bundles are
/// vendored; nothing to install first).
#[tokio::test]
async fn graphiql_runs_a_query_in_a_headless_browser_without_network() {
    let app = TestApp::shared(crate::helpers::Backend::Sqlite).unwrap();
    let html = app.get("/graphiql").await.text().await.unwrap();
    assert!(
        !html.contains("://"),
        "the page must not load remote assets"
    );
    let query: String = form_urlencoded_query(r#"{ offer(key: "tbs-beratung") { slug } }"#);
    let Some(dom) = crate::helpers::render_headless(&format!(
        "{}/graphiql?query={query}&autorun=1&docs=1",
        app.address
    ))
    .await
    else {
        return;
    };
    let text = |html: &str| -> String {
        strip_tags(html)
            .replace("&nbsp;", " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let result = text(dom.split("result-window").nth(1).unwrap_or_default());
    assert!(
        result.contains(r#""slug": "tbs-beratung""#),
        "GraphiQL did not show the result: {}",
        &result[..result.len().min(500)]
    );
    // The documentation explorer, filled from introspection.
    let docs = text(
        dom.split("graphiql-doc-explorer")
            .nth(1)
            .unwrap_or_default(),
    );
    assert!(
        dom.contains("graphiql-doc-explorer-root-type") || docs.contains("Root Types"),
        "GraphiQL did not show the schema's documentation: {}",
        &docs[..docs.len().min(500)]
    );
    assert!(dom.contains("Query"), "no root type in the documentation");
}

/// The vendored GraphiQL and React bundles are exactly those
/// `api/graphiql/refresh.sh` took from npm (its `SHA256SUMS`).
#[test]
fn vendored_graphiql_matches_its_checksums() {
    use sha2::Digest as _;
    let vendor = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../api/graphiql/vendor");
    let sums = std::fs::read_to_string(vendor.join("SHA256SUMS")).unwrap();
    let mut checked = 0;
    for line in sums.lines() {
        let (sum, name) = line.split_once("  ").unwrap();
        let bytes = std::fs::read(vendor.join(name)).unwrap();
        let actual: String = sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(actual, sum, "{name} differs from what refresh.sh vendored");
        checked += 1;
    }
    assert!(checked >= 4, "SHA256SUMS lists {checked} files");
}

fn form_urlencoded_query(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn strip_tags(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

/// The limits are configuration, not constants.
#[tokio::test]
async fn limits_follow_the_configuration() {
    let app = TestApp::private_with(crate::helpers::Backend::Sqlite, true, |s| {
        s.graphql.depth = 3;
        s.graphql.aliases = 2;
        s.graphql.batch = 1;
    })
    .await
    .unwrap();
    let body = app
        .graphql(
            r#"{ offer(key: "tbs-beratung") { provider { region { name } } } }"#,
            Value::Null,
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "query_too_deep",
        "{body}"
    );
    app.graphql_data(
        r#"{ offer(key: "tbs-beratung") { provider { name } } }"#,
        Value::Null,
    )
    .await;
    let body = app
        .graphql("{ a: __typename b: __typename c: __typename }", Value::Null)
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "too_many_aliases",
        "{body}"
    );
    let batch = json!([{"query": "{ __typename }"}, {"query": "{ __typename }"}]);
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

/// Offer relation lists return at most `first` (1–100, default 100), by
/// title, the same offers as the root connection's filter.
async fn offer_relation_lists_take_a_bounded_first(app: TestApp) {
    let data = app
        .graphql_data(
            r#"{ all: partner(key: "mags") { offers { slug } }
                 two: partner(key: "mags") { offers(first: 2) { slug } }
                 topic(key: "digitalisierung") { offers(first: 3) { slug } } }"#,
            json!({}),
        )
        .await;
    let all: Vec<&str> = data["all"]["offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["slug"].as_str().unwrap())
        .collect();
    assert_eq!(all.len(), 5, "{data}");
    let two: Vec<&str> = data["two"]["offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["slug"].as_str().unwrap())
        .collect();
    assert_eq!(two, all[..2]);
    assert_eq!(data["topic"]["offers"].as_array().unwrap().len(), 3);
    for first in [0, 101, -1] {
        let body = app
            .graphql(
                &format!(r#"{{ region(key: "05711") {{ offers(first: {first}) {{ slug }} }} }}"#),
                json!({}),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "invalid_parameter",
            "first: {first}: {body}"
        );
    }
    // The page size is the cost: 100 topics × 100 offers × 3 fields is over
    // the limit, 100 × 20 × 3 is not.
    let body = app
        .graphql(
            "{ topics(first: 100) { nodes { offers { slug title id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "query_too_complex",
        "{body}"
    );
    app.graphql_data(
        "{ topics(first: 100) { nodes { offers(first: 20) { slug title id } } } }",
        json!({}),
    )
    .await;
}

/// A provider and a topic with hundreds of offers: the relation list is the
/// first 100 by title, the same as the first page of the root list.
async fn long_relation_lists_are_the_first_100_by_title(app: TestApp) {
    lotse::generate::run(app.db(), 1_200, 4, 3).await.unwrap();
    let partners = app.get_json("/api/v1/partners?limit=100").await;
    let mut best = (0, String::new());
    for partner in partners["items"].as_array().unwrap() {
        let slug = partner["slug"].as_str().unwrap();
        let page = app
            .get_json(&format!(
                "/api/v1/offers?provider={slug}&include_total=true&limit=1"
            ))
            .await;
        best = best.max((page["total"].as_u64().unwrap(), slug.to_owned()));
    }
    let (count, slug) = best;
    assert!(count > 100, "{count}");
    let rest = app
        .get_json(&format!(
            "/api/v1/offers?provider={slug}&sort=title&limit=100"
        ))
        .await;
    let data = app
        .graphql_data(
            &format!(r#"{{ partner(key: "{slug}") {{ offers {{ slug }} }} topic(key: "digitalisierung") {{ offers {{ title }} }} }}"#),
            json!({}),
        )
        .await;
    assert_eq!(slugs_of(&data["partner"]["offers"]), slugs(&rest));
    let titles: Vec<&str> = data["topic"]["offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles.len(), 100);
    assert!(titles.windows(2).all(|w| w[0] <= w[1]), "by title");
}

/// A GraphQL list reads only the text columns of the fields it selects
/// (issue 12): whatever it selects, through fragments or not, in either
/// language, is what REST shows.
async fn a_list_reads_in_full_the_fields_it_selects(app: TestApp) {
    let fields = [
        ("title", "title"),
        ("summary", "summary"),
        ("description", "description"),
        ("url", "url"),
        ("source", "source"),
        ("note", "note"),
        ("providerNote", "provider_note"),
    ];
    for lang in ["de", "en"] {
        let rest = app
            .get_json(&format!("/api/v1/offers?limit=100&lang={lang}"))
            .await;
        let rest = rest["items"].as_array().unwrap();
        for key in ["title", "summary", "description", "url", "source"] {
            assert!(rest.iter().any(|o| o[key].is_string()), "{key} in the seed");
        }
        // Each field alone, then all of them spread over an inline and a
        // named fragment.
        let mut selections: Vec<(String, Vec<(&str, &str)>)> = fields
            .iter()
            .map(|&(graphql, rest)| (graphql.to_owned(), vec![(graphql, rest)]))
            .collect();
        selections.push((
            "... on Offer { title summary } ...Texts".to_owned(),
            fields.to_vec(),
        ));
        for (selection, expected) in selections {
            let query = format!(
                "{{ offers(first: 100, lang: {}) {{ nodes {{ id {selection} }} }} }} \
                 fragment Texts on Offer {{ description url source note providerNote }}",
                lang.to_uppercase()
            );
            let query = if selection.contains("...Texts") {
                query
            } else {
                query.replace(
                    "fragment Texts on Offer { description url source note providerNote }",
                    "",
                )
            };
            let data = app.graphql_data(&query, Value::Null).await;
            let nodes = data["offers"]["nodes"].as_array().unwrap();
            assert_eq!(nodes.len(), rest.len(), "{query}");
            for (node, item) in nodes.iter().zip(rest) {
                assert_eq!(node["id"], item["id"]);
                for (graphql, rest) in &expected {
                    assert_eq!(
                        node[graphql], item[rest],
                        "{lang} {graphql} of {}: {query}",
                        item["slug"]
                    );
                }
            }
        }
    }
}

/// Parsed documents are kept by their text (issue 12): a repeated document
/// runs with each request's variables, is validated against them each time,
/// and a refused one stays refused.
async fn a_repeated_document_is_executed_afresh_with_its_variables(app: TestApp) {
    let query = "query($topic: [String!]!, $first: Int) { offers(first: $first, filter: {topic: $topic}) \
                 { totalCount nodes { slug } } }";
    for _ in 0..2 {
        let mut totals = Vec::new();
        for topic in ["industrie-40", "mitbestimmung"] {
            let rest = app
                .get_json(&format!("/api/v1/offers?topic={topic}&limit=100"))
                .await;
            let data = app
                .graphql_data(query, json!({"topic": [topic], "first": 100}))
                .await;
            assert_eq!(slugs_of(&data["offers"]["nodes"]), slugs(&rest), "{topic}");
            totals.push(data["offers"]["totalCount"].clone());
        }
        assert_ne!(totals[0], totals[1]);
        // Variables are still checked against the kept document.
        let body = app
            .graphql(query, json!({"topic": "industrie-40", "first": "many"}))
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "invalid_variable",
            "{body}"
        );
        let body = app
            .graphql(query, json!({"topic": ["nosuch"], "first": 1}))
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "invalid_parameter",
            "{body}"
        );
    }
    // A document refused for its shape is refused every time.
    let deep = format!(
        "{{ offers {{ nodes {{ {} }} }} }}",
        "provider { offers { nodes { ".repeat(8) + &"} } } ".repeat(8)
    );
    for _ in 0..2 {
        let body = app.graphql(&deep, Value::Null).await;
        assert!(
            body["errors"][0]["extensions"]["code"].is_string(),
            "{body}"
        );
        assert!(body["data"].is_null(), "{body}");
    }
}

/// The document cache keeps a document once it has passed validation, and
/// nothing else: documents that fail (cheap to vary) cannot fill it.
async fn only_valid_documents_are_kept_for_reuse(app: TestApp) {
    const KEPT: &str = "lotse_graphql_documents";
    let start = app.metric(KEPT).await;
    for refused in [
        "{ offers { nodes { nosuchfield } } }",
        "{ offers(first: \"many\") { totalCount } }",
        "{ offers { nodes { id ",
    ] {
        for _ in 0..2 {
            let body = app.graphql(refused, Value::Null).await;
            assert!(
                body["errors"][0]["extensions"]["code"].is_string(),
                "{body}"
            );
        }
        assert_eq!(app.metric(KEPT).await, start, "{refused} was kept");
    }
    let query = "{ offers(first: 2) { totalCount } }";
    for _ in 0..2 {
        app.graphql_data(query, Value::Null).await;
        assert_eq!(app.metric(KEPT).await, start + 1);
    }
    app.graphql_data("{ topics(first: 2) { totalCount } }", Value::Null)
        .await;
    assert_eq!(app.metric(KEPT).await, start + 2);
}

/// POSTs `body` asking for `application/graphql-response+json`.
async fn post_graphql_response(app: &TestApp, body: &Value) -> (u16, String, Value) {
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("accept", "application/graphql-response+json")
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    (status, content_type, response.json().await.unwrap())
}

/// GraphQL spec §6.1.2: a variable's value must fit the type the operation
/// declares, even where the argument it reaches is nullable.
async fn variables_must_fit_their_declared_types(app: TestApp) {
    for (query, variables) in [
        // The issue's example: `first` is nullable, `$n` is not.
        (
            "query($n: Int!) { offers(first: $n) { totalCount } }",
            json!({"n": null}),
        ),
        (
            "query($n: Int!) { offers(first: $n) { totalCount } }",
            json!({}),
        ),
        (
            "query($n: Int!) { offers(first: $n) { totalCount } }",
            json!({"n": "5"}),
        ),
        (
            "query($n: Int) { offers(first: $n) { totalCount } }",
            json!({"n": 2.5}),
        ),
        (
            "query($n: Int) { offers(first: $n) { totalCount } }",
            json!({"n": 4_294_967_296_i64}),
        ),
        (
            "query($k: String!) { topic(key: $k) { label } }",
            json!({"k": 7}),
        ),
        (
            "query($f: OfferFilter) { offers(filter: $f) { totalCount } }",
            json!({"f": {"kind": ["GRANT"]}}),
        ),
        (
            "query($f: OfferFilter) { offers(filter: $f) { totalCount } }",
            json!({"f": {"nosuch": true}}),
        ),
        (
            "query($f: OfferFilter) { offers(filter: $f) { totalCount } }",
            json!({"f": {"openOn": "2024-02-30"}}),
        ),
        (
            "query($f: OfferFilter) { offers(filter: $f) { totalCount } }",
            json!({"f": {"updatedSince": "yesterday"}}),
        ),
        (
            "query($f: OfferFilter) { offers(filter: $f) { totalCount } }",
            json!({"f": "FUNDING"}),
        ),
        (
            "query($l: Lang) { offers(first: 1, lang: $l) { totalCount } }",
            json!({"l": "fr"}),
        ),
        (
            "mutation($k: String!) { deleteOffer(key: $k) { deleted { id } } }",
            json!({"k": null}),
        ),
    ] {
        let body = json!({"query": query, "variables": variables});
        let (status, content_type, answer) = post_graphql_response(&app, &body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(content_type, "application/graphql-response+json");
        assert!(
            answer.get("data").is_none_or(Value::is_null),
            "{body}: {answer}"
        );
        assert_eq!(answer["errors"].as_array().unwrap().len(), 1, "{answer}");
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "invalid_variable",
            "{body}: {answer}"
        );
        // Legacy `application/json`: a 200 with the same error, no data.
        let legacy = app.graphql(query, variables.clone()).await;
        assert_eq!(
            legacy["errors"][0]["extensions"]["code"], "invalid_variable",
            "{legacy}"
        );
        assert!(legacy.get("data").is_none_or(Value::is_null), "{legacy}");
    }
    // What fits runs: defaults, nullables, a single value for a list, enum
    // values as strings, ids as numbers.
    for (query, variables) in [
        (
            "query($n: Int! = 2) { offers(first: $n) { totalCount } }",
            json!({}),
        ),
        (
            "query($n: Int) { offers(first: $n) { totalCount } }",
            json!({"n": null}),
        ),
        (
            "query($f: OfferFilter) { offers(filter: $f) { totalCount } }",
            json!({"f": {"kind": "FUNDING", "openOn": "2024-02-29"}}),
        ),
        (
            "query($l: Lang!) { offers(first: 1, lang: $l) { totalCount } }",
            json!({"l": "EN"}),
        ),
    ] {
        let body = json!({"query": query, "variables": variables});
        let (status, _, answer) = post_graphql_response(&app, &body).await;
        assert_eq!(status, 200, "{body}: {answer}");
        assert!(answer.get("errors").is_none(), "{body}: {answer}");
    }
}

/// No error is listed twice, whatever raised it (the executor, a resolver,
/// a mutation's authorisation).
/// A literal argument that its type refuses is a request error, as the
/// spec's validation rule "Values of Correct Type" (§5.6.1) makes it:
/// nothing runs, no `data`, no `path`. async-graphql's own validation lets
/// an `Int` beyond 32 bits through, which then failed during execution like
/// a server fault (found by Schemathesis).
async fn literal_arguments_must_fit_their_types(app: TestApp) {
    for query in [
        "{ changes(first: 26873099273397) { hasMore } }",
        "{ offers(first: -2147483649) { totalCount } }",
        "{ topics(first: 1) { totalCount } offers(last: 4294967296) { totalCount } }",
        "{ partner(key: \"mags\") { offers(first: 3000000000) { title } } }",
        "query { ...F } fragment F on QueryRoot { offers(first: 9999999999) { totalCount } }",
        "{ matchOffers(profile: {region: \"05711\", role: SME, budget: ANY, topics: [], \
         employees: 2147483648}) { excludedTotal } }",
    ] {
        let body = json!({ "query": query });
        let (status, content_type, answer) = post_graphql_response(&app, &body).await;
        assert_eq!(status, 400, "{query}: {answer}");
        assert_eq!(content_type, "application/graphql-response+json");
        assert!(answer.get("data").is_none_or(Value::is_null), "{answer}");
        let error = &answer["errors"][0];
        assert_eq!(error["extensions"]["code"], "invalid_argument", "{answer}");
        assert!(error.get("path").is_none(), "{answer}");
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("expected an Int"),
            "{answer}"
        );
    }
    // The largest 32-bit value is an Int: it passes validation and meets
    // the field's own bound (1 to 100).
    let body = app
        .graphql("{ offers(first: 2147483647) { totalCount } }", Value::Null)
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "invalid_parameter",
        "{body}"
    );
}

async fn an_error_is_listed_once(app: TestApp) {
    for (query, variables) in [
        (
            r#"mutation { deleteOffer(key: "tbs-beratung") { deleted { id } } }"#,
            Value::Null,
        ),
        (
            r#"mutation { createTopic(record: {}) { record { id } } }"#,
            Value::Null,
        ),
        (
            r#"mutation($r: JSON!) { createOffer(record: $r) { record { id } } }"#,
            json!({"r": {"slug": "x"}}),
        ),
        (
            r#"{ offers(filter: {topic: ["nosuch"]}) { totalCount } }"#,
            Value::Null,
        ),
        (
            r#"{ a: offers(first: 1000) { totalCount } b: offers(first: 1000) { totalCount } }"#,
            Value::Null,
        ),
    ] {
        let body = app.graphql(query, variables).await;
        let errors = body["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"));
        assert!(!errors.is_empty(), "{body}");
        for (i, error) in errors.iter().enumerate() {
            assert!(
                !errors[..i].contains(error),
                "{query}: an error is listed twice: {body}"
            );
        }
    }
}

/// Relations to reference records come from the snapshot's items; a record
/// written by another process since (here: a new partner providing an
/// offer) is not among them yet and is read from the database instead.
async fn relations_to_records_newer_than_the_snapshot_resolve(app: TestApp) {
    let replica = app
        .replica(|s| s.search_refresh = std::time::Duration::from_secs(3600))
        .await;
    let query = "{ offer(key: \"tbs-beratung\") { provider { slug name } \
                 topics { slug } } }";
    let before = replica.graphql_data(query, serde_json::json!({})).await;
    assert_eq!(before["offer"]["provider"]["slug"], "tbs-nrw");

    let mut partner = crate::helpers::seed_record("partners", "tbs-nrw");
    partner["slug"] = serde_json::json!("tbs-neu");
    partner["name"] = serde_json::json!("TBS neu gegründet");
    let mut offer = crate::helpers::seed_record("offers", "tbs-beratung");
    offer["provider"] = serde_json::json!("tbs-neu");
    let dataset = serde_json::json!({ "partners": [partner], "offers": [offer] }).to_string();
    let report = lotse::service::import::import_json(app.db(), &dataset)
        .await
        .unwrap();
    assert_eq!(report.changed(), 2);

    // Another document: the response cache keys on the (unchanged) snapshot.
    let query = query.replace("slug name", "name slug");
    let after = replica.graphql_data(&query, serde_json::json!({})).await;
    assert_eq!(after["offer"]["provider"]["slug"], "tbs-neu", "{after}");
    assert_eq!(after["offer"]["provider"]["name"], "TBS neu gegründet");
    assert_eq!(after["offer"]["topics"], before["offer"]["topics"]);
}

/// GraphQL §7.2.2: the response's keys follow the selection set, at the root
/// too (whose fields come from several merged parts), with aliases,
/// fragments and repeated fields; in a batch, each operation its own order.
async fn root_fields_come_back_in_the_order_asked(app: TestApp) {
    let keys_in_order = |text: &str, keys: &[&str]| {
        let data = &text[text.find("\"data\"").expect("data")..];
        let positions: Vec<usize> = keys
            .iter()
            .map(|k| {
                data.find(&format!("\"{k}\":"))
                    .unwrap_or_else(|| panic!("{k} missing in {data}"))
            })
            .collect();
        assert!(positions.is_sorted(), "{keys:?} out of order in {data}");
    };
    let cases: [(&str, &[&str]); 4] = [
        (
            "{ topics(first: 1) { totalCount } offers(first: 1) { totalCount } partners(first: 1) { totalCount } __typename regions(first: 1) { totalCount } }",
            &["topics", "offers", "partners", "__typename", "regions"],
        ),
        (
            "{ z: regions(first: 1) { totalCount } a: offers(first: 1) { totalCount } m: meetings(first: 1) { totalCount } }",
            &["z", "a", "m"],
        ),
        (
            "query { projects(first: 1) { totalCount } ...F offers(first: 1) { totalCount } } fragment F on QueryRoot { topics(first: 1) { totalCount } partners(first: 1) { totalCount } }",
            &["projects", "topics", "partners", "offers"],
        ),
        (
            "{ regions(first: 1) { totalCount } ... on QueryRoot { offers(first: 1) { totalCount } } topics(first: 1) { totalCount } regions(first: 1) { totalCount } }",
            &["regions", "offers", "topics"],
        ),
    ];
    for (query, keys) in cases {
        let response = app
            .client
            .post(format!("{}/graphql", app.address))
            .json(&json!({ "query": query }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let text = response.text().await.unwrap();
        assert!(!text.contains("\"errors\""), "{text}");
        keys_in_order(&text, keys);
    }
    let batch = json!([
        {"query": "{ topics(first: 1) { totalCount } offers(first: 1) { totalCount } }"},
        {"query": "{ offers(first: 1) { totalCount } topics(first: 1) { totalCount } }"},
    ]);
    let text = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&batch)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let second = text.rfind("\"data\"").unwrap();
    keys_in_order(&text[..second], &["topics", "offers"]);
    keys_in_order(&text[second..], &["offers", "topics"]);
}

/// A JSON value whose objects keep their keys in the order of the text
/// (`serde_json::Value` sorts them).
#[derive(Debug, PartialEq)]
enum Ordered {
    Object(Vec<(String, Ordered)>),
    List(Vec<Ordered>),
    Other(Value),
}

impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Ordered, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Ordered::Object(entries))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Ordered, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Ordered::List(items))
            }
            fn visit_str<E>(self, v: &str) -> Result<Ordered, E> {
                Ok(Ordered::Other(json!(v)))
            }
            fn visit_string<E>(self, v: String) -> Result<Ordered, E> {
                Ok(Ordered::Other(json!(v)))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Ordered, E> {
                Ok(Ordered::Other(json!(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Ordered, E> {
                Ok(Ordered::Other(json!(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Ordered, E> {
                Ok(Ordered::Other(json!(v)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Ordered, E> {
                Ok(Ordered::Other(json!(v)))
            }
            fn visit_unit<E>(self) -> Result<Ordered, E> {
                Ok(Ordered::Other(Value::Null))
            }
        }
        deserializer.deserialize_any(Visit)
    }
}

impl Ordered {
    /// The keys of every object, in order, each object's with its path.
    fn key_orders(&self, path: &str, out: &mut Vec<(String, Vec<String>)>) {
        match self {
            Ordered::Object(entries) => {
                out.push((
                    path.to_owned(),
                    entries.iter().map(|(k, _)| k.clone()).collect(),
                ));
                for (key, value) in entries {
                    value.key_orders(&format!("{path}.{key}"), out);
                }
            }
            Ordered::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    item.key_orders(&format!("{path}[{i}]"), out);
                }
            }
            Ordered::Other(_) => {}
        }
    }
}

/// Every object of a response keeps the order of its selection set, however
/// its fields are resolved (async-graphql answered in the order its
/// resolvers finished: a relation list came last), through fragments and
/// aliases, in mutation payloads too.
async fn nested_fields_come_back_in_the_order_asked(app: TestApp) {
    // (query, [(object's path, its keys in order)])
    type Orders<'a> = &'a [(&'a str, &'a [&'a str])];
    let cases: [(&str, Orders); 3] = [
        (
            "{ partner(key: \"ig-metall\") { slug offers(first: 2) { title slug provider { name slug } } name region { slug name } kind } }",
            &[
                (
                    ".data.partner",
                    &["slug", "offers", "name", "region", "kind"],
                ),
                (".data.partner.offers[0]", &["title", "slug", "provider"]),
                (".data.partner.offers[0].provider", &["name", "slug"]),
                (".data.partner.region", &["slug", "name"]),
            ],
        ),
        (
            "query { offers(first: 3) { pageInfo { endCursor hasNextPage } nodes { ...F regions { slug } z: id } totalCount } } fragment F on Offer { topics { label slug } title }",
            &[
                (".data.offers", &["pageInfo", "nodes", "totalCount"]),
                (".data.offers.pageInfo", &["endCursor", "hasNextPage"]),
                (
                    ".data.offers.nodes[2]",
                    &["topics", "title", "regions", "z"],
                ),
            ],
        ),
        (
            "{ topic(key: \"arbeit-40\") { offers(first: 1) { slug } parent { slug } label } }",
            &[(".data.topic", &["offers", "parent", "label"])],
        ),
    ];
    for (query, expected) in cases {
        let text = app
            .client
            .post(format!("{}/graphql", app.address))
            .json(&json!({ "query": query }))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!text.contains("\"errors\""), "{text}");
        let ordered: Ordered = serde_json::from_str(&text).unwrap();
        let mut orders = Vec::new();
        ordered.key_orders("", &mut orders);
        for (path, keys) in expected {
            let found = orders
                .iter()
                .find(|(p, _)| p == path)
                .unwrap_or_else(|| panic!("no {path} in {text}"));
            assert_eq!(found.1, *keys, "{path} in {text}");
        }
    }
}

/// A field that fails is `null`; a non-null one makes its parent `null`,
/// up to `data` (spec §6.4.4). async-graphql had left the failed field out
/// of its object. A failed mutation (no scope) is `null` and the other
/// mutations of its document still answer.
async fn a_failed_field_is_null_where_the_spec_puts_it(app: TestApp) {
    // `offers` is non-null: its failure nulls `data`.
    let body = app
        .graphql(
            "{ topic(key: \"arbeit-40\") { slug } offers(filter: {topic: [\"nosuch\"]}) { totalCount } }",
            Value::Null,
        )
        .await;
    assert_eq!(body["data"], Value::Null, "{body}");
    assert_eq!(body["errors"][0]["path"], json!(["offers"]), "{body}");
    // From deeper down: `stats.offers` is non-null, so is `stats`.
    let body = app
        .graphql(
            "{ stats { offers(filter: {topic: [\"nope\"]}) { total } } x: topic(key: \"arbeit-40\") { slug } }",
            Value::Null,
        )
        .await;
    assert_eq!(body["data"], Value::Null, "{body}");
    assert_eq!(
        body["errors"][0]["path"],
        json!(["stats", "offers"]),
        "{body}"
    );
    // A nullable root field that fails alone is `null` in `data`.
    let body = app
        .graphql(
            "mutation { deleteOffer(key: \"x\") { errors { code } } }",
            Value::Null,
        )
        .await;
    assert_eq!(body["data"], json!({"deleteOffer": null}), "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "unauthorized",
        "{body}"
    );
    // Also when the other root fields did not fail.
    let body = app
        .graphql(
            "{ a: topics(first: 1) { totalCount } c: matchOffers(profile: {region: \"05711\", role: SME, limit: 500}) { excludedTotal } }",
            Value::Null,
        )
        .await;
    assert_eq!(body["data"], Value::Null, "{body}");
    assert_eq!(body["errors"][0]["path"], json!(["c"]), "{body}");
    let key = keys::create(
        app.db(),
        "offers-only",
        &[Scope::parse("write:offers").unwrap()],
    )
    .await
    .unwrap();
    let answer = app
        .graphql_as(
            Some(&key),
            &json!({"query": "mutation { a: updateOffer(key: \"nosuch\", patch: {}) { errors { code } } b: deletePartner(key: \"nosuch\") { errors { code } } c: updateOffer(key: \"nosuch-either\", patch: {}) { errors { code } } }"}),
        )
        .await;
    let data = answer["data"]
        .as_object()
        .unwrap_or_else(|| panic!("{answer}"));
    assert_eq!(data.len(), 3, "a, b and c are all answered: {answer}");
    assert_eq!(data["a"]["errors"][0]["code"], "NOT_FOUND", "{answer}");
    assert_eq!(data["b"], Value::Null, "{answer}");
    assert_eq!(data["c"]["errors"][0]["code"], "NOT_FOUND", "{answer}");
    assert_eq!(answer["errors"][0]["path"], json!(["b"]), "{answer}");
    assert_eq!(
        answer["errors"][0]["extensions"]["code"], "forbidden",
        "{answer}"
    );
}

/// A variable may only stand where its declared type fits (spec §5.8.5):
/// otherwise the document is refused before anything runs.
async fn variables_must_be_used_where_their_type_fits(app: TestApp) {
    let refused = [
        (
            "mutation($k: String) { deleteOffer(key: $k) { deleted { id } } }",
            json!({"k": "tbs-beratung"}),
        ),
        (
            "mutation($r: String!) { createTopic(record: $r) { errors { code } } }",
            json!({"r": "x"}),
        ),
        (
            "query($t: String) { offers(filter: {topic: [$t]}) { totalCount } }",
            json!({"t": "arbeit-40"}),
        ),
        (
            "query($s: Boolean) { offers(first: 1) { totalCount @skip(if: $s) } }",
            json!({"s": false}),
        ),
        (
            "query($k: String) { ...F } fragment F on QueryRoot { partner(key: $k) { slug } }",
            json!({"k": "mags"}),
        ),
        (
            "query($n: [Int]) { offers(first: $n) { totalCount } }",
            json!({"n": [1]}),
        ),
    ];
    for (query, variables) in refused {
        let body = json!({"query": query, "variables": variables});
        let (status, _, answer) = post_graphql_response(&app, &body).await;
        assert_eq!(status, 400, "{query}: {answer}");
        assert!(answer.get("data").is_none_or(Value::is_null), "{answer}");
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "invalid_query",
            "{query}: {answer}"
        );
        let message = answer["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("is used in position expecting type"),
            "{message}"
        );
    }
    assert_eq!(app.get("/api/v1/offers/tbs-beratung").await.status(), 200);
    let allowed = [
        (
            "query($n: Int) { offers(first: $n) { totalCount } }",
            json!({"n": 2}),
        ),
        (
            "query($k: String = \"mags\") { partner(key: $k) { slug } }",
            json!({}),
        ),
        (
            "query($k: String!) { partner(key: $k) { slug } }",
            json!({"k": "mags"}),
        ),
        (
            "query($t: [String!]) { offers(filter: {topic: $t}) { totalCount } }",
            json!({"t": ["arbeit-40"]}),
        ),
        (
            "query($t: String!) { offers(filter: {topic: [$t]}) { totalCount } }",
            json!({"t": "arbeit-40"}),
        ),
        (
            "query($s: Boolean!) { offers(first: 1) { totalCount @skip(if: $s) } }",
            json!({"s": true}),
        ),
    ];
    for (query, variables) in allowed {
        let body = app.graphql(query, variables).await;
        assert!(body.get("errors").is_none(), "{query}: {body}");
    }
}

/// An input object literal names each field once (spec §5.6.3), and a
/// request's JSON names each key once (as REST bodies must): the parser
/// and serde would keep the last of two without a word, so a filter or a
/// record would silently differ from what was sent.
async fn a_name_given_twice_in_one_object_is_refused(app: TestApp) {
    for query in [
        "{ offers(filter: {cost: [FREE], cost: [PAID]}) { totalCount } }",
        "{ matchOffers(profile: {region: \"05711\", role: SME, region: \"05913\"}) { excludedTotal } }",
        "query($c: [Cost!]) { offers(filter: {kind: [FUNDING], cost: $c, kind: [CONSULTING]}) { totalCount } }",
        "query($p: OfferFilter = {cost: [FREE], cost: [PAID]}) { offers(filter: $p) { totalCount } }",
        "mutation { updateOffer(key: \"x\", patch: {note: \"a\", facts: {a: 1}, note: \"b\"}) { errors { code } } }",
        "mutation { updateOffer(key: \"x\", patch: {facts: {a: [{b: 1, b: 2}]}}) { errors { code } } }",
    ] {
        let body = json!({ "query": query });
        let (status, _, answer) = post_graphql_response(&app, &body).await;
        assert_eq!(status, 400, "{query}: {answer}");
        assert_eq!(
            answer["errors"][0]["extensions"]["code"], "invalid_query",
            "{query}: {answer}"
        );
        assert!(
            answer["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("only one input field"),
            "{answer}"
        );
    }
    // The same name in different objects, as arguments or selected twice
    // (aliases) is fine.
    for query in [
        "{ a: offers(filter: {cost: [FREE]}) { totalCount } b: offers(filter: {cost: [PAID], kind: [FUNDING]}) { totalCount totalCount } }",
        "query($x: Boolean = true) { offers(first: 1, filter: {cost: [FREE]}) { nodes { title @include(if: $x) title } } }",
        "{ matchOffers(profile: {region: \"05711\", role: SME, topics: [\"arbeit-40\"], need: \"region: role: {a: 1, a: 2}\"}) { excludedTotal } }",
    ] {
        let body = app.graphql(query, Value::Null).await;
        assert!(body.get("errors").is_none(), "{query}: {body}");
    }
    // JSON: a key twice in the body or in GET's `variables`.
    let text = r#"{"query": "query($f: OfferFilter) { offers(filter: $f) { totalCount } }", "variables": {"f": {"cost": ["FREE"], "cost": ["PAID"]}}}"#;
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body(text)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "bad_request", "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("appears twice"),
        "{problem}"
    );
    let response = app
        .get("/graphql?query=query(%24f%3A%20OfferFilter)%20%7B%20offers(filter%3A%20%24f)%20%7B%20totalCount%20%7D%20%7D&variables=%7B%22f%22%3A%7B%22cost%22%3A%5B%22FREE%22%5D%2C%22cost%22%3A%5B%22PAID%22%5D%7D%7D")
        .await;
    assert_eq!(response.status(), 400);
    let problem: Value = response.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("`variables`"),
        "{problem}"
    );
}
