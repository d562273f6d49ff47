//! `/api/v1/projects`
use crate::helpers::{TestApp, slugs};
use crate::shared_tests;

shared_tests!(
    arbeit_2020_shows_the_labour_ministry_and_four_unions_as_initiators,
    its_owl_shows_180_members,
    kind_status_partner_and_region_filters,
);

async fn arbeit_2020_shows_the_labour_ministry_and_four_unions_as_initiators(app: TestApp) {
    let project = app.get_json("/api/v1/projects/arbeit-2020").await;
    assert_eq!(project["kind"], "pilot_project");
    let mut initiators: Vec<&str> = project["participants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["role"] == "initiator")
        .map(|p| p["partner"]["short_name"].as_str().unwrap())
        .collect();
    initiators.sort();
    assert_eq!(
        initiators,
        ["DGB NRW", "IG BCE", "IG Metall", "MAGS", "NGG"]
    );
    assert_eq!(project["end_date"], "2021-12-31");
}

async fn its_owl_shows_180_members(app: TestApp) {
    let project = app.get_json("/api/v1/projects/its-owl").await;
    assert_eq!(project["member_count"], 180);
    assert_eq!(project["kind"], "cluster");
    assert_eq!(project["region"]["slug"], "ostwestfalenlippe");
    assert!(project["facts"].is_object());
}

async fn kind_status_partner_and_region_filters(app: TestApp) {
    assert_eq!(
        slugs(&app.get_json("/api/v1/projects?kind=pilot_project").await),
        ["arbeit-2020", "zukunftszentrum-ki-nrw"]
    );
    assert_eq!(
        slugs(&app.get_json("/api/v1/projects?status=planned").await),
        ["kompetenznetzwerk-wirtschaft-und-arbeit-40"]
    );
    assert_eq!(
        slugs(&app.get_json("/api/v1/projects?partner=ngg").await),
        ["arbeit-2020"]
    );
    let owl = slugs(
        &app.get_json("/api/v1/projects?region=ostwestfalenlippe")
            .await,
    );
    assert!(
        owl.contains(&"its-owl".to_owned()) && owl.contains(&"arbeit-2020".to_owned()),
        "{owl:?}"
    );
    let both = slugs(
        &app.get_json("/api/v1/projects?kind=cluster,pilot_project&sort=-name")
            .await,
    );
    assert_eq!(both.len(), 3, "{both:?}");
    let q = slugs(&app.get_json("/api/v1/projects?q=spitzencluster").await);
    assert!(q.contains(&"its-owl".to_owned()), "{q:?}");
}
