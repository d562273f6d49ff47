//! HTTP semantics shared by every route (issue 14): HEAD, 405 with `Allow`,
//! CORS, request media types, conditional requests (`ETag`, `304`),
//! compression and security headers; the response cache never answers what
//! the handler would refuse, nor anything the handler would answer
//! differently.
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::{private_tests, shared_tests};

shared_tests!(
    every_get_route_answers_head_with_the_get_head_and_no_body,
    a_known_path_with_another_method_is_405_with_allow,
    reads_are_shared_with_every_origin_writes_only_with_configured_ones,
    media_types_are_compared_as_rfc_9110_says,
    the_cache_never_answers_a_request_the_handler_refuses,
    malformed_json_is_400_and_invalid_fields_422,
    reads_are_revalidated_with_etag_and_last_modified,
    large_answers_are_compressed_small_ones_not,
    every_answer_has_the_security_headers,
    cached_answers_equal_uncached_ones,
    a_page_of_another_origin_reads_lists_and_graphql_with_their_headers,
    list_parameters_take_commas_and_repeated_keys_alike,
    a_cached_answer_is_coded_once_and_decodes_to_the_same_body,
    answers_coded_per_request_use_gzip_or_deflate,
    a_304_varies_like_its_200,
    built_in_pages_are_validated_and_vary_by_coding,
    options_asterisk_names_every_method,
    no_accept_and_any_accept_share_one_tag,
    the_headers_the_contract_documents_are_sent,
    graphql_requests_without_a_document_are_400,
    http_1_0_gets_whole_bodies,
    preconditions_never_hide_a_failure,
    legal_but_unusual_media_types_and_bodies,
);
private_tests!(seeded: true;
    a_304_runs_no_statement_and_a_change_gives_a_new_etag,
    a_record_tag_changes_with_everything_its_answer_shows,
    an_import_changes_the_tag_and_reads_check_if_match,
);

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, HeaderMap, Vec<u8>) {
    let mut request = app.client.request(method, format!("{}{path}", app.address));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.body(body.to_owned());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.unwrap().to_vec();
    (status, headers, body)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

fn code_of(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body).unwrap_or(Value::Null)["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Sends `request` (a whole HTTP/1.x message; `{address}` in it is replaced
/// by the server's host and port) over a bare connection and returns the
/// raw answer: for what reqwest cannot send (HTTP/1.0, `OPTIONS *`, no
/// `Accept`).
async fn raw_request(app: &TestApp, request: &str) -> Vec<u8> {
    let address = app.address.trim_start_matches("http://").to_owned();
    let request = request.replace("{address}", &address);
    tokio::task::spawn_blocking(move || {
        use std::io::{Read as _, Write as _};
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).unwrap();
        answer
    })
    .await
    .unwrap()
}

/// The documented operations: path template → methods (lowercase).
async fn operations(app: &TestApp) -> Vec<(String, Vec<String>)> {
    let api = app.get_json("/openapi.json").await;
    api["paths"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(path, item)| {
            let methods = ["get", "post", "put", "patch", "delete"]
                .into_iter()
                .filter(|m| item.get(*m).is_some())
                .map(str::to_owned)
                .collect();
            (path.clone(), methods)
        })
        .collect()
}

/// `template` with `{key}` replaced by a key the collection has (or an
/// unknown one where the collection is not listed).
async fn concrete(app: &TestApp, template: &str) -> String {
    let Some(collection) = template.strip_suffix("/{key}") else {
        return template.to_owned();
    };
    let (status, _, body) = send(
        app,
        Method::GET,
        &format!("{collection}?limit=1"),
        &[],
        None,
    )
    .await;
    let key = (status == 200)
        .then(|| serde_json::from_slice::<Value>(&body).unwrap()["items"][0]["slug"].clone())
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "no-such-record".to_owned());
    format!("{collection}/{key}")
}

async fn every_get_route_answers_head_with_the_get_head_and_no_body(app: TestApp) {
    let mut paths = vec![
        "/graphiql".to_owned(),
        "/docs/".to_owned(),
        "/openapi.json".to_owned(),
        "/graphql?query=%7Btopics(first%3A2)%7Bedges%7Bnode%7Bslug%7D%7D%7D%7D".to_owned(),
        "/api/v1/search?q=Digitalisierung".to_owned(),
    ];
    for (template, methods) in operations(&app).await {
        if methods.iter().any(|m| m == "get") && template != "/api/v1/search" {
            paths.push(concrete(&app, &template).await);
        }
    }
    assert!(paths.len() > 20, "{paths:?}");
    for path in paths {
        let (get_status, get_headers, get_body) = send(&app, Method::GET, &path, &[], None).await;
        let (status, headers, body) = send(&app, Method::HEAD, &path, &[], None).await;
        assert_eq!(status, get_status, "HEAD {path}");
        assert!(body.is_empty(), "HEAD {path} has no body");
        for name in ["content-type", "content-language", "link", "etag", "allow"] {
            assert_eq!(
                headers.get(name),
                get_headers.get(name),
                "HEAD {path}: {name}"
            );
        }
        // `/metrics` counts the GET itself: its length changes between
        // the two requests.
        if get_status != 401 && path != "/metrics" {
            assert_eq!(
                header(&headers, "content-length"),
                get_body.len().to_string(),
                "HEAD {path}: the length of the GET body"
            );
        }
    }
}

async fn a_known_path_with_another_method_is_405_with_allow(app: TestApp) {
    let all = ["get", "post", "put", "patch", "delete"];
    let mut checked = 0;
    for (template, methods) in operations(&app).await {
        let path = concrete(&app, &template).await;
        for method in all.iter().filter(|m| !methods.iter().any(|n| n == *m)) {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let (status, headers, body) = send(&app, method.clone(), &path, &[], None).await;
            assert_eq!(status, 405, "{method} {path}");
            assert_eq!(code_of(&body), "method_not_allowed", "{method} {path}");
            assert_eq!(header(&headers, "content-type"), "application/problem+json");
            let allow: Vec<&str> = header(&headers, "allow").split(", ").collect();
            for served in &methods {
                assert!(
                    allow.contains(&served.to_uppercase().as_str()),
                    "{path}: {allow:?}"
                );
            }
            if methods.iter().any(|m| m == "get") {
                assert!(allow.contains(&"HEAD"), "{path}: {allow:?}");
            }
            checked += 1;
        }
    }
    assert!(checked > 40, "{checked}");

    // The issue's example, and routes outside the OpenAPI document.
    let (status, headers, _) = send(&app, Method::DELETE, "/api/v1/offers", &[], None).await;
    assert_eq!(status, 405);
    assert_eq!(header(&headers, "allow"), "GET, POST, HEAD, OPTIONS");
    let (status, headers, _) = send(&app, Method::PUT, "/graphql", &[], None).await;
    assert_eq!(status, 405);
    assert_eq!(header(&headers, "allow"), "GET, POST, HEAD, OPTIONS");
    let (status, headers, _) = send(&app, Method::POST, "/docs/index.css", &[], None).await;
    assert_eq!(
        (status, header(&headers, "allow")),
        (405, "GET, HEAD, OPTIONS")
    );
    // A mutation over GET: only POST runs it.
    let (status, headers, body) = send(
        &app,
        Method::GET,
        "/graphql?query=mutation%7BdeleteOffer(key%3A%22x%22)%7Bdeleted%7Bid%7D%7D%7D",
        &[],
        None,
    )
    .await;
    assert_eq!(status, 405, "{}", String::from_utf8_lossy(&body));
    assert_eq!(header(&headers, "allow"), "POST");
    // OPTIONS lists the methods; an unknown path stays a 404.
    let (status, headers, _) = send(&app, Method::OPTIONS, "/api/v1/match", &[], None).await;
    assert_eq!((status, header(&headers, "allow")), (204, "POST, OPTIONS"));
    let (status, _, body) = send(&app, Method::DELETE, "/api/v1/nothing", &[], None).await;
    assert_eq!((status, code_of(&body).as_str()), (404, "not_found"));
}

