//! Open-data publishing: the DCAT-AP.de catalogue (validated with the
//! official shapes by `../shared/dcat-ap-de/validate.py`), the bulk
//! downloads and CSV list pages.
use std::path::PathBuf;

use serde_json::Value;

use crate::helpers::{TestApp, slugs_of};
use crate::shared_tests;

crate::private_tests!(seeded: true; a_licence_outside_the_list_is_a_violation);

shared_tests!(
    catalog_validates_in_every_syntax,
    catalog_is_negotiated_and_names_what_the_issue_asks,
    downloads_hold_the_records_of_the_api,
    downloads_apply_filters_sort_and_language,
    offers_csv_reads_back_with_one_row_per_offer,
    list_pages_come_as_csv_when_asked,
    bad_publishing_requests_are_problems,
    downloads_are_validated_by_the_data_version,
    records_are_linked_data_in_schema_org,
    the_calendar_lists_the_deadlines_of_matching_offers,
);

/// The DCAT-AP.de validation kit: `LOTSE_DCAT_AP_DE_KIT`, else
/// `shared/dcat-ap-de` beside the checkout or one of its ancestors.
fn kit() -> PathBuf {
    if let Some(dir) = std::env::var_os("LOTSE_DCAT_AP_DE_KIT") {
        return dir.into();
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .map(|dir| dir.join("shared/dcat-ap-de"))
        .chain([PathBuf::from("/work/shared/dcat-ap-de")])
        .find(|dir| dir.join("validate.py").exists())
        .expect("the DCAT-AP.de kit: set LOTSE_DCAT_AP_DE_KIT to the folder with validate.py")
}

/// A fresh temporary directory.
fn temp_dir(name: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("lotse-{name}-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `python3` with `args`; panics with its output unless it exits 0.
async fn python(args: &[&str]) -> String {
    let output = tokio::process::Command::new("python3")
        .args(args)
        .output()
        .await
        .expect("python3");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "python3 {args:?} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    stdout
}

/// The catalogue in every syntax, saved as `catalog.{ext}` in a new folder.
async fn saved_catalog(app: &TestApp) -> PathBuf {
    let dir = temp_dir("catalog");
    for (ext, media_type) in [
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("rdf", "application/rdf+xml"),
    ] {
        let response = app.get(&format!("/catalog.{ext}")).await;
        assert_eq!(response.status(), 200, "/catalog.{ext}");
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            content_type.starts_with(media_type),
            "{ext}: {content_type}"
        );
        let body = response.bytes().await.unwrap();
        std::fs::write(dir.join(format!("catalog.{ext}")), &body).unwrap();
    }
    dir
}

async fn catalog_validates_in_every_syntax(app: TestApp) {
    let dir = saved_catalog(&app).await;
    let validator = kit().join("validate.py");
    let count = regex::Regex::new(r"\((\d+) triples\)").unwrap();
    for ext in ["ttl", "jsonld", "rdf"] {
        let file = dir.join(format!("catalog.{ext}"));
        let report = python(&[validator.to_str().unwrap(), file.to_str().unwrap()]).await;
        assert!(report.contains("Violations: 0"), "{ext}:\n{report}");
        // An empty file has no violations either.
        let triples: usize = count
            .captures(&report)
            .and_then(|c| c[1].parse().ok())
            .unwrap_or(0);
        assert!(triples > 300, "{ext}: {triples} triples\n{report}");
    }
    // The three syntaxes are one graph.
    let script = r#"
import sys, rdflib
from rdflib.compare import isomorphic
graphs = [rdflib.Graph().parse(sys.argv[1] + "/catalog." + ext, format=fmt)
          for ext, fmt in (("ttl", "turtle"), ("jsonld", "json-ld"), ("rdf", "xml"))]
print(len(graphs[0]), all(isomorphic(graphs[0], g) for g in graphs[1:]))
"#;
    let out = python(&["-c", script, dir.to_str().unwrap()]).await;
    let mut words = out.split_whitespace();
    let triples: usize = words.next().unwrap().parse().unwrap();
    assert!(triples > 300, "{out}");
    assert_eq!(words.next(), Some("True"), "the syntaxes differ: {out}");
    let _ = std::fs::remove_dir_all(dir);
}

/// The validation can fail: a catalogue whose licence and contributor are
/// not in the dcat-ap.de lists breaks Konventionen 31 and 12/13.
async fn a_licence_outside_the_list_is_a_violation(app: TestApp) {
    let app = app
        .replica(|settings| {
            settings.catalog.license = "made-up/1.0".into();
            settings.catalog.contributor_id = "nobodyInParticular".into();
        })
        .await;
    let body = app.get("/catalog.ttl").await.bytes().await.unwrap();
    let dir = temp_dir("bad-catalog");
    let file = dir.join("catalog.ttl");
    std::fs::write(&file, &body).unwrap();
    let output = tokio::process::Command::new("python3")
        .arg(kit().join("validate.py"))
        .arg(&file)
        .output()
        .await
        .unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    let _ = std::fs::remove_dir_all(dir);
    assert_eq!(output.status.code(), Some(1), "{report}");
    assert!(report.contains("K31"), "{report}");
    assert!(report.contains("contributorID"), "{report}");
    // `/` states the licence the catalogue states.
    let root = app.get_json("/").await;
    assert_eq!(root["license"], "made-up/1.0");
    assert_eq!(
        root["license_url"],
        "http://dcat-ap.de/def/licenses/made-up/1.0"
    );
}

async fn catalog_is_negotiated_and_names_what_the_issue_asks(app: TestApp) {
    for (accept, expected) in [
        (None, "text/turtle"),
        (Some("*/*"), "text/turtle"),
        (Some("application/ld+json"), "application/ld+json"),
        (
            Some("application/rdf+xml;q=0.9, text/turtle;q=0.5"),
            "application/rdf+xml",
        ),
        (Some("text/html"), "text/turtle"),
        (Some("application/json"), "application/ld+json"),
        (
            Some("application/xml;q=0.5, text/turtle;q=0.4"),
            "application/rdf+xml",
        ),
    ] {
        let mut request = app.client.get(format!("{}/catalog", app.address));
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        let content_type = response.headers()["content-type"].to_str().unwrap();
        assert!(
            content_type.starts_with(expected),
            "{accept:?}: {content_type}"
        );
        let vary = response.headers()["vary"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase();
        assert!(vary.contains("accept"), "{vary}");
    }

    let dir = saved_catalog(&app).await;
    let script = r#"
import sys, json, rdflib
g = rdflib.Graph().parse(sys.argv[1] + "/catalog.ttl", format="turtle")
q = lambda text: [[str(v) for v in row] for row in g.query(text, initNs={
    "dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/"})]
print(json.dumps({
  "datasets": q("SELECT ?d WHERE { ?c a dcat:Catalog ; dcat:dataset ?d . ?d a dcat:Dataset }"),
  "distributions": q("SELECT ?x ?l WHERE { ?d dcat:distribution ?x . ?x a dcat:Distribution ; dct:license ?l }"),
  "service": q("SELECT ?e ?u WHERE { ?s a dcat:DataService ; dcat:endpointDescription ?e ; dcat:endpointURL ?u }"),
  "served": q("SELECT ?d WHERE { ?s a dcat:DataService ; dcat:servesDataset ?d }"),
  "modified": q("SELECT ?d ?m WHERE { ?d a dcat:Dataset ; dct:modified ?m }"),
  "downloads": q("SELECT ?u WHERE { ?x dcat:downloadURL ?u }"),
}))
"#;
    let out: Value =
        serde_json::from_str(&python(&["-c", script, dir.to_str().unwrap()]).await).unwrap();
    let _ = std::fs::remove_dir_all(dir);
    assert_eq!(out["datasets"].as_array().unwrap().len(), 6, "{out}");
    let distributions = out["distributions"].as_array().unwrap();
    assert!(distributions.len() >= 18, "{out}");
    for row in distributions {
        assert!(
            row[1]
                .as_str()
                .unwrap()
                .starts_with("http://dcat-ap.de/def/licenses/"),
            "{row}"
        );
    }
    assert_eq!(
        out["service"][0][0].as_str(),
        Some(format!("{}/openapi.json", app.address).as_str())
    );
    assert_eq!(out["served"].as_array().unwrap().len(), 6);
    // The API's endpoint answers, with what `/` says.
    let endpoint = out["service"][0][1].as_str().unwrap();
    let api = app
        .get_json(endpoint.strip_prefix(&app.address).unwrap())
        .await;
    let root = app.get_json("/").await;
    assert_eq!(api["counts"], root["counts"]);
    assert_eq!(root["links"]["api"], endpoint);
    // Every download the catalogue names is served.
    for row in out["downloads"].as_array().unwrap() {
        let url = row[0].as_str().unwrap();
        let path = url.strip_prefix(&app.address).expect(url);
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{url}");
    }
    // A dataset's `dct:modified` is its latest change in the change log.
    let mut latest = std::collections::HashMap::<String, chrono::DateTime<chrono::Utc>>::new();
    let mut since = 0;
    loop {
        let feed = app
            .get_json(&format!("/api/v1/changes?since={since}&limit=1000"))
            .await;
        for change in feed["items"].as_array().unwrap() {
            let at: chrono::DateTime<chrono::Utc> =
                change["changed_at"].as_str().unwrap().parse().unwrap();
            let entry = latest
                .entry(change["collection"].as_str().unwrap().to_owned())
                .or_insert(at);
            *entry = (*entry).max(at);
        }
        since = feed["next_cursor"].as_str().unwrap().parse().unwrap();
        if !feed["has_more"].as_bool().unwrap() {
            break;
        }
    }
    for row in out["modified"].as_array().unwrap() {
        let dataset = row[0].as_str().unwrap();
        let collection = dataset.rsplit("dataset-").next().unwrap();
        let modified: chrono::DateTime<chrono::Utc> = row[1].as_str().unwrap().parse().unwrap();
        let expected = latest[collection];
        assert_eq!(modified.timestamp(), expected.timestamp(), "{dataset}");
    }
}

const COLLECTIONS: [&str; 6] = [
    "partners", "regions", "topics", "projects", "offers", "meetings",
];

async fn downloads_hold_the_records_of_the_api(app: TestApp) {
    for collection in COLLECTIONS {
        let records = app.collect_all(&format!("/api/v1/{collection}"), 100).await;
        assert!(!records.is_empty());

        let response = app.get(&format!("/downloads/{collection}.ndjson")).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/x-ndjson");
        let today = chrono::Utc::now().date_naive();
        assert_eq!(
            response.headers()["content-disposition"],
            format!("attachment; filename=\"lotse-{collection}-{today}.ndjson\"").as_str()
        );
        let text = response.text().await.unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines, records, "{collection}.ndjson");

        let json: Value = app.get_json(&format!("/downloads/{collection}.json")).await;
        assert_eq!(json.as_array().unwrap(), &records, "{collection}.json");

        let response = app.get(&format!("/downloads/{collection}.csv")).await;
        assert_eq!(
            response.headers()["content-type"],
            "text/csv; charset=utf-8; header=present"
        );
        let text = response.text().await.unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers = reader.headers().unwrap().clone();
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), records.len(), "{collection}.csv");
        let column = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .unwrap_or_else(|| panic!("{collection}.csv has no `{name}`: {headers:?}"))
        };
        let (id, slug) = (column("id"), column("slug"));
        for (row, record) in rows.iter().zip(&records) {
            assert_eq!(row[id], record["id"], "{collection}");
            assert_eq!(row[slug], record["slug"], "{collection}");
        }
        assert!(text.ends_with("\r\n"), "RFC 4180 line ends");

        // A list column splits (at unescaped `;`) into the JSON list, and
        // the columns of one list line up.
        let split = |cell: &str| -> Vec<String> {
            if cell.is_empty() {
                return Vec::new();
            }
            let (mut parts, mut part, mut chars) = (Vec::new(), String::new(), cell.chars());
            while let Some(c) = chars.next() {
                match c {
                    '\\' => part.extend(chars.next()),
                    ';' => parts.push(std::mem::take(&mut part)),
                    c => part.push(c),
                }
            }
            parts.push(part);
            parts
        };
        for (row, record) in rows.iter().zip(&records) {
            for (list, fields) in record.as_object().unwrap() {
                let Some(items) = fields.as_array() else {
                    continue;
                };
                let group: Vec<usize> = headers
                    .iter()
                    .enumerate()
                    .filter(|(_, h)| *h == list || h.starts_with(&format!("{list}_")))
                    .map(|(i, _)| i)
                    .collect();
                for &i in &group {
                    let cells = split(&row[i]);
                    // An empty cell is no value or one empty value.
                    let count = if cells.is_empty() && items.len() == 1 {
                        1
                    } else {
                        cells.len()
                    };
                    if items.is_empty() {
                        assert!(cells.is_empty(), "{collection}.{}", &headers[i]);
                    } else {
                        assert_eq!(
                            count,
                            items.len(),
                            "{collection}.{}: {}",
                            &headers[i],
                            &row[i]
                        );
                    }
                }
                if items.first().is_some_and(Value::is_string) {
                    let cells = split(&row[group[0]]);
                    let texts: Vec<&str> = items.iter().map(|v| v.as_str().unwrap()).collect();
                    assert_eq!(cells, texts, "{collection}.{list}");
                }
            }
        }
    }
}

