//! `/api/v1/regions`
use crate::helpers::{TestApp, slugs};
use crate::shared_tests;

shared_tests!(regions_by_key_with_parents_members_and_kinds);

async fn regions_by_key_with_parents_members_and_kinds(app: TestApp) {
    let bielefeld = app.get_json("/api/v1/regions/05711").await;
    assert_eq!(bielefeld["slug"], "bielefeld");
    assert_eq!(bielefeld["nuts"], "DEA41");
    assert_eq!(bielefeld["parent"]["slug"], "regierungsbezirk-detmold");
    let member_of: Vec<&str> = bielefeld["member_of"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["slug"].as_str().unwrap())
        .collect();
    assert!(member_of.contains(&"ostwestfalenlippe"), "{member_of:?}");
    assert_eq!(app.get_json("/api/v1/regions/DEA41").await, bielefeld);
    assert_eq!(app.get_json("/api/v1/regions/bielefeld").await, bielefeld);

    let owl = app.get_json("/api/v1/regions/ostwestfalenlippe").await;
    assert_eq!(owl["kind"], "economic_region");
    assert_eq!(owl["members"].as_array().unwrap().len(), 7);

    let detmold_districts = slugs(&app.get_json("/api/v1/regions?parent=057&limit=100").await);
    assert_eq!(detmold_districts.len(), 7, "{detmold_districts:?}");
    let districts = app
        .get_json("/api/v1/regions?kind=district&include_total=true&limit=1")
        .await;
    assert_eq!(districts["total"], 53);
    let states = slugs(&app.get_json("/api/v1/regions?kind=state").await);
    assert_eq!(states, ["nordrhein-westfalen"]);
}