async fn preflight(
    app: &TestApp,
    path: &str,
    origin: &str,
    method: &str,
    headers: &str,
) -> (u16, HeaderMap) {
    let mut asked = vec![
        ("origin", origin),
        ("access-control-request-method", method),
    ];
    if !headers.is_empty() {
        asked.push(("access-control-request-headers", headers));
    }
    let (status, answer, _) = send(app, Method::OPTIONS, path, &asked, None).await;
    (status, answer)
}

async fn reads_are_shared_with_every_origin_writes_only_with_configured_ones(app: TestApp) {
    let portal = "http://portal.example:8000";
    // The issue's example: a preflight for a GraphQL query.
    let (status, headers) = preflight(&app, "/graphql", portal, "POST", "content-type").await;
    assert_eq!(status, 204);
    assert_eq!(header(&headers, "access-control-allow-origin"), portal);
    assert_eq!(header(&headers, "access-control-max-age"), "7200");
    assert!(header(&headers, "access-control-allow-methods").contains("POST"));
    assert!(
        header(&headers, "access-control-allow-headers")
            .to_ascii_lowercase()
            .contains("content-type")
    );
    // Another public read: the match, and a GET with If-None-Match.
    for (path, method, asked) in [
        ("/api/v1/match", "POST", "content-type"),
        ("/api/v1/offers", "GET", "if-none-match, accept-language"),
    ] {
        let (status, headers) = preflight(&app, path, portal, method, asked).await;
        assert_eq!(status, 204, "{method} {path}");
        assert_eq!(header(&headers, "access-control-allow-origin"), portal);
    }
    // Actual reads: the origin is allowed and the headers a client needs
    // are readable.
    let (status, headers, _) = send(
        &app,
        Method::GET,
        "/api/v1/offers?limit=2",
        &[("origin", portal)],
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "access-control-allow-origin"), portal);
    let exposed = header(&headers, "access-control-expose-headers").to_ascii_lowercase();
    for name in ["etag", "link", "content-language", "x-request-id"] {
        assert!(exposed.contains(name), "{name} in {exposed}");
    }
    assert!(
        header(&headers, "vary")
            .to_ascii_lowercase()
            .contains("origin")
    );

    // Writes, and anything with credentials, only from the configured
    // origin (the test apps allow http://editor.example).
    let editor = "http://editor.example";
    for (path, method, asked) in [
        ("/api/v1/offers/x", "PUT", "content-type, authorization"),
        ("/api/v1/offers", "POST", "content-type"),
        ("/api/v1/topics/x", "DELETE", ""),
        ("/graphql", "POST", "content-type, authorization"),
    ] {
        let (status, headers) = preflight(&app, path, portal, method, asked).await;
        assert_eq!(status, 400, "{method} {path} from {portal}");
        assert!(headers.get("access-control-allow-origin").is_none());
        assert_eq!(header(&headers, "content-type"), "application/problem+json");
        let (status, headers) = preflight(&app, path, editor, method, asked).await;
        assert_eq!(status, 204, "{method} {path} from {editor}");
        assert_eq!(header(&headers, "access-control-allow-origin"), editor);
    }
    // A harmless preflight from another origin is not told the write
    // methods and headers (a browser keeps the list for two hours).
    let (_, headers) = preflight(&app, "/graphql", portal, "POST", "content-type").await;
    let methods = header(&headers, "access-control-allow-methods").to_ascii_uppercase();
    let allowed = header(&headers, "access-control-allow-headers").to_ascii_lowercase();
    for write in ["PUT", "PATCH", "DELETE"] {
        assert!(!methods.contains(write), "{write} in {methods}");
    }
    assert!(!allowed.contains("authorization"), "{allowed}");
    let (_, headers) = preflight(&app, "/graphql", editor, "POST", "content-type").await;
    assert!(header(&headers, "access-control-allow-methods").contains("DELETE"));
    // An actual write from a page of another origin is refused before it
    // runs (browsers send `Origin`), with or without a key; from the
    // configured origin, from the server's own pages and from clients that
    // are not browsers (no `Origin`) it reaches the handler (401: no key).
    let host = app.address.trim_start_matches("http://").to_owned();
    let own = format!("http://{host}");
    for (method, path, body) in [
        (Method::DELETE, "/api/v1/topics/x", None),
        (Method::PATCH, "/api/v1/offers/tbs-beratung", Some("{}")),
        (Method::POST, "/api/v1/offers", Some("{}")),
        (
            Method::POST,
            "/graphql",
            Some(r#"{"query":"mutation { deleteTopic(key: \"x\") { deleted { id } } }"}"#),
        ),
    ] {
        let (status, headers, body_bytes) = send(
            &app,
            method.clone(),
            path,
            &[
                ("origin", portal),
                ("authorization", "Bearer lotse_not_a_key"),
                ("content-type", "application/json"),
            ],
            body,
        )
        .await;
        assert_eq!(status, 403, "{method} {path} from {portal}");
        assert_eq!(code_of(&body_bytes), "forbidden_origin");
        assert!(headers.get("access-control-allow-origin").is_none());
        for origin in [Some(editor), Some(own.as_str()), None] {
            let mut sent = vec![("content-type", "application/json")];
            if let Some(origin) = origin {
                sent.push(("origin", origin));
            }
            let (status, _, _) = send(&app, method.clone(), path, &sent, body).await;
            let expected = if path == "/graphql" { 200 } else { 401 };
            assert_eq!(status, expected, "{method} {path} from {origin:?}");
        }
    }
}

const PROFILE: &str = r#"{"region": "05711", "role": "sme"}"#;

async fn media_types_are_compared_as_rfc_9110_says(app: TestApp) {
    let graphql = r#"{"query": "{ topics { slug } }"}"#;
    for path in ["/api/v1/match", "/graphql"] {
        let body = if path == "/graphql" { graphql } else { PROFILE };
        for accepted in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            "application/json;charset=\"UTF-8\"",
        ] {
            let (status, _, answer) = send(
                &app,
                Method::POST,
                path,
                &[("content-type", accepted)],
                Some(body),
            )
            .await;
            assert_eq!(
                status,
                200,
                "{path} as {accepted}: {}",
                String::from_utf8_lossy(&answer)
            );
        }
        for refused in [
            "application/jsonx",
            "application/json-seq",
            "text/plain",
            "application/json; charset=latin1",
            "json",
        ] {
            let (status, headers, answer) = send(
                &app,
                Method::POST,
                path,
                &[("content-type", refused)],
                Some(body),
            )
            .await;
            assert_eq!(status, 415, "{path} as {refused}");
            assert_eq!(code_of(&answer), "unsupported_media_type");
            assert_eq!(header(&headers, "content-type"), "application/problem+json");
        }
        let (status, _, _) = send(&app, Method::POST, path, &[], Some(body)).await;
        assert_eq!(status, 415, "{path} without a type");
    }
}

async fn the_cache_never_answers_a_request_the_handler_refuses(app: TestApp) {
    let body = r#"{"region": "05770", "role": "works_council", "explain": true}"#;
    let as_type = |content_type: &'static str| {
        let app = &app;
        async move {
            send(
                app,
                Method::POST,
                "/api/v1/match",
                &[("content-type", content_type)],
                Some(body),
            )
            .await
        }
    };
    // The issue's example: refused, answered, then refused again.
    assert_eq!(as_type("text/plain").await.0, 415);
    let (status, headers, _) = as_type("application/json").await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "x-cache"), "miss");
    assert_eq!(as_type("application/json").await.0, 200);
    let (status, headers, _) = as_type("text/plain").await;
    assert_eq!(status, 415);
    assert_ne!(header(&headers, "x-cache"), "hit");
    assert_eq!(as_type("application/jsonx").await.0, 415);
    // Another route: GraphQL over POST.
    let query = r#"{"query": "{ offers(first: 1) { totalCount } }"}"#;
    for _ in 0..2 {
        let (status, _, _) = send(
            &app,
            Method::POST,
            "/graphql",
            &[("content-type", "application/json")],
            Some(query),
        )
        .await;
        assert_eq!(status, 200);
    }
    let (status, headers, _) = send(
        &app,
        Method::POST,
        "/graphql",
        &[("content-type", "text/plain")],
        Some(query),
    )
    .await;
    assert_eq!(status, 415);
    assert_ne!(header(&headers, "x-cache"), "hit");
}