async fn downloads_apply_filters_sort_and_language(app: TestApp) {
    let query = "region=05711&target_group=works_council&sort=-updated_at";
    let records = app
        .collect_all(&format!("/api/v1/offers?{query}&lang=en"), 100)
        .await;
    assert!(!records.is_empty());
    let text = app
        .get(&format!("/downloads/offers.ndjson?{query}&lang=en"))
        .await
        .text()
        .await
        .unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        slugs_of(&Value::from(lines.clone())),
        slugs_of(&Value::from(records.clone()))
    );
    assert_eq!(lines, records);

    // The CSV spreads the provider and joins the regions an offer serves.
    let response = app
        .get(&format!("/downloads/offers.csv?{query}&lang=en"))
        .await;
    assert_eq!(response.headers()["content-language"], "en");
    let text = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let at = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name}: {headers:?}"))
    };
    let (title, provider_slug, provider_name, regions, groups) = (
        at("title"),
        at("provider_slug"),
        at("provider_name"),
        at("regions_slug"),
        at("target_groups"),
    );
    for (row, record) in reader.records().map(Result::unwrap).zip(&records) {
        assert_eq!(row[title], record["title"]);
        assert_eq!(row[provider_slug], record["provider"]["slug"]);
        assert_eq!(row[provider_name], record["provider"]["name"]);
        let region_slugs: Vec<&str> = record["regions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["slug"].as_str().unwrap())
            .collect();
        assert_eq!(&row[regions], region_slugs.join(";"));
        let target_groups: Vec<&str> = record["target_groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g.as_str().unwrap())
            .collect();
        assert_eq!(&row[groups], target_groups.join(";"));
        assert!(row[groups].contains("works_council"));
    }
}

async fn offers_csv_reads_back_with_one_row_per_offer(app: TestApp) {
    let total = app
        .get_json("/api/v1/offers?include_total=true&limit=1")
        .await["total"]
        .as_u64()
        .unwrap();
    let dir = temp_dir("csv");
    let file = dir.join("offers.csv");
    let body = app
        .get("/downloads/offers.csv")
        .await
        .bytes()
        .await
        .unwrap();
    std::fs::write(&file, &body).unwrap();
    // Python's csv module, as a spreadsheet import would, in strict mode.
    let script = r#"
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f, strict=True))
widths = {len(r) for r in rows}
assert len(widths) == 1, widths
print(len(rows) - 1)
"#;
    let rows: u64 = python(&["-c", script, file.to_str().unwrap()])
        .await
        .trim()
        .parse()
        .unwrap();
    let _ = std::fs::remove_dir_all(dir);
    assert_eq!(rows, total);
}

