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

crate::private_tests!(seeded: true;
    region_keys_resolve_with_one_precedence,
);

/// A region whose slug is another region's NUTS code in lower case: the
/// item and every `region` filter resolve the key the same way, on every
/// request (slug before ARS before NUTS). A slug that could be read as an
/// official key (digits only) or an id, and a NUTS code not in capitals,
/// are refused, so those cannot be confused at all.
async fn region_keys_resolve_with_one_precedence(app: TestApp) {
    let region = |slug: &str, nuts: &str| {
        serde_json::json!({
            "slug": slug, "name": format!("Region {slug}"), "name_en": null,
            "kind": "economic_region", "ars": null, "nuts": nuts,
            "parent": "nordrhein-westfalen", "members": [],
            "source": "test", "verified": false, "note": null
        })
    };
    let refused = serde_json::json!({"regions": [region("05711", "dez99")]});
    let Err(lotse::error::AppError::InvalidData(errors)) =
        lotse::service::import::import_json(app.db(), &refused.to_string()).await
    else {
        panic!("a slug of digits and a lower-case NUTS code must be refused");
    };
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        ["regions[0] (05711).slug", "regions[0] (05711).nuts"]
    );

    let file = serde_json::json!({"regions": [region("dea41", "DEZ98")]});
    let report = lotse::service::import::import_json(app.db(), &file.to_string())
        .await
        .unwrap();
    assert_eq!(report.changed(), 1, "{report}");

    for _ in 0..3 {
        assert_eq!(app.get_json("/api/v1/regions/dea41").await["slug"], "dea41");
        // Only Bielefeld has the NUTS code DEA41 (in upper case).
        assert_eq!(
            app.get_json("/api/v1/regions/DEA41").await["slug"],
            "bielefeld"
        );
        assert_eq!(app.get_json("/api/v1/regions/DEZ98").await["slug"], "dea41");
        // The filter takes the same region as the item: the new one serves
        // no offer of its own and has nothing inside it, so it finds only
        // what serves NRW and Germany, not what serves Bielefeld.
        let by_filter = slugs(&app.get_json("/api/v1/offers?region=dea41&limit=100").await);
        let by_nrw_only = slugs(
            &app.get_json("/api/v1/offers?region=nordrhein-westfalen&limit=100")
                .await,
        );
        assert!(
            by_filter.iter().all(|s| by_nrw_only.contains(s)),
            "{by_filter:?}"
        );
        let data = app
            .graphql_data(
                r#"{ region(key: "dea41") { slug } }"#,
                serde_json::json!({}),
            )
            .await;
        assert_eq!(data["region"]["slug"], "dea41");
    }
}