async fn malformed_json_is_400_and_invalid_fields_422(app: TestApp) {
    let json = [("content-type", "application/json")];
    for (body, expected) in [
        ("{not json", 400),
        (r#"{"region": "05711""#, 400),
        (r#"{"region": "05711", "role": "sme"} trailing"#, 400),
        ("", 400),
        (r#"{"region": 5711, "role": "sme"}"#, 422),
        (r#"{"region": "05711", "role": "astronaut"}"#, 422),
    ] {
        let (status, headers, answer) =
            send(&app, Method::POST, "/api/v1/match", &json, Some(body)).await;
        assert_eq!(
            status,
            expected,
            "{body}: {}",
            String::from_utf8_lossy(&answer)
        );
        assert_eq!(header(&headers, "content-type"), "application/problem+json");
    }
    // Another route: GraphQL's body.
    let (status, _, _) = send(&app, Method::POST, "/graphql", &json, Some("{not json")).await;
    assert_eq!(status, 400);
}

async fn reads_are_revalidated_with_etag_and_last_modified(app: TestApp) {
    for path in [
        "/api/v1/offers?topic=digitalisierung&limit=3",
        "/api/v1/stats/offers",
        "/api/v1/search?q=Arbeit",
        "/api/v1/changes?limit=2",
        "/",
        "/openapi.json",
        "/graphql?query=%7Btopics(first%3A2)%7Bedges%7Bnode%7Bslug%7D%7D%7D%7D",
    ] {
        let (status, headers, _) = send(&app, Method::GET, path, &[], None).await;
        assert_eq!(status, 200, "{path}");
        let etag = header(&headers, "etag").to_owned();
        assert!(etag.starts_with('"') && etag.len() > 10, "{path}: {etag}");
        let cache_control = header(&headers, "cache-control");
        if path.starts_with("/api/v1/changes") {
            assert_eq!(cache_control, "no-cache");
        } else {
            assert_eq!(cache_control, "public, max-age=60", "{path}");
        }
        let modified = header(&headers, "last-modified").to_owned();
        assert!(modified.ends_with(" GMT"), "{path}: {modified}");
        let vary = header(&headers, "vary").to_owned();
        assert!(vary.contains("Accept-Language"), "{path}: {vary}");

        for (name, value) in [
            ("if-none-match", etag.as_str()),
            ("if-none-match", &format!("\"other\", W/{etag}")),
            ("if-none-match", "*"),
            ("if-modified-since", modified.as_str()),
        ] {
            for method in [Method::GET, Method::HEAD] {
                let (status, again, body) =
                    send(&app, method.clone(), path, &[(name, value)], None).await;
                assert_eq!(status, 304, "{method} {path} with {name}: {value}");
                assert!(body.is_empty());
                assert_eq!(header(&again, "etag"), etag);
                assert_eq!(header(&again, "cache-control"), cache_control);
                assert_eq!(header(&again, "vary"), vary);
            }
        }
        // Another representation, another tag; an old date, the answer.
        let (status, _, _) = send(
            &app,
            Method::GET,
            path,
            &[("if-none-match", &etag), ("accept-language", "en")],
            None,
        )
        .await;
        assert_eq!(status, 200, "{path} in English");
        let (status, _, _) = send(
            &app,
            Method::GET,
            path,
            &[("if-modified-since", "Mon, 01 Jan 2001 00:00:00 GMT")],
            None,
        )
        .await;
        assert_eq!(status, 200, "{path} since 2001");
        // If-None-Match decides when both are sent (RFC 9110 §13.1.3).
        let (status, _, _) = send(
            &app,
            Method::GET,
            path,
            &[
                ("if-none-match", "\"other\""),
                ("if-modified-since", &modified),
            ],
            None,
        )
        .await;
        assert_eq!(status, 200, "{path}");
    }

    // A record keeps its own tag (its version, which writes compare).
    let path = concrete(&app, "/api/v1/offers/{key}").await;
    let (status, headers, _) = send(&app, Method::GET, &path, &[], None).await;
    assert_eq!(status, 200);
    let etag = header(&headers, "etag").to_owned();
    let (status, again, body) =
        send(&app, Method::GET, &path, &[("if-none-match", &etag)], None).await;
    assert_eq!((status, body.len()), (304, 0));
    assert_eq!(header(&again, "etag"), etag);
    // Probes are never validated; errors carry no validators.
    let (_, headers, _) = send(&app, Method::GET, "/health", &[], None).await;
    assert!(headers.get("etag").is_none());
    let (status, headers, _) = send(&app, Method::GET, "/api/v1/offers?limit=0", &[], None).await;
    assert_eq!(status, 400);
    assert!(headers.get("etag").is_none());
}

async fn a_304_runs_no_statement_and_a_change_gives_a_new_etag(app: TestApp) {
    // A replica that checks for others' changes only every minute, as a
    // server between checks does.
    let app = app
        .replica(|s| s.search_refresh = std::time::Duration::from_secs(60))
        .await;
    let path = "/api/v1/offers?topic=digitalisierung&limit=5";
    let (status, headers, _) = send(&app, Method::GET, path, &[], None).await;
    assert_eq!(status, 200);
    let etag = header(&headers, "etag").to_owned();
    let before = app.statements().await;
    for _ in 0..3 {
        let (status, _, _) = send(
            &app,
            Method::GET,
            path,
            &[("if-none-match", &etag), ("accept-encoding", "gzip")],
            None,
        )
        .await;
        assert_eq!(status, 304);
    }
    assert_eq!(app.statements().await, before, "a 304 runs no statement");

    // A write through this server changes an offer of the page.
    let key = {
        use lotse::service::keys::{self, Scope};
        keys::create(app.db(), "editor", &[Scope::parse("write").unwrap()])
            .await
            .unwrap()
    };
    let page = app.get_json(path).await;
    let slug = page["items"][0]["slug"].as_str().unwrap().to_owned();
    let response = app
        .client
        .patch(format!("{}/api/v1/offers/{slug}", app.address))
        .bearer_auth(&key)
        // Media types are compared case-insensitively, parameters parsed.
        .header(
            "content-type",
            "Application/Merge-Patch+JSON; charset=UTF-8",
        )
        .body(json!({"title_de": "Digitalisierung: ein neuer Titel"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let (status, headers, body) =
        send(&app, Method::GET, path, &[("if-none-match", &etag)], None).await;
    assert_eq!(status, 200);
    assert_ne!(header(&headers, "etag"), etag);
    let after: Value = serde_json::from_slice(&body).unwrap();
    assert_ne!(after, page, "the page shows the change");
}

async fn large_answers_are_compressed_small_ones_not(app: TestApp) {
    let path = "/api/v1/offers?limit=20";
    let (_, plain, body) = send(&app, Method::GET, path, &[], None).await;
    assert!(body.len() > 10_000);
    assert!(plain.get("content-encoding").is_none());
    for (asked, coding, magic) in [
        ("gzip", "gzip", &[0x1f_u8, 0x8b][..]),
        ("br;q=1.0, gzip;q=0.5", "br", &[][..]),
        ("deflate, gzip;q=0.1", "deflate", &[][..]),
    ] {
        let (status, headers, coded) =
            send(&app, Method::GET, path, &[("accept-encoding", asked)], None).await;
        assert_eq!(status, 200);
        assert_eq!(header(&headers, "content-encoding"), coding, "{asked}");
        assert!(
            coded.len() < body.len() * 2 / 3,
            "{asked}: {} bytes",
            coded.len()
        );
        assert!(coded.starts_with(magic));
        let vary: Vec<&str> = headers
            .get_all("vary")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        assert!(
            vary.join(", ")
                .to_ascii_lowercase()
                .contains("accept-encoding"),
            "{vary:?}"
        );
        // The coding keeps the representation's tag.
        assert_eq!(headers.get("etag"), plain.get("etag"));
    }
    // Problems and GraphQL answers are coded too, when they are large.
    let (_, headers, _) = send(
        &app,
        Method::GET,
        "/graphql?query=%7Boffers(first%3A50)%7Bedges%7Bnode%7Btitle%20description%7D%7D%7D%7D",
        &[("accept-encoding", "gzip")],
        None,
    )
    .await;
    assert_eq!(header(&headers, "content-encoding"), "gzip");
    // Tiny bodies are not.
    for path in [
        "/health",
        "/api/v1/offers/no-such-offer",
        "/api/v1/offers?limit=0",
    ] {
        let (_, headers, body) = send(
            &app,
            Method::GET,
            path,
            &[("accept-encoding", "gzip, br")],
            None,
        )
        .await;
        assert!(body.len() < 1024, "{path}");
        assert!(headers.get("content-encoding").is_none(), "{path}");
    }
}

async fn every_answer_has_the_security_headers(app: TestApp) {
    for (method, path) in [
        (Method::GET, "/health"),
        (Method::GET, "/api/v1/offers?limit=1"),
        (Method::GET, "/api/v1/nothing"),
        (Method::DELETE, "/api/v1/offers"),
        (Method::GET, "/docs/"),
        (Method::GET, "/graphiql"),
        (Method::POST, "/graphql"),
    ] {
        let (_, headers, _) = send(&app, method.clone(), path, &[], None).await;
        assert_eq!(
            header(&headers, "x-content-type-options"),
            "nosniff",
            "{method} {path}"
        );
        assert_eq!(
            header(&headers, "referrer-policy"),
            "no-referrer",
            "{method} {path}"
        );
    }
    // The pages allow only the server's own scripts, so they hold none
    // inline (GraphiQL's browser test, in graphql.rs, runs it under this
    // policy).
    for page in ["/docs/", "/graphiql"] {
        let (_, headers, body) = send(&app, Method::GET, page, &[], None).await;
        let policy = header(&headers, "content-security-policy");
        assert!(policy.contains("script-src 'self';"), "{page}: {policy}");
        assert!(!policy.contains("unsafe-eval"), "{page}: {policy}");
        let html = String::from_utf8(body).unwrap();
        for script in html.split("<script").skip(1) {
            let tag = script.split('>').next().unwrap_or_default();
            assert!(
                tag.contains("src=\"") && !tag.contains("://"),
                "{page}: not a script of this server: <script{tag}>"
            );
        }
    }
}

/// Method, path, headers, body.
type Request = (
    Method,
    String,
    Vec<(&'static str, &'static str)>,
    Option<String>,
);

async fn cached_answers_equal_uncached_ones(app: TestApp) {
    let mut requests: Vec<Request> = Vec::new();
    let languages = [None, Some("en"), Some("de-DE, en;q=0.5")];
    let collections = [
        "offers", "partners", "projects", "regions", "topics", "meetings",
    ];
    for collection in collections {
        for query in [
            "",
            "?limit=2",
            "?limit=3&sort=-updated_at",
            "?limit=abc",
            "?bogus=1",
        ] {
            for lang in languages {
                let headers = lang
                    .map(|l| vec![("accept-language", l)])
                    .unwrap_or_default();
                requests.push((
                    Method::GET,
                    format!("/api/v1/{collection}{query}"),
                    headers,
                    None,
                ));
            }
        }
        let item = concrete(&app, &format!("/api/v1/{collection}/{{key}}")).await;
        requests.push((Method::GET, item, vec![], None));
        requests.push((
            Method::GET,
            format!("/api/v1/{collection}/no-such"),
            vec![],
            None,
        ));
    }
    for q in ["Arbeit", "Digitalisierung", "", "Förderung"] {
        requests.push((Method::GET, format!("/api/v1/search?q={q}"), vec![], None));
    }
    for stats in [
        "/api/v1/stats",
        "/api/v1/stats/offers",
        "/api/v1/stats/offers?kind=nope",
    ] {
        requests.push((Method::GET, stats.to_owned(), vec![], None));
    }
    let json = ("content-type", "application/json");
    for body in [
        PROFILE,
        r#"{"region": "05770", "role": "works_council"}"#,
        r#"{"region": "05770", "role": "nope"}"#,
        "{not json",
    ] {
        for content_type in [json, ("content-type", "text/plain")] {
            requests.push((
                Method::POST,
                "/api/v1/match".into(),
                vec![content_type],
                Some(body.into()),
            ));
        }
    }
    for query in [
        "{ offers(first: 3) { edges { node { title } } } }",
        "{ topics { slug name } }",
        "{ nope }",
    ] {
        let body = json!({ "query": query }).to_string();
        requests.push((
            Method::POST,
            "/graphql".into(),
            vec![json],
            Some(body.clone()),
        ));
        requests.push((
            Method::POST,
            "/graphql".into(),
            vec![json, ("accept", "application/graphql-response+json")],
            Some(body),
        ));
    }
    assert!(requests.len() >= 120, "{}", requests.len());

    let mut hits = 0;
    for (method, path, headers, body) in &requests {
        // Twice through the cache (the second may be a hit), once past it.
        let mut answers = Vec::new();
        for bypass in [false, false, true] {
            let mut headers = headers.clone();
            if bypass {
                headers.push(("cache-control", "no-cache"));
            }
            let (status, answer, bytes) =
                send(&app, method.clone(), path, &headers, body.as_deref()).await;
            if header(&answer, "x-cache") == "hit" {
                hits += 1;
            }
            answers.push((status, header(&answer, "content-type").to_owned(), bytes));
        }
        assert_eq!(answers[1], answers[2], "{method} {path} {headers:?}");
        assert_eq!(answers[0], answers[2], "{method} {path} {headers:?}");
    }
    assert!(hits > 50, "the cache answered {hits} of them");
}

/// Serves `html` to every request on a port of its own: a page of another
/// origin than the app's.
fn serve_page(html: String) -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = [0_u8; 4096];
            let _ = stream.read(&mut request);
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{html}",
                html.len()
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    port
}

async fn a_page_of_another_origin_reads_lists_and_graphql_with_their_headers(app: TestApp) {
    let script = r#"
(async () => {
  const out = {};
  try {
    const list = await fetch(API + "/api/v1/offers?limit=2", { headers: { "Accept-Language": "en" } });
    out.status = list.status;
    out.etag = list.headers.get("ETag");
    out.link = list.headers.get("Link");
    out.requestId = list.headers.get("X-Request-Id");
    out.language = list.headers.get("Content-Language");
    out.items = (await list.json()).items.length;
    const graphql = await fetch(API + "/graphql", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ query: "{ offers(first: 2) { totalCount } }" }),
    });
    out.graphqlStatus = graphql.status;
    out.graphqlRequestId = graphql.headers.get("X-Request-Id");
    out.total = (await graphql.json()).data.offers.totalCount;
    try {
      await fetch(API + "/api/v1/topics/digitalisierung", { method: "DELETE", headers: { Authorization: "Bearer x" } });
      out.write = "sent";
    } catch (e) {
      out.write = "blocked";
    }
  } catch (e) {
    out.error = String(e);
  }
  document.getElementById("out").textContent = JSON.stringify(out);
})();
"#;
    let html = format!(
        "<!doctype html><html><body><pre id=\"out\">pending</pre><script>const API = {:?};{script}</script></body></html>",
        app.address
    );
    let port = serve_page(html);
    let Some(dom) = crate::helpers::render_headless(&format!("http://127.0.0.1:{port}/")).await
    else {
        return;
    };
    let start = dom.find("<pre id=\"out\">").expect("the page") + "<pre id=\"out\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let text = dom[start..end]
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let out: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{text}"));
    assert_eq!(out["status"], 200, "{out}");
    assert!(
        out["etag"].as_str().is_some_and(|t| t.starts_with('"')),
        "{out}"
    );
    assert!(
        out["link"]
            .as_str()
            .is_some_and(|l| l.contains("rel=\"next\"")),
        "{out}"
    );
    assert!(
        out["requestId"].as_str().is_some_and(|id| !id.is_empty()),
        "{out}"
    );
    assert_eq!(out["language"], "en", "{out}");
    assert_eq!(out["items"], 2, "{out}");
    assert_eq!(out["graphqlStatus"], 200, "{out}");
    assert!(out["graphqlRequestId"].is_string(), "{out}");
    assert!(out["total"].as_u64().is_some_and(|n| n > 2), "{out}");
    // This origin may not write: the browser refuses after the preflight.
    assert_eq!(out["write"], "blocked", "{out}");
}

/// Two keys of the collection a key parameter names (its first two items).
async fn two_keys(app: &TestApp, parameter: &str) -> Vec<String> {
    let collection = match parameter {
        "topic" => "topics",
        "region" | "parent" => "regions",
        "provider" | "partner" => "partners",
        "project" => "projects",
        other => panic!("no collection known for the key parameter `{other}`"),
    };
    let page = app.get_json(&format!("/api/v1/{collection}?limit=2")).await;
    crate::helpers::slugs(&page)
}

/// Every list parameter of every documented GET operation takes its values
/// comma-separated (`kind=a,b`), as repeated parameters (`kind=a&kind=b`,
/// what generated clients send) or both, with one answer; a parameter of one
/// value given twice stays a 400.
async fn list_parameters_take_commas_and_repeated_keys_alike(app: TestApp) {
    let api = app.get_json("/openapi.json").await;
    let mut checked = Vec::new();
    for (path, item) in api["paths"].as_object().unwrap() {
        let Some(get) = item.get("get") else { continue };
        if path.contains('{') {
            continue;
        }
        let parameters = get["parameters"].as_array().cloned().unwrap_or_default();
        // The search needs words.
        let base = if path.ends_with("/search") {
            "q=Arbeit&"
        } else {
            ""
        };
        for parameter in &parameters {
            if parameter["schema"]["type"] != "array" {
                continue;
            }
            let name = parameter["name"].as_str().unwrap();
            let items = &parameter["schema"]["items"];
            let values = match items["$ref"].as_str() {
                Some(reference) => {
                    &api["components"]["schemas"][reference.rsplit('/').next().unwrap()]["enum"]
                }
                None => &items["enum"],
            };
            let values: Vec<String> = match values.as_array() {
                Some(values) => values
                    .iter()
                    .take(2)
                    .map(|v| v.as_str().unwrap().to_owned())
                    .collect(),
                None => two_keys(&app, name).await,
            };
            assert_eq!(values.len(), 2, "{path} {name}");
            let (a, b) = (&values[0], &values[1]);
            let commas = format!("{path}?{base}{name}={a},{b}");
            let (status, _, by_commas) = send(&app, Method::GET, &commas, &[], None).await;
            assert_eq!(
                status,
                200,
                "{commas}: {}",
                String::from_utf8_lossy(&by_commas)
            );
            for repeated in [
                format!("{path}?{base}{name}={a}&{name}={b}"),
                format!("{path}?{base}{name}={b}&{name}={a},{b}&{name}={a}"),
            ] {
                let (status, _, body) = send(&app, Method::GET, &repeated, &[], None).await;
                assert_eq!(
                    status,
                    200,
                    "{repeated}: {}",
                    String::from_utf8_lossy(&body)
                );
                let same = |body: &[u8]| {
                    // A calendar is compared as text.
                    let mut value: Value = serde_json::from_slice(body).unwrap_or_else(|_| {
                        Value::String(String::from_utf8_lossy(body).into_owned())
                    });
                    // The order of the values does not change the answer,
                    // only what a cursor was issued for.
                    if let Some(object) = value.as_object_mut() {
                        object.remove("next_cursor");
                    }
                    value
                };
                assert_eq!(same(&body), same(&by_commas), "{repeated} vs {commas}");
            }
            checked.push(format!("{path} {name}"));
        }
    }
    // Offers, partners, projects, regions, search and the stats of each.
    assert!(checked.len() >= 20, "{checked:#?}");
    // One value, twice: which was meant cannot be known.
    for path in [
        "/api/v1/offers?limit=1&limit=2",
        "/api/v1/partners?sort=name&sort=-name",
        "/api/v1/search?q=Arbeit&q=Digitalisierung",
        "/api/v1/offers?lang=de&lang=en",
    ] {
        let problem = app.get_problem(path, 400).await;
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("more than once"),
            "{path}: {problem}"
        );
    }
}

fn decode(coding: &str, body: &[u8]) -> Vec<u8> {
    use std::io::Read as _;
    let mut decoded = Vec::new();
    match coding {
        "gzip" => flate2::read::GzDecoder::new(body)
            .read_to_end(&mut decoded)
            .unwrap(),
        // HTTP's deflate is the zlib format (RFC 9110 §8.4.1.2).
        "deflate" => flate2::read::ZlibDecoder::new(body)
            .read_to_end(&mut decoded)
            .unwrap(),
        "br" => brotli::Decompressor::new(body, 4096)
            .read_to_end(&mut decoded)
            .unwrap(),
        other => panic!("unexpected coding {other}"),
    };
    decoded
}

/// An answer the response cache does not give is coded per request in gzip
/// or deflate, never in brotli or zstd (whose per-request encoders cost
/// megabytes each); `br` comes from the cache, coded once.
async fn answers_coded_per_request_use_gzip_or_deflate(app: TestApp) {
    let path = "/api/v1/offers?limit=20&sort=title";
    // Directive names in any case (RFC 9111 §5.2).
    let fresh = [("cache-control", "No-Cache")];
    for (asked, coding) in [
        ("br, zstd, gzip", Some("gzip")),
        ("gzip;q=0.2, br", Some("gzip")),
        ("zstd, deflate;q=0.5", Some("deflate")),
        ("br", None),
        ("zstd", None),
        ("br, gzip;q=0", None),
        // `*` stands for every coding not listed (RFC 9110 §12.5.3).
        ("*", Some("gzip")),
        ("*;q=0.5, identity;q=0", Some("gzip")),
        ("deflate, *;q=0.1", Some("deflate")),
        ("gzip;q=0, *", Some("deflate")),
        // identity preferred, or everything refused: sent as it is.
        ("gzip;q=0.5, identity", None),
        ("identity;q=0", None),
        ("*;q=0", None),
        ("", None),
    ] {
        let (status, headers, body) = send(
            &app,
            Method::GET,
            path,
            &[fresh[0], ("accept-encoding", asked)],
            None,
        )
        .await;
        assert_eq!(status, 200, "{asked}");
        assert_ne!(header(&headers, "x-cache"), "hit", "{asked}");
        match coding {
            Some(coding) => {
                assert_eq!(header(&headers, "content-encoding"), coding, "{asked}");
                // Coded whole, at once: sent with its length, not chunked.
                assert_eq!(header(&headers, "content-length"), body.len().to_string());
                assert!(headers.get("transfer-encoding").is_none(), "{asked}");
                let plain: Value = serde_json::from_slice(&decode(coding, &body)).unwrap();
                assert_eq!(plain["items"].as_array().unwrap().len(), 20, "{asked}");
            }
            None => {
                assert!(headers.get("content-encoding").is_none(), "{asked}");
                let plain: Value = serde_json::from_slice(&body).unwrap();
                assert_eq!(plain["items"].as_array().unwrap().len(), 20, "{asked}");
            }
        }
    }
    // GraphQL over POST is never cached: gzip too.
    let query = serde_json::json!({"query": "{ offers(first: 50) { edges { node { title description } } } }"});
    let (status, headers, body) = send(
        &app,
        Method::POST,
        "/graphql",
        &[
            ("accept-encoding", "br, gzip"),
            ("content-type", "application/json"),
        ],
        Some(&query.to_string()),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-encoding"), "gzip");
    let answer: Value = serde_json::from_slice(&decode("gzip", &body)).unwrap();
    assert!(answer["errors"].is_null(), "{answer}");
    // The cache still answers in br, coded once, once it holds the page.
    send(&app, Method::GET, path, &[], None).await;
    let (_, headers, _) = send(
        &app,
        Method::GET,
        path,
        &[("accept-encoding", "br, gzip")],
        None,
    )
    .await;
    assert_eq!(header(&headers, "x-cache"), "hit");
    assert_eq!(header(&headers, "content-encoding"), "br");
}

/// RFC 9110 §15.4.5: a `304` carries the `Vary` of the `200` it stands
/// for, and both name `Accept-Encoding` (the coding was chosen from it, and
/// the tag is the same in every coding); each name once.
async fn a_304_varies_like_its_200(app: TestApp) {
    let names = |headers: &HeaderMap| -> Vec<String> {
        let mut names: Vec<String> = headers
            .get_all("vary")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|n| n.trim().to_ascii_lowercase())
            .collect();
        let all = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all, "a name repeated in {headers:?}");
        names
    };
    for path in [
        "/api/v1/offers?limit=20",
        "/openapi.json",
        "/api/v1/partners?limit=2",
    ] {
        for coding in ["gzip", "deflate", "br", "identity"] {
            let asked = [("accept-encoding", coding)];
            let (status, ok, _) = send(&app, Method::GET, path, &asked, None).await;
            assert_eq!(status, 200, "{path} {coding}");
            let etag = header(&ok, "etag").to_owned();
            let (status, not_modified, _) = send(
                &app,
                Method::GET,
                path,
                &[asked[0], ("if-none-match", &etag)],
                None,
            )
            .await;
            assert_eq!(status, 304, "{path} {coding}");
            assert_eq!(names(&not_modified), names(&ok), "{path} {coding}");
            assert!(
                names(&ok).contains(&"accept-encoding".to_owned()),
                "{path} {coding}"
            );
        }
    }
}

/// RFC 9112 §6.1: an HTTP/1.0 client never gets chunked framing, even for
/// a coded body too large to code in place (the Swagger UI bundle).
async fn http_1_0_gets_whole_bodies(app: TestApp) {
    for path in ["/docs/swagger-ui-bundle.js", "/api/v1/offers?limit=20"] {
        let answer = raw_request(
            &app,
            &format!("GET {path} HTTP/1.0\r\nHost: {{address}}\r\nAccept-Encoding: gzip\r\n\r\n"),
        )
        .await;
        let split = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&answer[..split]).to_ascii_lowercase();
        let body = answer[split + 4..].to_vec();
        assert!(
            head.starts_with("http/1.0 200") || head.starts_with("http/1.1 200"),
            "{head}"
        );
        assert!(!head.contains("transfer-encoding"), "{path}: {head}");
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .unwrap_or_else(|| panic!("{path}: no content-length in {head}"));
        assert_eq!(
            length.trim().parse::<usize>().unwrap(),
            body.len(),
            "{path}"
        );
        if head.contains("content-encoding: gzip") {
            assert!(!decode("gzip", &body).is_empty(), "{path}");
        }
    }
}