async fn list_pages_come_as_csv_when_asked(app: TestApp) {
    let response = app
        .client
        .get(format!(
            "{}/api/v1/offers?limit=5&fields=slug,title,provider",
            app.address
        ))
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let link = response.headers()["link"].to_str().unwrap().to_owned();
    assert!(link.contains("rel=\"next\""), "{link}");
    let text = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(headers[..2], ["slug", "title"]);
    assert!(
        headers[2..].iter().all(|h| h.starts_with("provider_")),
        "{headers:?}"
    );
    let page = app.get_json("/api/v1/offers?limit=5").await;
    let slugs: Vec<String> = reader.records().map(|r| r.unwrap()[0].to_owned()).collect();
    assert_eq!(slugs, slugs_of(&page["items"]));

    // JSON stays the default, and wins when preferred.
    let response = app
        .client
        .get(format!("{}/api/v1/offers?limit=5", app.address))
        .header("accept", "application/json, text/csv;q=0.5")
        .send()
        .await
        .unwrap();
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
}

async fn bad_publishing_requests_are_problems(app: TestApp) {
    for (path, status) in [
        ("/downloads/offers.xlsx", 404),
        ("/downloads/nothing.csv", 404),
        ("/catalog.xml", 404),
        ("/downloads/offers.csv?limit=5", 400),
        ("/downloads/offers.csv?cursor=abc", 400),
        ("/downloads/offers.csv?sort=nonsense", 400),
        ("/downloads/offers.csv?target_group=nobody", 400),
        ("/downloads/partners.json?fields=slug", 400),
        ("/catalog?format=ttl", 400),
        ("/catalog.ttl?x=1", 400),
    ] {
        let problem = app.get_problem(path, status).await;
        assert_eq!(problem["status"], status, "{path}: {problem}");
    }
    // The same refusal as the list's, for the same filter.
    let list = app
        .get("/api/v1/offers?region=nowhere")
        .await
        .status()
        .as_u16();
    let download = app.get("/downloads/offers.csv?region=nowhere").await;
    assert_eq!(download.status().as_u16(), list);
    assert_eq!(
        download.headers()["content-type"],
        "application/problem+json"
    );
}

