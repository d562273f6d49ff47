//! Quality of the finder on a judged set (`tests/judged/queries.json`):
//! precision@5 and mean reciprocal rank must stay above documented floors.
//!
//! Floors (README, "Finder quality"): MRR ≥ 0.8 and precision@5 ≥ 0.75, for
//! search and for match alike. Raise them as the finder improves; a change
//! that lowers a figure below its floor fails here.
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::shared_tests;

shared_tests!(judged_searches_and_profiles_meet_the_floors);

const JUDGED: &str = include_str!("../judged/queries.json");

/// (precision@5, reciprocal rank) of a ranking against the relevant set.
/// Precision@5 divides by min(5, relevant offers), so a case with one
/// relevant offer found at the top scores 1, not 0.2.
fn judge(ranked: &[String], relevant: &[String]) -> (f64, f64) {
    let top5 = ranked
        .iter()
        .take(5)
        .filter(|s| relevant.contains(s))
        .count();
    let rank = ranked.iter().position(|s| relevant.contains(s));
    let possible = relevant.len().clamp(1, 5);
    (
        top5 as f64 / possible as f64,
        rank.map_or(0.0, |r| 1.0 / (r as f64 + 1.0)),
    )
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

async fn judged_searches_and_profiles_meet_the_floors(app: TestApp) {
    let judged: Value = serde_json::from_str(JUDGED).unwrap();
    let date = judged["date"].as_str().unwrap();
    let (mut p5, mut rr, mut report) = (Vec::new(), Vec::new(), String::new());
    for case in judged["searches"].as_array().unwrap() {
        let q = case["q"].as_str().unwrap();
        let url = format!(
            "/api/v1/search?type=offer&limit=10&q={}",
            q.replace(' ', "%20")
        );
        let body = app.get_json(&url).await;
        let ranked: Vec<String> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["slug"].as_str().unwrap().to_owned())
            .collect();
        let (p, r) = judge(&ranked, &strings(&case["relevant"]));
        report.push_str(&format!("search {q:?}: P@5 {p:.2} RR {r:.2} {ranked:?}\n"));
        p5.push(p);
        rr.push(r);
    }
    let search = (mean(&p5), mean(&rr));
    let (mut p5, mut rr) = (Vec::new(), Vec::new());
    for case in judged["profiles"].as_array().unwrap() {
        let mut profile = case["profile"].clone();
        profile["date"] = json!(date);
        let (status, body) = app.post_json("/api/v1/match", &profile).await;
        assert_eq!(status, 200, "{body}");
        let ranked: Vec<String> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["offer"]["slug"].as_str().unwrap().to_owned())
            .collect();
        let (p, r) = judge(&ranked, &strings(&case["relevant"]));
        report.push_str(&format!(
            "match {}: P@5 {p:.2} RR {r:.2} {ranked:?}\n",
            case["about"]
        ));
        p5.push(p);
        rr.push(r);
    }
    let matching = (mean(&p5), mean(&rr));
    eprintln!(
        "{report}search: P@5 {:.3}, MRR {:.3}; match: P@5 {:.3}, MRR {:.3}",
        search.0, search.1, matching.0, matching.1
    );
    assert!(
        search.1 >= 0.8 && search.0 >= 0.75,
        "search below the floor:\n{report}"
    );
    assert!(
        matching.1 >= 0.8 && matching.0 >= 0.75,
        "match below the floor:\n{report}"
    );
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}