/// The response cache keeps coded bodies beside the stored one: a hit is
/// served in the coding `Accept-Encoding` prefers, decodes to exactly the
/// identity body, and keeps the headers of the identity answer.
async fn a_cached_answer_is_coded_once_and_decodes_to_the_same_body(app: TestApp) {
    let path = "/api/v1/offers?limit=25&sort=-updated_at";
    let (_, plain, body) = send(&app, Method::GET, path, &[], None).await;
    assert!(body.len() > 10_000);
    for (asked, coding) in [
        ("br", Some("br")),
        ("gzip", Some("gzip")),
        ("gzip;q=0.5, br;q=0.9", Some("br")),
        ("br;q=0, gzip", Some("gzip")),
        ("GZIP;Q=1", Some("gzip")),
        ("identity", None),
        ("br;q=0, gzip;q=0", None),
        // One rule with the per-request codings: a coding the server never
        // makes does not hide one it makes.
        ("zstd, br;q=0.9", Some("br")),
        ("*", Some("br")),
        ("br;q=0, *;q=0.5", Some("gzip")),
        ("deflate, br;q=0.5", Some("deflate")),
    ] {
        let mut answers = Vec::new();
        for _ in 0..3 {
            answers.push(send(&app, Method::GET, path, &[("accept-encoding", asked)], None).await);
        }
        for (status, headers, coded) in &answers[1..] {
            assert_eq!(*status, 200);
            assert_eq!(header(headers, "x-cache"), "hit", "{asked}");
            assert_eq!(header(headers, "etag"), header(&plain, "etag"), "{asked}");
            assert_eq!(
                header(headers, "content-type"),
                header(&plain, "content-type")
            );
            match coding {
                Some(coding) => {
                    assert_eq!(header(headers, "content-encoding"), coding, "{asked}");
                    // Per request (deflate) at the fastest level: less.
                    let ratio = if coding == "deflate" { 2 } else { 3 };
                    assert!(coded.len() < body.len() / ratio, "{asked}: {}", coded.len());
                    assert_eq!(decode(coding, coded), body, "{asked}");
                    let vary: Vec<&str> = headers
                        .get_all("vary")
                        .iter()
                        .filter_map(|v| v.to_str().ok())
                        .collect();
                    let vary = vary.join(", ").to_ascii_lowercase();
                    assert!(vary.contains("accept-encoding"), "{asked}: {vary}");
                    assert!(vary.contains("accept-language"), "{asked}: {vary}");
                }
                None => {
                    assert!(headers.get("content-encoding").is_none(), "{asked}");
                    assert_eq!(coded, &body, "{asked}");
                }
            }
        }
        // Coded once: every hit sends the same bytes.
        assert_eq!(answers[1].2, answers[2].2, "{asked}");
    }
    // HEAD of a coded hit: its headers, no body.
    let (status, headers, empty) =
        send(&app, Method::HEAD, path, &[("accept-encoding", "br")], None).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-encoding"), "br");
    assert!(empty.is_empty());
}