async fn downloads_are_validated_by_the_data_version(app: TestApp) {
    for path in ["/downloads/offers.csv", "/catalog.ttl"] {
        let first = app.get(path).await;
        let etag = first.headers()["etag"].to_str().unwrap().to_owned();
        let again = app
            .client
            .get(format!("{}{path}", app.address))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
    }
}

/// `path` as JSON-LD, parsed by rdflib; the answer of `sparql` over it
/// (one JSON array per row).
async fn linked_data(app: &TestApp, path: &str, sparql: &str) -> (Value, Value) {
    let response = app
        .client
        .get(format!("{}{path}", app.address))
        .header("accept", "application/ld+json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(
        response.headers()["content-type"],
        "application/ld+json",
        "{path}"
    );
    assert!(response.headers().contains_key("etag"), "{path}");
    let body = response.text().await.unwrap();
    let dir = temp_dir("jsonld");
    let file = dir.join("record.jsonld");
    std::fs::write(&file, &body).unwrap();
    let script = r#"
import sys, json, rdflib
g = rdflib.Graph().parse(sys.argv[1], format="json-ld")
rows = g.query(sys.argv[2], initNs={"schema": "https://schema.org/"})
print(json.dumps([[str(v) if v is not None else None for v in row] for row in rows]))
"#;
    let out = python(&["-c", script, file.to_str().unwrap(), sparql]).await;
    let _ = std::fs::remove_dir_all(dir);
    (
        serde_json::from_str(&body).unwrap(),
        serde_json::from_str(&out).unwrap(),
    )
}

