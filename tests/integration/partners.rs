//! `/api/v1/partners`
use crate::helpers::{TestApp, slugs};
use crate::shared_tests;

shared_tests!(
    kind_union_lists_the_unions_of_arbeit_2020,
    alliance_group_and_member_filter_the_government_bodies,
    region_filter_follows_the_hierarchy,
    q_searches_names,
    item_by_slug_or_id_embeds_contacts_and_people,
);

async fn kind_union_lists_the_unions_of_arbeit_2020(app: TestApp) {
    let body = app.get_json("/api/v1/partners?kind=union").await;
    let short: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["short_name"].as_str().unwrap())
        .collect();
    for union in ["IG Metall", "IG BCE", "NGG", "DGB NRW"] {
        assert!(short.contains(&union), "{union} missing from {short:?}");
    }
    assert!(
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["kind"] == "union")
    );
}

async fn alliance_group_and_member_filter_the_government_bodies(app: TestApp) {
    let mut by_group = slugs(
        &app.get_json("/api/v1/partners?alliance_group=government")
            .await,
    );
    let mut members = slugs(&app.get_json("/api/v1/partners?alliance_member=true").await);
    by_group.sort();
    members.sort();
    assert_eq!(by_group, ["mags", "mkw", "mwide", "stk"]);
    assert_eq!(members, by_group);
    let others = slugs(
        &app.get_json("/api/v1/partners?alliance_member=false&limit=100")
            .await,
    );
    assert!(!others.is_empty() && others.iter().all(|s| !members.contains(s)));
}

async fn region_filter_follows_the_hierarchy(app: TestApp) {
    // Bielefeld's official key: partners at home in Bielefeld, OWL or all NRW.
    let found = slugs(
        &app.get_json("/api/v1/partners?region=05711&limit=100")
            .await,
    );
    for expected in ["uni-bielefeld", "fh-bielefeld", "its-owl", "dgb-nrw"] {
        assert!(
            found.contains(&expected.to_owned()),
            "{expected} missing: {found:?}"
        );
    }
    for unexpected in ["tu-dortmund", "kompetenzzentrum-siegen", "phoenix-contact"] {
        assert!(
            !found.contains(&unexpected.to_owned()),
            "{unexpected} should not match Bielefeld"
        );
    }
    // OWL also finds partners inside it (Phoenix Contact is in Kreis Lippe).
    let owl = slugs(
        &app.get_json("/api/v1/partners?region=ostwestfalenlippe&limit=100")
            .await,
    );
    assert!(owl.contains(&"phoenix-contact".to_owned()), "{owl:?}");
    assert!(!owl.contains(&"tu-dortmund".to_owned()), "{owl:?}");
}

async fn q_searches_names(app: TestApp) {
    let found = slugs(&app.get_json("/api/v1/partners?q=fraunhofer").await);
    let mut found = found;
    found.sort();
    // The four institutes by name; the Siegen centre and the city of
    // Duisburg because their descriptions name a Fraunhofer partner.
    assert_eq!(
        found,
        [
            "fraunhofer-iais",
            "fraunhofer-iem",
            "fraunhofer-iml",
            "fraunhofer-iosb-ina",
            "kompetenzzentrum-siegen",
            "stadt-duisburg"
        ]
    );
}

async fn item_by_slug_or_id_embeds_contacts_and_people(app: TestApp) {
    let mags = app.get_json("/api/v1/partners/mags").await;
    assert_eq!(mags["short_name"], "MAGS");
    assert_eq!(mags["alliance_group"], "government");
    let kinds: Vec<&str> = mags["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"press") && kinds.contains(&"citizen"),
        "{kinds:?}"
    );
    let press = mags["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "press")
        .unwrap();
    assert_eq!(press["phone"], "0211 855-3118");
    assert_eq!(mags["people"][0]["name"], "Rainer Schmeltzer");

    let id = mags["id"].as_str().unwrap();
    let by_id = app.get_json(&format!("/api/v1/partners/{id}")).await;
    assert_eq!(by_id, mags);
    assert_eq!(mags["uri"], format!("{}/api/v1/partners/{id}", app.address));
}