/// RFC 9110 §13.2.1: a request that would fail is answered with its
/// failure whatever its preconditions; `*` and dates are judged on the
/// handler's `200`.
async fn preconditions_never_hide_a_failure(app: TestApp) {
    let (_, first, _) = send(&app, Method::GET, "/api/v1/offers?limit=1", &[], None).await;
    let modified = header(&first, "last-modified").to_owned();
    let etag = header(&first, "etag").to_owned();
    for (path, status) in [
        ("/api/v1/offers/no-such-offer", 404),
        ("/api/v1/offers?limit=0", 400),
        ("/api/v1/offers?nosuch=1", 400),
        ("/api/v1/search?q=x&cursor=zzz", 400),
        ("/api/v1/audit", 401),
        (
            "/graphql?query=mutation%7BdeleteOffer(key%3A%22x%22)%7Bdeleted%7Bid%7D%7D%7D",
            405,
        ),
    ] {
        let mut asked = vec![("if-none-match", "*".to_owned())];
        if !modified.is_empty() {
            asked.push(("if-modified-since", modified.clone()));
        }
        for (name, value) in &asked {
            let (got, _, _) = send(&app, Method::GET, path, &[(name, value.as_str())], None).await;
            assert_eq!(got, status, "{name}: {value} on {path}");
        }
    }
    // `*` matches what exists; several field lines make one list.
    let (status, _, _) = send(
        &app,
        Method::GET,
        "/api/v1/offers?limit=1",
        &[("if-none-match", "*")],
        None,
    )
    .await;
    assert_eq!(status, 304);
    let (status, _, body) = send(
        &app,
        Method::GET,
        "/api/v1/offers?limit=1",
        &[
            ("if-none-match", "\"zz\""),
            ("if-none-match", etag.as_str()),
        ],
        None,
    )
    .await;
    assert_eq!(status, 304);
    assert!(body.is_empty());
    // A date in the future is no validator (§13.1.3).
    let (status, _, _) = send(
        &app,
        Method::GET,
        "/api/v1/offers?limit=1",
        &[("if-modified-since", "Thu, 01 Jan 2099 00:00:00 GMT")],
        None,
    )
    .await;
    assert_eq!(status, 200);
}

