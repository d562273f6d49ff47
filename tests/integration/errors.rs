//! Every way a request can be wrong gets a 4xx problem naming the culprit.
use crate::helpers::TestApp;
use crate::shared_tests;

shared_tests!(
    unknown_parameters_are_rejected_on_every_endpoint,
    bad_values_name_their_parameter,
    unknown_keys_in_filters_are_rejected,
    unknown_items_are_404,
    several_errors_are_reported_together,
    days_are_exactly_rfc_3339_full_dates,
);

const LISTS: [&str; 6] = [
    "partners", "regions", "topics", "projects", "offers", "meetings",
];

fn fields(problem: &serde_json::Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

async fn unknown_parameters_are_rejected_on_every_endpoint(app: TestApp) {
    for list in LISTS {
        let problem = app
            .get_problem(&format!("/api/v1/{list}?nosuch=1"), 400)
            .await;
        assert_eq!(problem["code"], "invalid_parameter");
        assert_eq!(fields(&problem), ["nosuch"], "{list}");
        assert!(problem["detail"].as_str().unwrap().contains("nosuch"));
    }
    let problem = app
        .get_problem("/api/v1/offers/tbs-beratung?limit=5", 400)
        .await;
    assert_eq!(fields(&problem), ["limit"]);
    app.get_problem("/?x=1", 400).await;
}

async fn bad_values_name_their_parameter(app: TestApp) {
    for (query, field) in [
        ("limit=1000", "limit"),
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("limit=-1", "limit"),
        ("include_total=yes", "include_total"),
        ("cursor=garbage", "cursor"),
        ("sort=bogus", "sort"),
        ("lang=fr", "lang"),
        ("kind=gratis", "kind"),
        ("cost=gratis", "cost"),
        ("target_group=everyone", "target_group"),
        ("open_on=2024-13-01", "open_on"),
        ("open_on=tomorrow", "open_on"),
        ("updated_since=yesterday", "updated_since"),
        ("topic=a,,b", "topic"),
        ("topic=a&topic=", "topic"),
        ("limit=1&limit=2", "limit"),
        ("sort=title&sort=-title", "sort"),
        ("q=", "q"),
    ] {
        let problem = app
            .get_problem(&format!("/api/v1/offers?{query}"), 400)
            .await;
        assert_eq!(fields(&problem), [field], "{query}");
    }
    let long = "x".repeat(201);
    let problem = app
        .get_problem(&format!("/api/v1/offers?q={long}"), 400)
        .await;
    assert_eq!(fields(&problem), ["q"]);
    let problem = app
        .get_problem("/api/v1/partners?alliance_member=maybe", 400)
        .await;
    assert_eq!(fields(&problem), ["alliance_member"]);
    let problem = app.get_problem("/api/v1/projects?status=done", 400).await;
    assert_eq!(fields(&problem), ["status"]);
    let problem = app.get_problem("/api/v1/regions?kind=planet", 400).await;
    assert_eq!(fields(&problem), ["kind"]);
}

async fn unknown_keys_in_filters_are_rejected(app: TestApp) {
    for (path, field) in [
        ("/api/v1/offers?topic=nosuch", "topic"),
        ("/api/v1/offers?region=99999", "region"),
        ("/api/v1/offers?provider=nosuch", "provider"),
        ("/api/v1/offers?project=nosuch", "project"),
        ("/api/v1/partners?region=nosuch", "region"),
        ("/api/v1/projects?partner=nosuch", "partner"),
        ("/api/v1/projects?region=nosuch", "region"),
        ("/api/v1/regions?parent=nosuch", "parent"),
    ] {
        let problem = app.get_problem(path, 400).await;
        assert_eq!(fields(&problem), [field], "{path}");
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("nosuch")
                || field == "region"
        );
    }
}

async fn unknown_items_are_404(app: TestApp) {
    for list in LISTS {
        let problem = app.get_problem(&format!("/api/v1/{list}/nope"), 404).await;
        assert_eq!(problem["code"], "not_found");
        assert!(problem["detail"].as_str().unwrap().contains("nope"));
        app.get_problem(
            &format!("/api/v1/{list}/00000000-0000-0000-0000-000000000000"),
            404,
        )
        .await;
    }
}

async fn several_errors_are_reported_together(app: TestApp) {
    let problem = app
        .get_problem("/api/v1/offers?limit=1000&nosuch=1&cost=x", 400)
        .await;
    let mut got = fields(&problem);
    got.sort();
    assert_eq!(got, ["cost", "limit", "nosuch"]);
}

/// `format: date` and the GraphQL `Date` scalar are RFC 3339 §5.6
/// `full-date`: `YYYY-MM-DD`, nothing shorter, no sign, no spaces — in
/// query parameters, GraphQL literals and variables, and request bodies.
async fn days_are_exactly_rfc_3339_full_dates(app: TestApp) {
    let bad = [
        "2024-1-1",
        "2024-01-1",
        "+2024-01-01",
        " 2024-01-01",
        "2024-13-01",
    ];
    for day in bad {
        let encoded = day.replace('+', "%2B").replace(' ', "%20");
        let problem = app
            .get_problem(&format!("/api/v1/offers?open_on={encoded}"), 400)
            .await;
        assert_eq!(fields(&problem), ["open_on"], "{day}");
        let body = app
            .graphql(
                &format!(r#"{{ offers(filter: {{openOn: "{day}"}}) {{ totalCount }} }}"#),
                serde_json::Value::Null,
            )
            .await;
        assert!(body["data"].is_null(), "{day}: {body}");
        let body = app
            .graphql(
                "query($d: Date) { offers(filter: {openOn: $d}) { totalCount } }",
                serde_json::json!({"d": day}),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "invalid_variable",
            "{day}: {body}"
        );
        let (status, problem) = app
            .post_json(
                "/api/v1/match",
                &serde_json::json!({"region": "05711", "role": "sme", "date": day}),
            )
            .await;
        assert_eq!(status, 422, "{day}: {problem}");
        assert_eq!(fields(&problem), ["date"], "{day}");
    }
    // The same day, written right, is accepted everywhere.
    app.get_json("/api/v1/offers?open_on=2024-01-01").await;
    app.graphql_data(
        r#"{ offers(filter: {openOn: "2024-01-01"}) { totalCount } }"#,
        serde_json::Value::Null,
    )
    .await;
    let (status, _) = app
        .post_json(
            "/api/v1/match",
            &serde_json::json!({"region": "05711", "role": "sme", "date": "2024-01-01"}),
        )
        .await;
    assert_eq!(status, 200);
}