async fn records_are_linked_data_in_schema_org(app: TestApp) {
    // An offer for works councils in Bielefeld: provider, regions, audience.
    let offers = app
        .get_json("/api/v1/offers?region=05711&target_group=works_council&limit=1")
        .await;
    let offer = &offers["items"][0];
    let (_, rows) = linked_data(
        &app,
        &format!("/api/v1/offers/{}", offer["slug"].as_str().unwrap()),
        "SELECT ?s ?provider ?name ?area ?audience WHERE { ?s a schema:Service ; \
         schema:provider ?provider ; schema:areaServed ?area ; schema:audience ?a . \
         ?provider schema:name ?name . ?a schema:audienceType ?audience }",
    )
    .await;
    let rows = rows.as_array().unwrap();
    assert!(!rows.is_empty(), "no provider, region or audience");
    assert!(
        rows.iter().all(|r| r[0] == offer["uri"]),
        "@id is the record's URI: {rows:?}"
    );
    let provider = format!(
        "{}/api/v1/partners/{}",
        app.address,
        offer["provider"]["id"].as_str().unwrap()
    );
    assert!(
        rows.iter()
            .all(|r| r[1] == provider.as_str() && r[2] == offer["provider"]["name"])
    );
    let areas: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r[3].as_str().unwrap()).collect();
    let expected: std::collections::BTreeSet<String> = offer["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{}/api/v1/regions/{}",
                app.address,
                r["id"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(areas, expected.iter().map(String::as_str).collect());
    assert!(
        rows.iter().any(|r| r[4] == "Betriebs- und Personalräte"),
        "{rows:?}"
    );

    // The other collections, each with its type and key facts.
    let (_, rows) = linked_data(
        &app,
        "/api/v1/regions/05711",
        "SELECT ?s ?key WHERE { ?s a schema:AdministrativeArea ; schema:identifier ?key ; schema:containedInPlace ?p }",
    )
    .await;
    let region = app.get_json("/api/v1/regions/05711").await;
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .any(|r| r[0] == region["uri"] && r[1] == "05711"),
        "{rows}"
    );
    let (_, rows) = linked_data(
        &app,
        "/api/v1/partners/mags?lang=en",
        "SELECT ?name WHERE { ?s a schema:GovernmentOrganization ; schema:name ?name }",
    )
    .await;
    assert!(
        rows[0][0]
            .as_str()
            .unwrap()
            .starts_with("Ministry of Labour"),
        "{rows}"
    );
    let meeting = &app.get_json("/api/v1/meetings?limit=1").await["items"][0];
    let (_, rows) = linked_data(
        &app,
        &format!("/api/v1/meetings/{}", meeting["slug"].as_str().unwrap()),
        "SELECT ?date WHERE { ?s a schema:Event ; schema:startDate ?date }",
    )
    .await;
    assert_eq!(rows[0][0], meeting["date"]);
    for collection in ["projects", "topics"] {
        let record = &app.get_json(&format!("/api/v1/{collection}?limit=1")).await["items"][0];
        let (_, rows) = linked_data(
            &app,
            &format!("/api/v1/{collection}/{}", record["slug"].as_str().unwrap()),
            "SELECT ?s ?name WHERE { ?s schema:name ?name }",
        )
        .await;
        assert!(
            rows.as_array()
                .unwrap()
                .iter()
                .any(|r| r[0] == record["uri"]),
            "{collection}: {rows}"
        );
    }
    // JSON stays the default.
    let response = app.get("/api/v1/partners/mags").await;
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
}