async fn legal_but_unusual_media_types_and_bodies(app: TestApp) {
    // Whitespace around `;` and empty parameters are allowed (RFC 9110 §5.6.6).
    for content_type in [
        "application/json ; charset=utf-8",
        "application/json\t;charset=utf-8",
        "application/json;;charset=utf-8",
        "application/json;",
    ] {
        for path in ["/api/v1/match", "/graphql"] {
            let body = if path == "/graphql" {
                r#"{"query":"{ __typename }"}"#
            } else {
                PROFILE
            };
            let (status, _, answer) = send(
                &app,
                Method::POST,
                path,
                &[("content-type", content_type)],
                Some(body),
            )
            .await;
            assert_eq!(
                status,
                200,
                "{content_type:?} on {path}: {}",
                String::from_utf8_lossy(&answer)
            );
        }
    }
    // Two media types for one body: which holds cannot be known.
    let (status, _, _) = send(
        &app,
        Method::POST,
        "/api/v1/match",
        &[
            ("content-type", "application/json"),
            ("content-type", "text/plain"),
        ],
        Some(PROFILE),
    )
    .await;
    assert_eq!(status, 415);
    // Not UTF-8, or a lone surrogate: not well-formed JSON, 400 (not 422).
    for body in [&b"{\"region\":\"\xff\"}"[..], br#"{"need":"\ud800"}"#] {
        let response = app
            .client
            .post(format!("{}/api/v1/match", app.address))
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{}", String::from_utf8_lossy(body));
    }
    // GraphQL over GET: a query on several lines (newlines and tabs are
    // GraphQL whitespace), and a query chosen by operationName beside a
    // mutation.
    let answer = app
        .get_json("/graphql?query=%7B%0A%09__typename%0A%7D")
        .await;
    assert_eq!(answer["data"]["__typename"], "QueryRoot", "{answer}");
    let answer = app
        .get_json("/graphql?query=query%20A%20%7B__typename%7D%20mutation%20B%20%7BdeleteTopic(key%3A%22x%22)%7Bdeleted%7Bid%7D%7D%7D&operationName=A")
        .await;
    assert_eq!(answer["data"]["__typename"], "QueryRoot", "{answer}");
}

