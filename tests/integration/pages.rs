//! The pages for people (issue 18): `/` for browsers and `/finder`, driven
//! over HTTP and, where it matters, through headless Chromium with
//! JavaScript off.
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::shared_tests;

shared_tests!(
    root_is_a_page_for_browsers_and_json_for_clients,
    the_examples_on_the_root_page_work,
    the_finder_lists_what_the_match_api_returns,
    the_finder_shows_bad_profiles_back,
    the_pages_pass_in_a_real_browser,
    the_dashboard_counts_what_the_stats_api_counts,
    pages_have_their_assets_and_no_inline_code,
    the_finder_takes_region_names_and_counts_beyond_the_list,
    the_language_switch_keeps_the_page_and_its_query,
    browsers_get_error_pages_and_clients_problems,
    an_offer_has_a_page_with_its_record,
    pages_are_revalidated_and_assets_validated,
);

const BROWSER_ACCEPT: &str =
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8";

async fn page(
    app: &TestApp,
    path: &str,
) -> (reqwest::StatusCode, reqwest::header::HeaderMap, String) {
    let response = app
        .client
        .get(format!("{}{path}", app.address))
        .header("accept", BROWSER_ACCEPT)
        .send()
        .await
        .expect("page");
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.text().await.expect("body"))
}

/// The values of `attribute` on the page, in order.
fn attributes(html: &str, attribute: &str) -> Vec<String> {
    let marker = format!("{attribute}=\"");
    html.match_indices(&marker)
        .filter_map(|(at, _)| {
            let rest = &html[at + marker.len()..];
            rest.find('"').map(|end| rest[..end].to_owned())
        })
        .collect()
}

/// The text of every `<pre><code>` block, entities decoded.
fn code_blocks(html: &str) -> Vec<String> {
    html.split("<pre tabindex=\"0\"><code>")
        .skip(1)
        .filter_map(|block| block.split("</code></pre>").next())
        .map(unescape)
        .collect()
}