/// The events of `/calendar.ics{query}`, parsed back by Python's
/// `icalendar`: `[uid, start day, summary, last-modified]` per event.
async fn calendar_events(app: &TestApp, query: &str) -> Vec<Value> {
    let response = app.get(&format!("/calendar.ics{query}")).await;
    assert_eq!(response.status(), 200, "{query}");
    assert_eq!(
        response.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    let body = response.bytes().await.unwrap();
    let again = app
        .get(&format!("/calendar.ics{query}"))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(body, again, "the same data gives the same calendar");
    let dir = temp_dir("ics");
    let file = dir.join("lotse.ics");
    std::fs::write(&file, &body).unwrap();
    let script = r#"
import sys, json, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
assert str(cal["VERSION"]) == "2.0" and "Lotse" in str(cal["PRODID"])
out = []
for e in cal.walk("VEVENT"):
    start, end = e.decoded("DTSTART"), e.decoded("DTEND")
    assert (end - start).days == 1, (start, end)
    out.append([str(e["UID"]), start.isoformat(), str(e["SUMMARY"]),
                e.decoded("LAST-MODIFIED").isoformat() if "LAST-MODIFIED" in e else None])
print(json.dumps(out))
"#;
    let out = python(&["-c", script, file.to_str().unwrap()]).await;
    let _ = std::fs::remove_dir_all(dir);
    serde_json::from_str::<Vec<Value>>(&out).unwrap()
}

async fn the_calendar_lists_the_deadlines_of_matching_offers(app: TestApp) {
    use std::collections::BTreeSet;
    let filter = "region=05711&target_group=works_council";
    let offers = app
        .collect_all(&format!("/api/v1/offers?{filter}"), 100)
        .await;
    let meetings = app.collect_all("/api/v1/meetings", 100).await;
    let expected = |offers: &[Value], with_meetings: bool| -> BTreeSet<(String, String)> {
        let mut events = BTreeSet::new();
        for offer in offers {
            let id = offer["id"].as_str().unwrap();
            for (field, what) in [
                ("application_deadline", "application-deadline"),
                ("valid_until", "valid-until"),
            ] {
                if let Some(day) = offer[field].as_str() {
                    events.insert((format!("{id}.{what}@lotse.nrw"), day.to_owned()));
                }
            }
        }
        if with_meetings {
            for meeting in &meetings {
                let id = meeting["id"].as_str().unwrap();
                events.insert((
                    format!("{id}.meeting@lotse.nrw"),
                    meeting["date"].as_str().unwrap().to_owned(),
                ));
            }
        }
        events
    };
    let pairs = |events: &[Value]| -> BTreeSet<(String, String)> {
        events
            .iter()
            .map(|e| {
                (
                    e[0].as_str().unwrap().to_owned(),
                    e[1].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };

    let events = calendar_events(&app, &format!("?{filter}")).await;
    assert_eq!(pairs(&events), expected(&offers, true));
    assert!(
        events
            .iter()
            .any(|e| e[0].as_str().unwrap().ends_with(".valid-until@lotse.nrw"))
    );
    assert!(
        events.iter().all(|e| !e[3].is_null()),
        "LAST-MODIFIED on every event"
    );

    let events = calendar_events(&app, &format!("?{filter}&meetings=false&lang=en")).await;
    assert_eq!(pairs(&events), expected(&offers, false));
    assert!(
        events
            .iter()
            .all(|e| e[2].as_str().unwrap().starts_with("Offer ends: ")
                || e[2].as_str().unwrap().starts_with("Application deadline: "))
    );

    // Unfiltered: every offer's deadlines, application deadlines included.
    let all = app.collect_all("/api/v1/offers", 100).await;
    let events = calendar_events(&app, "").await;
    assert_eq!(pairs(&events), expected(&all, true));
    assert!(events.iter().any(|e| {
        e[0].as_str()
            .unwrap()
            .ends_with(".application-deadline@lotse.nrw")
    }));

    for query in ["?target_group=nobody", "?meetings=maybe", "?limit=5"] {
        let problem = app.get_problem(&format!("/calendar.ics{query}"), 400).await;
        assert_eq!(problem["status"], 400, "{query}");
    }
}