/// A record's `ETag` is `"<version>.<digest of the answer>"`: it changes
/// with the language and with the records the answer embeds, so no
/// revalidation keeps a stale copy, while `If-Match` compares the version.
async fn a_record_tag_changes_with_everything_its_answer_shows(app: TestApp) {
    // A replica that checks for others' changes only every minute, as a
    // server between checks does (the check is a statement).
    let app = app
        .replica(|s| s.search_refresh = std::time::Duration::from_secs(60))
        .await;
    let path = "/api/v1/offers/tbs-beratung";
    let tag_of = |headers: &HeaderMap| header(headers, "etag").to_owned();
    let (_, de, _) = send(&app, Method::GET, path, &[], None).await;
    let (_, en, _) = send(&app, Method::GET, path, &[("accept-language", "en")], None).await;
    let (de, en) = (tag_of(&de), tag_of(&en));
    assert_ne!(de, en, "German and English answers share a tag");
    assert_eq!(de.split('.').next(), en.split('.').next(), "one version");
    // Decided before the handler, as for lists: no statement runs.
    let before = app.statements().await;
    for _ in 0..3 {
        let (status, headers, _) =
            send(&app, Method::GET, path, &[("if-none-match", &de)], None).await;
        assert_eq!(status, 304);
        assert_eq!(tag_of(&headers), de);
    }
    assert_eq!(
        app.statements().await,
        before,
        "an item's 304 ran a statement"
    );
    let (status, _, _) = send(
        &app,
        Method::GET,
        path,
        &[("if-none-match", &de), ("accept-language", "en")],
        None,
    )
    .await;
    assert_eq!(status, 200, "the German tag revalidated the English answer");

    // Renaming the provider changes the offer's answer, not the offer.
    let key = {
        use lotse::service::keys::{self, Scope};
        keys::create(app.db(), "editor", &[Scope::parse("write").unwrap()])
            .await
            .unwrap()
    };
    let renamed = app
        .client
        .patch(format!("{}/api/v1/partners/tbs-nrw", app.address))
        .bearer_auth(&key)
        .header("content-type", "application/merge-patch+json")
        .body(json!({"short_name": "TBS (renamed)"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), 200, "{}", renamed.text().await.unwrap());
    let (status, headers, body) =
        send(&app, Method::GET, path, &[("if-none-match", &de)], None).await;
    assert_eq!(status, 200, "a stale copy was revalidated");
    assert!(String::from_utf8_lossy(&body).contains("TBS (renamed)"));
    assert_ne!(tag_of(&headers), de);
    // The offer itself did not change: a write based on the older answer
    // is not refused.
    let written = app
        .client
        .patch(format!("{}/api/v1/offers/tbs-beratung", app.address))
        .bearer_auth(&key)
        .header("content-type", "application/merge-patch+json")
        .header("if-match", &de)
        .body(json!({"note": "checked"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(written.status(), 200, "{}", written.text().await.unwrap());
}

/// The acceptance line of issue 14: after an import that changes an offer,
/// the revalidated list gets a 200 with a new tag; and a read's `If-Match`
/// and `If-Unmodified-Since` are preconditions too (RFC 9110 §13.1.1,
/// §13.1.4): `412` when the client's copy is not the current one.
async fn an_import_changes_the_tag_and_reads_check_if_match(app: TestApp) {
    let path = "/api/v1/offers?topic=digitalisierung&limit=50";
    let (_, first, _) = send(&app, Method::GET, path, &[], None).await;
    let etag = header(&first, "etag").to_owned();
    let (status, _, _) = send(&app, Method::GET, path, &[("if-match", &etag)], None).await;
    assert_eq!(status, 200);
    // The same answer whatever header negotiates German.
    for language in ["de", "de-DE", "de-AT;q=0.9, fr;q=0.1"] {
        let (status, _, _) = send(
            &app,
            Method::GET,
            path,
            &[("if-none-match", &etag), ("accept-language", language)],
            None,
        )
        .await;
        assert_eq!(status, 304, "Accept-Language: {language}");
    }

    let mut offer = crate::helpers::seed_record("offers", "tbs-beratung");
    offer["title_de"] = json!("TBS-Beratung: importiert");
    let report =
        lotse::service::import::import_json(app.db(), &json!({"offers": [offer]}).to_string())
            .await
            .unwrap();
    assert_eq!(report.changed(), 1, "{report}");

    let (status, headers, body) =
        send(&app, Method::GET, path, &[("if-none-match", &etag)], None).await;
    assert_eq!(status, 200);
    assert_ne!(header(&headers, "etag"), etag);
    assert!(String::from_utf8_lossy(&body).contains("TBS-Beratung: importiert"));
    // The old tag no longer names the current answer.
    let (status, headers, body) = send(&app, Method::GET, path, &[("if-match", &etag)], None).await;
    assert_eq!(status, 412);
    assert_eq!(header(&headers, "content-type"), "application/problem+json");
    assert_eq!(code_of(&body), "precondition_failed");
    let (status, _, _) = send(&app, Method::GET, path, &[("if-match", "*")], None).await;
    assert_eq!(status, 200);
    // Its own `Last-Modified` (once sent) always passes If-Unmodified-Since.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (_, now, _) = send(&app, Method::GET, path, &[], None).await;
    let modified = header(&now, "last-modified").to_owned();
    assert!(!modified.is_empty());
    let (status, _, _) = send(
        &app,
        Method::GET,
        path,
        &[("if-unmodified-since", &modified)],
        None,
    )
    .await;
    assert_eq!(status, 200);
    for (name, value) in [
        ("if-unmodified-since", "Mon, 01 Jan 2001 00:00:00 GMT"),
        ("if-match", "\"nope\""),
    ] {
        let (status, _, _) = send(
            &app,
            Method::GET,
            "/api/v1/offers/tbs-beratung",
            &[(name, value)],
            None,
        )
        .await;
        assert_eq!(status, 412, "{name}: {value}");
    }
    // A missing record stays a 404 whatever the preconditions.
    let (status, _, _) = send(
        &app,
        Method::GET,
        "/api/v1/offers/no-such-offer",
        &[("if-match", "\"nope\"")],
        None,
    )
    .await;
    assert_eq!(status, 404);
}

/// The pages built into the binary (Swagger UI, GraphiQL and their assets)
/// carry a strong `ETag` (a digest of their bytes) and are revalidated with
/// `304`; a large one sent uncoded still says it varies by coding.
async fn built_in_pages_are_validated_and_vary_by_coding(app: TestApp) {
    let mut pages = vec![
        "/docs/".to_owned(),
        "/docs/swagger-ui.css".to_owned(),
        "/docs/swagger-initializer.js".to_owned(),
        "/graphiql".to_owned(),
    ];
    pages.push("/graphiql/assets/graphiql.min.js".to_owned());
    pages.push("/graphiql/assets/react.production.min.js".to_owned());
    let mut tags = Vec::new();
    for page in &pages {
        let (status, ok, body) = send(
            &app,
            Method::GET,
            page,
            &[("accept-encoding", "identity")],
            None,
        )
        .await;
        assert_eq!(status, 200, "{page}");
        let etag = header(&ok, "etag").to_owned();
        assert!(etag.starts_with('"') && etag.len() > 10, "{page}: {etag:?}");
        assert!(header(&ok, "cache-control").contains("max-age"), "{page}");
        if body.len() >= 1024 {
            let vary = header(&ok, "vary").to_ascii_lowercase();
            assert!(vary.contains("accept-encoding"), "{page}: {vary:?}");
        }
        // The same tag in every coding, and on the next request.
        let (_, coded, _) = send(
            &app,
            Method::GET,
            page,
            &[("accept-encoding", "gzip")],
            None,
        )
        .await;
        assert_eq!(header(&coded, "etag"), etag, "{page}");
        let (status, not_modified, empty) = send(
            &app,
            Method::GET,
            page,
            &[("if-none-match", &format!("\"x\", {etag}"))],
            None,
        )
        .await;
        assert_eq!(status, 304, "{page}");
        assert!(empty.is_empty(), "{page}");
        assert_eq!(header(&not_modified, "etag"), etag, "{page}");
        // `*`: the page exists, so the client's copy is current.
        let (status, _, _) = send(&app, Method::GET, page, &[("if-none-match", "*")], None).await;
        assert_eq!(status, 304, "{page} with *");
        // Another tag: the whole page again.
        let (status, _, again) = send(
            &app,
            Method::GET,
            page,
            &[("accept-encoding", "identity"), ("if-none-match", "\"x\"")],
            None,
        )
        .await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(again, body, "{page}");
        tags.push(etag);
    }
    let all = tags.len();
    tags.sort();
    tags.dedup();
    assert_eq!(tags.len(), all, "each page has its own tag");
    // `/graphiql/` is the other spelling of the IDE's address.
    let (status, moved, _) = send(&app, Method::GET, "/graphiql/", &[], None).await;
    assert_eq!(status, 308);
    assert_eq!(header(&moved, "location"), "/graphiql");
}

/// `OPTIONS *` (RFC 9110 §9.3.7, RFC 9112 §3.2.4) asks about the server as
/// a whole: every method some route serves.
async fn options_asterisk_names_every_method(app: TestApp) {
    let answer = raw_request(
        &app,
        "OPTIONS * HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n",
    )
    .await;
    let head = String::from_utf8_lossy(&answer).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 204"), "{head}");
    let allow = head
        .lines()
        .find_map(|l| l.strip_prefix("allow: "))
        .unwrap_or_else(|| panic!("no allow in {head}"));
    for method in ["get", "head", "post", "options"] {
        assert!(
            allow.split(", ").any(|m| m.trim() == method),
            "{method} in {allow}"
        );
    }
}

/// GraphQL over HTTP §6.1: a request without a document, or an empty batch,
/// is a 400 problem, over GET and POST alike.
async fn graphql_requests_without_a_document_are_400(app: TestApp) {
    let json = [("content-type", "application/json")];
    for (method, path, body) in [
        (Method::GET, "/graphql", None),
        (Method::GET, "/graphql?query=", None),
        (Method::GET, "/graphql?query=%20%0A", None),
        (Method::POST, "/graphql", Some(r#"{"query":""}"#)),
        (Method::POST, "/graphql", Some(r#"{"query":"  "}"#)),
        (Method::POST, "/graphql", Some("[]")),
        (
            Method::POST,
            "/graphql",
            Some(r#"[{"query":"{ __typename }"},{"query":""}]"#),
        ),
    ] {
        let headers: &[(&str, &str)] = if body.is_some() { &json } else { &[] };
        let (status, headers, body_out) = send(&app, method.clone(), path, headers, body).await;
        assert_eq!(status, 400, "{method} {path} {body:?}");
        assert!(
            header(&headers, "content-type").starts_with("application/problem+json"),
            "{method} {path} {body:?}"
        );
        assert_eq!(
            code_of(&body_out),
            "bad_request",
            "{method} {path} {body:?}"
        );
    }
    // What is wrong, in the terms of the body, never of the server's types.
    for (body, said) in [
        // async-graphql reads a missing `query` as empty.
        (r#"{"foo":1}"#, "non-empty `query`"),
        (r#"{"query":5}"#, "expected a string"),
        ("5", "expected a JSON object"),
        (
            r#"[{"query":"{ __typename }"},{"query":[]}]"#,
            "operation 1 of the batch",
        ),
        ("{not json", "not JSON"),
    ] {
        let (status, _, out) = send(&app, Method::POST, "/graphql", &json, Some(body)).await;
        assert_eq!(status, 400, "{body}");
        let detail = serde_json::from_slice::<Value>(&out).unwrap()["detail"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(detail.contains(said), "{body}: {detail}");
        assert!(
            !detail.contains("BatchRequest") && !detail.contains("enum"),
            "{body}: {detail}"
        );
    }
}

/// RFC 9110 §12.5.1: no `Accept` means `*/*`; the same answer has the same
/// tag, so a client that adds `Accept: */*` revalidates a copy fetched
/// without it.
async fn no_accept_and_any_accept_share_one_tag(app: TestApp) {
    for path in [
        "/api/v1/offers?limit=3",
        "/api/v1/topics",
        "/openapi.json",
        "/",
    ] {
        // Over a bare connection: reqwest always sends `Accept: */*`.
        let answer = raw_request(
            &app,
            &format!("GET {path} HTTP/1.1\r\nHost: {{address}}\r\nConnection: close\r\n\r\n"),
        )
        .await;
        let head = String::from_utf8_lossy(&answer).into_owned();
        let etag = head
            .lines()
            .find_map(|l| l.strip_prefix("etag: "))
            .unwrap_or_else(|| panic!("{path}: no etag in {head}"))
            .trim()
            .to_owned();
        for any in ["*/*", " */* "] {
            let (status, _, _) = send(
                &app,
                Method::GET,
                path,
                &[("accept", any), ("if-none-match", &etag)],
                None,
            )
            .await;
            assert_eq!(status, 304, "{path} {any:?}");
        }
    }
}

/// Every response header the contract documents on a read's `200` is sent
/// (`Link` while there is a next page), a documented `304` is given for
/// the `ETag`, and the served document names this server in `servers`.
async fn the_headers_the_contract_documents_are_sent(app: TestApp) {
    let api = app.get_json("/openapi.json").await;
    assert_eq!(api["servers"][0]["url"], app.address.as_str());
    // `Last-Modified` is withheld during the second of a change.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let mut checked = 0;
    for (template, item) in api["paths"].as_object().unwrap() {
        let Some(get) = item.get("get") else { continue };
        if get
            .get("security")
            .is_some_and(|s| !s.as_array().unwrap().is_empty())
        {
            continue;
        }
        let documented: Vec<String> = get["responses"]["200"]["headers"]
            .as_object()
            .map(|h| h.keys().cloned().collect())
            .unwrap_or_default();
        let path = concrete(&app, template).await;
        let path = if template.contains("{key}")
            || !get["parameters"].to_string().contains("\"cursor\"")
        {
            path
        } else {
            format!("{path}?limit=1")
        };
        let (status, headers, _) = send(&app, Method::GET, &path, &[], None).await;
        if status != 200 {
            continue;
        }
        for name in &documented {
            if name == "Link" {
                // Sent while there is a next page (`limit=1` here).
                let body = app.get_json(&path).await;
                if body["next_cursor"].is_null() {
                    continue;
                }
            }
            if name == "X-Cache" {
                // Only for answers that passed the response cache.
                continue;
            }
            assert!(
                headers.contains_key(name.as_str()),
                "{path}: {name} documented, not sent"
            );
        }
        if get["responses"].get("304").is_some() {
            let etag = header(&headers, "etag").to_owned();
            let (status, _, _) =
                send(&app, Method::GET, &path, &[("if-none-match", &etag)], None).await;
            assert_eq!(status, 304, "{path}");
        }
        checked += 1;
    }
    assert!(checked >= 15, "{checked} reads checked");
}