/// Undoes the template engine's HTML escaping (askama writes `&#38;` for
/// `&`, `&#34;` for `"`), so tests compare text rather than one escaper's
/// choice of entities.
fn unescape(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

async fn root_is_a_page_for_browsers_and_json_for_clients(app: TestApp) {
    let (status, headers, html) = page(&app, "/").await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert!(headers["vary"].to_str().unwrap().contains("Accept"));
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("style-src 'self'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains(r#"<html lang="de">"#));
    // The live counts, as the JSON root says them.
    let json = app.get_json("/").await;
    for (collection, count) in json["counts"].as_object().unwrap() {
        assert!(
            html.contains(&format!(r#"data-collection="{collection}">{count}<"#)),
            "{collection}: {count}"
        );
    }
    // The latest changes: the newest entry of the feed, linked.
    let feed = app.get_json("/api/v1/changes?limit=1000").await;
    let newest = feed["items"].as_array().unwrap().last().unwrap();
    let (collection, id) = (
        newest["collection"].as_str().unwrap(),
        newest["id"].as_str().unwrap(),
    );
    // An offer links to its page, any other record to the API.
    let link = match collection {
        "offers" => format!("/offers/{id}?lang=de"),
        _ => format!("/api/v1/{collection}/{id}"),
    };
    assert!(
        html.contains(&link),
        "newest change {newest} not on the page"
    );
    for link in [
        "/docs/",
        "/graphiql",
        "/catalog",
        "/finder",
        "/downloads/offers.csv",
    ] {
        assert!(html.contains(&format!("href=\"{link}")), "{link}");
    }
    // English on request.
    let (_, headers, html) = page(&app, "/?lang=en").await;
    assert_eq!(headers["content-language"], "en");
    assert!(html.contains(r#"<html lang="en">"#) && html.contains("Latest changes"));
    // JSON for clients: no Accept, */*, application/json, JSON preferred.
    for accept in [
        None,
        Some("*/*"),
        Some("application/json"),
        Some("application/json, text/html;q=0.5"),
    ] {
        let mut request = app.client.get(format!("{}/", app.address));
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        let response = request.send().await.unwrap();
        assert_eq!(
            response.headers()["content-type"],
            "application/json",
            "{accept:?}"
        );
    }
}

async fn the_examples_on_the_root_page_work(app: TestApp) {
    let (_, _, html) = page(&app, "/").await;
    let blocks = code_blocks(&html);
    assert_eq!(blocks.len(), 4, "curl, GraphQL, Python, JavaScript");
    // curl: the URL answers with offers.
    let url = blocks[0].split('\'').nth(1).expect("a quoted URL");
    assert!(url.starts_with(&app.address), "{url}");
    let list: Value = app
        .client
        .get(url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!list["items"].as_array().unwrap().is_empty(), "{list}");
    // GraphQL: the body the example sends.
    let body = blocks[1]
        .split("-d '")
        .nth(1)
        .and_then(|b| b.strip_suffix('\''))
        .expect("a -d body");
    let body: Value = serde_json::from_str(body).expect("the example's body is JSON");
    let answer: Value = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(answer.get("errors").is_none(), "{answer}");
    assert!(
        !answer["data"]["offers"]["nodes"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Python and JavaScript, run as they stand.
    let python = tokio::process::Command::new("python3")
        .args(["-c", &blocks[2]])
        .output()
        .await
        .expect("python3");
    assert!(
        python.status.success(),
        "{}",
        String::from_utf8_lossy(&python.stderr)
    );
    assert!(String::from_utf8_lossy(&python.stdout).lines().count() >= 1);
    match tokio::process::Command::new("node")
        .args(["--input-type=module", "-e", &blocks[3]])
        .output()
        .await
    {
        Ok(node) => {
            assert!(
                node.status.success(),
                "{}",
                String::from_utf8_lossy(&node.stderr)
            );
            assert!(String::from_utf8_lossy(&node.stdout).contains('['));
        }
        Err(_) => assert!(
            std::env::var_os("CI").is_none(),
            "CI has node (npm installs the tools)"
        ),
    }
}

/// The offers the finder lists for `query`, by slug, in order.
async fn finder_slugs(app: &TestApp, query: &str) -> Vec<String> {
    let (status, _, html) = page(app, &format!("/finder?{query}")).await;
    assert_eq!(status, 200, "{query}: {html}");
    attributes(&html, "data-offer")
        .into_iter()
        .map(|href| href.trim_start_matches("/api/v1/offers/").to_owned())
        .collect()
}

/// The offers `POST /api/v1/match` returns for `profile`, by slug, in order
/// (`limit` 100, as the finder asks).
async fn match_slugs(app: &TestApp, mut profile: Value, lang: &str) -> Vec<String> {
    profile["limit"] = json!(100);
    let answer: Value = app
        .client
        .post(format!("{}/api/v1/match?lang={lang}", app.address))
        .json(&profile)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{answer}"))
        .iter()
        .map(|m| m["offer"]["slug"].as_str().unwrap().to_owned())
        .collect()
}

async fn the_finder_lists_what_the_match_api_returns(app: TestApp) {
    let cases = [
        (
            "region=bielefeld&role=works_council",
            json!({"region": "bielefeld", "role": "works_council"}),
        ),
        (
            "region=05711&role=works_council&lang=en",
            json!({"region": "05711", "role": "works_council"}),
        ),
        (
            "region=koeln&role=sme&employees=40&topic=digitalisierung&topic=arbeit-40&need=K%C3%BCnstliche+Intelligenz+im+Betrieb",
            json!({"region": "koeln", "role": "sme", "employees": 40, "topics": ["digitalisierung", "arbeit-40"], "need": "Künstliche Intelligenz im Betrieb"}),
        ),
        (
            "region=nordrhein-westfalen&role=sme&free=1",
            json!({"region": "nordrhein-westfalen", "role": "sme", "budget": "free_only"}),
        ),
    ];
    for (query, profile) in cases {
        // Equal scores are ordered by title, in the answer's language.
        let lang = if query.contains("lang=en") {
            "en"
        } else {
            "de"
        };
        let expected = match_slugs(&app, profile, lang).await;
        assert!(!expected.is_empty(), "{query}: the seed has offers for it");
        assert_eq!(finder_slugs(&app, query).await, expected, "{query}");
    }
    // Reasons in plain German, English with lang=en.
    let (_, _, html) = page(&app, "/finder?region=bielefeld&role=works_council").await;
    assert!(html.contains("gilt für ganz"), "German reasons");
    assert!(!html.contains("serves all of"));
    let (_, _, html) = page(&app, "/finder?region=bielefeld&role=works_council&lang=en").await;
    assert!(html.contains("serves all of"), "English reasons");
}

async fn the_finder_shows_bad_profiles_back(app: TestApp) {
    // Nothing asked: the form alone.
    let (status, _, html) = page(&app, "/finder").await;
    assert_eq!(status, 200);
    assert!(html.contains("<form") && !html.contains("id=\"results\""));
    // Faults named on the page, the input shown back, escaped.
    for (query, field) in [
        ("region=&role=works_council", "region"),
        ("region=bielefeld&role=pilot", "role"),
        ("region=bielefeld&role=sme&employees=many", "employees"),
        ("region=nowhere-at-all&role=sme", "region"),
        ("region=bielefeld&role=sme&employees=-3", "employees"),
    ] {
        let (status, headers, html) = page(&app, &format!("/finder?{query}")).await;
        assert_eq!(status, 422, "{query}");
        assert_eq!(headers["content-type"], "text/html; charset=utf-8");
        assert!(html.contains("role=\"alert\""), "{query}");
        // Named in the summary (a link to the field) and at the field.
        assert!(
            html.contains(&format!("<li><a href=\"#{field}\">")),
            "{query}: {field} not named"
        );
        assert!(
            html.contains(&format!("id=\"{field}-error\"")),
            "{query}: no message at {field}"
        );
        assert!(!html.contains('`'), "{query}: the API's backticks");
    }
    // A need longer than the box takes (a URL written by hand): named, as
    // the form's `maxlength` would have prevented it.
    let long = "Digitalisierung ".repeat(40);
    let (status, _, html) = page(
        &app,
        &format!("/finder?region=bielefeld&role=sme&need={long}"),
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("<li><a href=\"#need\">") && html.contains("höchstens 500 Zeichen"));
    // Every fault at once, each field marked invalid for assistive
    // technology and tied to its message.
    let (status, _, html) = page(&app, "/finder?region=Atlantis&role=&employees=viele").await;
    assert_eq!(status, 422);
    for field in ["region", "role", "employees"] {
        let tag = html
            .split(&format!("id=\"{field}\""))
            .nth(1)
            .and_then(|rest| rest.split('>').next())
            .unwrap_or_else(|| panic!("{field}"));
        assert!(tag.contains("aria-invalid=\"true\""), "{field}: {tag}");
        assert!(tag.contains(&format!("{field}-error")), "{field}: {tag}");
    }
    assert!(
        html.contains("Atlantis") && html.contains("kennen wir nicht"),
        "German, with the value"
    );
    let (_, _, html) = page(
        &app,
        "/finder?region=bielefeld&role=sme&need=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    )
    .await;
    assert!(!html.contains("<script>alert(1)"), "the need is escaped");
    assert!(
        html.contains("&lt;script&gt;alert(1)") || html.contains("&#60;script&#62;alert(1)"),
        "and shown back"
    );
}

async fn pages_have_their_assets_and_no_inline_code(app: TestApp) {
    let css = app.get("/assets/lotse.css").await;
    assert_eq!(css.status(), 200);
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    assert_eq!(app.get("/assets/nothing.js").await.status(), 404);
    let js = app.get("/assets/lotse.js").await;
    assert_eq!(js.status(), 200);
    assert_eq!(
        js.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    for icon in ["/assets/lotse.svg", "/favicon.ico"] {
        let response = app.get(icon).await;
        assert_eq!(response.status(), 200, "{icon}");
        assert_eq!(
            response.headers()["content-type"],
            "image/svg+xml",
            "{icon}"
        );
    }
    for path in [
        "/",
        "/finder",
        "/finder?region=bielefeld&role=sme",
        "/dashboard",
        "/offers/go-digital",
        "/no-such-page",
    ] {
        let (_, headers, html) = page(&app, path).await;
        assert!(
            html.contains(r#"<script src="/assets/lotse.js" defer></script>"#),
            "{path}"
        );
        assert!(headers.contains_key("content-security-policy"), "{path}");
        // What the policy would block: inline scripts, styles, handlers.
        assert!(
            !html.contains("<script>") && !html.contains("<style"),
            "{path}"
        );
        assert!(
            !html.contains(" style=") && !html.contains(" onclick="),
            "{path}"
        );
        // Every stylesheet and script is this server's and answers.
        for src in attributes(&html, "href")
            .into_iter()
            .chain(attributes(&html, "src"))
        {
            if src.starts_with("/assets/") {
                assert_eq!(app.get(&src).await.status(), 200, "{path}: {src}");
            }
        }
    }
}

/// Where CI keeps the pages' screenshots (`target/pages`).
fn screenshots() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/pages")
}

/// The pages in Chromium (playwright-core, `tests/browser/pages.mjs`): no
/// console errors, no failed or off-site requests, no serious or critical
/// axe-core violations (WCAG 2.1 AA rules), a screenshot of each; the
/// finder without JavaScript lists what `POST /api/v1/match` returns.
async fn the_pages_pass_in_a_real_browser(app: TestApp) {
    let repo = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    if !repo.join(".ci/tools/node_modules/playwright-core").exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI installs .ci/tools (npm ci)"
        );
        eprintln!("skipped: run `npm ci --prefix .ci/tools` for the browser tests");
        return;
    }
    let finder = "/finder?region=bielefeld&role=works_council";
    // One folder per server (the SQLite and PostgreSQL runs side by side).
    let port = app.address.rsplit(':').next().unwrap_or("0").to_owned();
    let output = tokio::process::Command::new("node")
        .arg(repo.join("tests/browser/pages.mjs"))
        .arg(&app.address)
        .arg(screenshots().join(port))
        .args([
            "/",
            finder,
            "/finder?lang=en",
            "/dashboard",
            "/dashboard?lang=en&target_group=works_council",
            &format!("nojs:{finder}"),
            "/offers/go-digital",
            "fill:/finder?region=Bielefeld&role=works_council",
            "race:/dashboard?first=gruendung&second=mitbestimmung",
        ])
        .output()
        .await
        .expect("node");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Vec<Value> = serde_json::from_slice(&output.stdout).expect("the report");
    assert_eq!(report.len(), 9);
    for page in &report {
        let path = &page["path"];
        assert_eq!(page["status"], 200, "{path}");
        for list in ["consoleErrors", "failed", "offsite"] {
            assert_eq!(page[list], json!([]), "{path}: {list}");
        }
        if page["nojs"] == true || page.get("url").is_some() {
            continue;
        }
        assert_eq!(page["sideways"], 0, "{path}: scrolls sideways at 320 px");
        let grave: Vec<&Value> = page["violations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["impact"] == "serious" || v["impact"] == "critical")
            .collect();
        assert!(grave.is_empty(), "{path}: {grave:?}");
        assert!(std::path::Path::new(page["screenshot"].as_str().unwrap()).exists());
    }
    let shown: Vec<String> = report[5]["offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|href| {
            href.as_str()
                .unwrap()
                .trim_start_matches("/api/v1/offers/")
                .to_owned()
        })
        .collect();
    let expected = match_slugs(
        &app,
        json!({"region": "bielefeld", "role": "works_council"}),
        "de",
    )
    .await;
    assert!(!expected.is_empty());
    assert_eq!(shown, expected, "the finder without JavaScript");
    // With JavaScript: a person types the name and picks the role; the
    // script shows the same offers without loading the page again, under
    // the pages' policy (no console error), and the address holds the
    // profile to share.
    let filled = &report[7];
    assert_eq!(filled["sameDocument"], true, "{filled}");
    let with_js: Vec<&str> = filled["offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap())
        .collect();
    assert_eq!(with_js, expected, "the finder with JavaScript");
    let url = filled["url"].as_str().unwrap();
    assert!(
        url.contains("region=Bielefeld") && url.contains("role=works_council"),
        "{url}"
    );
    assert!(
        filled["status_text"]
            .as_str()
            .unwrap()
            .contains("passende Angebote"),
        "announced: {filled}"
    );
    // The dashboard's answers arriving out of order: the last choice wins
    // (board, address and select agree), the older answer is dropped.
    let raced = &report[8];
    let (_, _, html) = page(&app, "/dashboard?topic=mitbestimmung").await;
    let expected_total = attributes(&html, "data-total").remove(0);
    assert_eq!(raced["topic"], "mitbestimmung", "{raced}");
    assert!(
        raced["url"]
            .as_str()
            .unwrap()
            .contains("topic=mitbestimmung"),
        "{raced}"
    );
    assert_eq!(raced["total"], expected_total.as_str(), "{raced}");
    let (_, _, html) = page(&app, "/dashboard?topic=gruendung").await;
    assert_ne!(
        attributes(&html, "data-total").remove(0),
        expected_total,
        "the two topics must differ"
    );
}

/// The `data-…` attribute `name` of every element that has `key`, by key.
fn keyed(html: &str, key: &str, name: &str) -> Vec<(String, String)> {
    let marker = format!("{key}=\"");
    html.match_indices(&marker)
        .filter_map(|(at, _)| {
            let rest = &html[at + marker.len()..];
            let value = rest[..rest.find('"')?].to_owned();
            let tag = &rest[..rest.find('>')?];
            let other = format!("{name}=\"");
            let start = tag.find(&other)? + other.len();
            let end = tag[start..].find('"')? + start;
            Some((value, tag[start..end].to_owned()))
        })
        .collect()
}

async fn the_dashboard_counts_what_the_stats_api_counts(app: TestApp) {
    for (query, filters) in [
        ("", ""),
        (
            "topic=digitalisierung&target_group=works_council&lang=en",
            "topic=digitalisierung&target_group=works_council",
        ),
    ] {
        let (status, headers, html) = page(&app, &format!("/dashboard?{query}")).await;
        assert_eq!(status, 200, "{query}");
        assert!(headers.contains_key("content-security-policy"));
        assert!(html.contains("GeoBasis-DE / BKG"), "the map's attribution");
        let stats = app
            .get_json(&format!("/api/v1/stats/offers?{filters}"))
            .await;
        assert!(
            html.contains(&format!("data-total=\"{}\"", stats["total"])),
            "{query}: total"
        );
        let today = chrono::Utc::now().date_naive();
        let open = app
            .get_json(&format!("/api/v1/stats/offers?{filters}&open_on={today}"))
            .await;
        assert!(
            html.contains(&format!("data-open=\"{}\"", open["total"])),
            "{query}: open"
        );
        // The GraphiQL link holds the same filters: its query counts as much.
        let link = attributes(&unescape(&html), "href")
            .into_iter()
            .find(|href| href.starts_with("/graphiql?"))
            .expect("a GraphiQL link");
        let asked: String = url::form_urlencoded::parse(&link.as_bytes()["/graphiql?".len()..])
            .find(|(name, _)| name == "query")
            .map(|(_, query)| query.into_owned())
            .expect("a query");
        let answer = app.graphql(&asked, json!({})).await;
        assert_eq!(
            answer["data"]["stats"]["offers"]["total"], stats["total"],
            "{query}: {asked}"
        );
        // All 53 districts, each with the offers available there.
        let districts = keyed(&html, "data-ars", "data-count");
        assert_eq!(districts.len(), 53, "{query}");
        for (ars, count) in &districts {
            let there = app
                .get_json(&format!(
                    "/api/v1/stats/offers?{filters}&region={ars}&open_on={today}"
                ))
                .await;
            assert_eq!(
                count,
                &there["total"].to_string(),
                "{query}: district {ars}"
            );
        }
        // The charts: a bar per bucket, every bucket.
        for (chart, buckets) in [
            ("topics", "by_topic"),
            ("kinds", "by_kind"),
            ("costs", "by_cost"),
            ("groups", "by_target_group"),
        ] {
            let svg = html
                .split(&format!("data-chart=\"{chart}\""))
                .nth(1)
                .and_then(|rest| rest.split("</svg>").next())
                .unwrap_or_else(|| panic!("{query}: chart {chart}"));
            let expected = stats[buckets].as_array().unwrap().len();
            assert_eq!(svg.matches("<rect").count(), expected, "{query}: {chart}");
        }
    }
    // Bad filters: a 400 page for people, a problem for clients.
    for query in ["target_group=pilots", "topic=no-such-topic"] {
        let (status, headers, html) = page(&app, &format!("/dashboard?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(headers["content-type"], "text/html; charset=utf-8");
        assert!(html.contains("ungültige Angabe"), "{query}");
        let response = app
            .client
            .get(format!("{}/dashboard?{query}", app.address))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
    }
}

async fn the_finder_takes_region_names_and_counts_beyond_the_list(app: TestApp) {
    let by_key = finder_slugs(&app, "region=05711&role=works_council").await;
    assert!(!by_key.is_empty());
    // The names people type, as the list offers them or not.
    for region in [
        "Bielefeld",
        "bielefeld",
        "BIELEFELD",
        "Bielefeld+%2805711%29",
    ] {
        assert_eq!(
            finder_slugs(&app, &format!("region={region}&role=works_council")).await,
            by_key,
            "{region}"
        );
    }
    for (name, key) in [
        ("K%C3%B6ln", "05315"),
        ("Kreis+Lippe", "05766"),
        ("lippe", "05766"),
    ] {
        assert_eq!(
            finder_slugs(&app, &format!("region={name}&role=sme")).await,
            finder_slugs(&app, &format!("region={key}&role=sme")).await,
            "{name}"
        );
    }
    // The list offers names, each with its key.
    let (_, _, html) = page(&app, "/finder").await;
    assert!(html.contains(r#"<option value="Bielefeld">05711</option>"#));
    // Every match is listed (not the API's default 20), and the heading
    // says how many apply in all.
    let (_, _, html) = page(&app, "/finder?region=nordrhein-westfalen&role=sme").await;
    let total: Value = app
        .post_json(
            "/api/v1/match",
            &json!({"region": "nordrhein-westfalen", "role": "sme", "limit": 100}),
        )
        .await
        .1;
    let listed = attributes(&html, "data-offer").len();
    assert_eq!(listed, total["items"].as_array().unwrap().len());
    assert!(
        html.contains(&format!("data-total=\"{}\"", total["total"])),
        "{total}"
    );
    // Reasons people read: topic labels and the words as written.
    let (_, _, html) = page(
        &app,
        "/finder?region=05711&role=works_council&topic=arbeit-40&need=Digitalisierung+im+Betrieb",
    )
    .await;
    assert!(html.contains("behandelt: Arbeit 4.0"), "topic label");
    assert!(!html.contains("arbeit-40</li>"), "no slug as reason");
    assert!(
        !html.contains("digitalisier,") && !html.contains("digitalisier<"),
        "no stems"
    );
}

async fn the_language_switch_keeps_the_page_and_its_query(app: TestApp) {
    let (_, _, html) = page(&app, "/finder?region=bielefeld&role=sme").await;
    assert!(
        unescape(&html).contains(r#"href="/finder?region=bielefeld&role=sme&lang=en" lang="en""#),
        "the switch keeps the profile"
    );
    // From English back to German says so, whatever Accept-Language says.
    let response = app
        .client
        .get(format!(
            "{}/dashboard?lang=en&target_group=sme",
            app.address
        ))
        .header("accept", BROWSER_ACCEPT)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    let html = response.text().await.unwrap();
    assert!(unescape(&html).contains(r#"href="/dashboard?target_group=sme&lang=de" lang="de""#));
    // Navigation and forms carry the language.
    assert!(html.contains(r#"href="/finder?lang=en""#));
    assert!(html.contains(r#"<input type="hidden" name="lang" value="en">"#));
    // Any case, with a region subtag; an unknown value falls back to
    // Accept-Language.
    for path in [
        "/finder?lang=EN",
        "/dashboard?lang=En",
        "/?lang=EN",
        "/offers/go-digital?lang=EN",
        "/finder?lang=en-GB",
        "/dashboard?lang=en_US",
    ] {
        let (status, headers, html) = page(&app, path).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(headers["content-language"], "en", "{path}");
        assert!(html.contains(r#"<html lang="en">"#), "{path}");
    }
    let (status, headers, _) = page(&app, "/?lang=xx").await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-language"], "de");
}

async fn browsers_get_error_pages_and_clients_problems(app: TestApp) {
    for (path, status, words) in [
        ("/no-such-page", 404, "Seite nicht gefunden"),
        ("/offers/no-such-offer", 404, "Seite nicht gefunden"),
        ("/no-such-page?lang=en", 404, "Page not found"),
        ("/dashboard?target_group=x", 400, "ungültige Angabe"),
    ] {
        let (got, headers, html) = page(&app, path).await;
        assert_eq!(got, status, "{path}");
        assert_eq!(
            headers["content-type"], "text/html; charset=utf-8",
            "{path}"
        );
        assert!(headers.contains_key("content-security-policy"), "{path}");
        assert_eq!(headers["cache-control"], "no-store", "{path}");
        assert!(html.contains(words), "{path}");
        assert!(html.contains(r#"href="/?lang="#), "{path}: the way back");
    }
    // Another method on a page (or on `/`): 405 with `Allow`, as a page for
    // a browser and as a problem for a client (RFC 9110 §15.5.6).
    for path in [
        "/",
        "/finder",
        "/dashboard",
        "/offers/go-digital",
        "/assets/lotse.css",
    ] {
        for method in [reqwest::Method::POST, reqwest::Method::DELETE] {
            let response = app
                .client
                .request(method.clone(), format!("{}{path}", app.address))
                .header("accept", BROWSER_ACCEPT)
                .send()
                .await
                .expect("request");
            assert_eq!(response.status(), 405, "{method} {path}");
            assert_eq!(response.headers()["allow"], "GET, HEAD, OPTIONS", "{path}");
            assert_eq!(
                response.headers()["content-type"],
                "text/html; charset=utf-8",
                "{method} {path}"
            );
            assert!(
                response
                    .text()
                    .await
                    .unwrap()
                    .contains("Methode nicht erlaubt")
            );
        }
        let response = app
            .client
            .post(format!("{}{path}", app.address))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 405, "POST {path}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
    }
    // Under /api/ and for clients, problems as ever.
    let (status, headers, _) = page(&app, "/api/v1/offers/no-such-offer").await;
    assert_eq!(status, 404);
    assert_eq!(headers["content-type"], "application/problem+json");
    let response = app.get("/no-such-page").await;
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
}

async fn an_offer_has_a_page_with_its_record(app: TestApp) {
    let record = app.get_json("/api/v1/offers/go-digital").await;
    for key in ["go-digital", record["id"].as_str().unwrap()] {
        let (status, _, html) = page(&app, &format!("/offers/{key}")).await;
        assert_eq!(status, 200, "{key}");
        for text in [
            record["title"].as_str().unwrap(),
            record["provider"]["name"].as_str().unwrap(),
            "/api/v1/offers/go-digital?lang=de",
        ] {
            assert!(unescape(&html).contains(text), "{key}: {text}");
        }
        if let Some(url) = record["url"].as_str() {
            assert!(html.contains(url), "{key}: the provider's page");
        }
    }
    // The finder links each offer to its page.
    let (_, _, html) = page(&app, "/finder?region=05711&role=sme").await;
    let first = attributes(&html, "data-offer").remove(0);
    assert!(html.contains(&format!(r#"<a href="/offers/{first}?lang=de">"#)));
    assert_eq!(page(&app, &format!("/offers/{first}")).await.0, 200);
}

async fn pages_are_revalidated_and_assets_validated(app: TestApp) {
    for path in [
        "/",
        "/finder?region=05711&role=sme",
        "/dashboard",
        "/offers/go-digital",
    ] {
        let (status, headers, _) = page(&app, path).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(headers["cache-control"], "no-cache", "{path}");
        let tag = headers["etag"].to_str().unwrap().to_owned();
        let again = app
            .client
            .get(format!("{}{path}", app.address))
            .header("accept", BROWSER_ACCEPT)
            .header("if-none-match", &tag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
    }
    for path in ["/assets/lotse.css", "/assets/lotse.js"] {
        let response = app.get(path).await;
        let tag = response.headers()["etag"].to_str().unwrap().to_owned();
        let again = app
            .client
            .get(format!("{}{path}", app.address))
            .header("if-none-match", &tag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
    }
}
