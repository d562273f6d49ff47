//! Micro benchmarks of the hot pure functions (see bench/README.md):
//! match scoring over a 20,000-offer corpus, cursor encoding, and the
//! serialisation of a list page.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeSet;

use chrono::{NaiveDate, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use lotse::dto::{Offer, OfferPage, PartnerRef, RegionRef, TopicRef};
use lotse::service::matching::{OfferFacts, ResolvedProfile, quick_score, score};
use lotse::service::page::Cursor;
use lotse::vocab::{Cost, Lang, OfferKind, PartnerKind, RegionKind, TargetGroup};
use std::hint::black_box;
use uuid::Uuid;

const OFFERS: u128 = 20_000;
const GROUPS: [TargetGroup; 4] = [
    TargetGroup::Sme,
    TargetGroup::WorksCouncil,
    TargetGroup::Employees,
    TargetGroup::Founders,
];

/// Offers spread over 4 target groups, 5 regions, 24 topics and 3,000 words,
/// like `lotse generate`'s (a fixed pattern instead of its random numbers).
fn corpus() -> Vec<OfferFacts> {
    (0..OFFERS)
        .map(|i| OfferFacts {
            id: Uuid::from_u128(i),
            slug: format!("angebot-{i}"),
            title_de: format!("Angebot {i}"),
            title_en: None,
            texts: Default::default(),
            target_groups: [GROUPS[(i % 4) as usize], GROUPS[(i % 3) as usize]]
                .into_iter()
                .collect(),
            cost: if i % 3 == 0 {
                Cost::Free
            } else {
                Cost::Unknown
            },
            kind: lotse::vocab::OfferKind::Consulting,
            provider_id: Uuid::from_u128(2000 + i % 40),
            project_id: None,
            verified: true,
            created_at: chrono::DateTime::UNIX_EPOCH,
            updated_at: chrono::DateTime::UNIX_EPOCH,
            valid_from: None,
            valid_until: (i % 7 == 0).then(|| NaiveDate::from_ymd_opt(2027, 3, 1).unwrap()),
            application_deadline: None,
            topics: vec![
                Uuid::from_u128(1000 + i % 24),
                Uuid::from_u128(1000 + i % 5),
            ],
            regions: vec![(Uuid::from_u128(i % 5), RegionKind::District)],
            terms: {
                let mut terms: Vec<u32> =
                    (0..40).map(|k| ((i * 31 + k * 97) % 3000) as u32).collect();
                terms.sort_unstable();
                terms.dedup();
                terms.into_boxed_slice()
            },
        })
        .collect()
}

fn profile() -> ResolvedProfile {
    ResolvedProfile {
        target_group: TargetGroup::WorksCouncil,
        home: Uuid::from_u128(1),
        containers: [1, 2].into_iter().map(Uuid::from_u128).collect(),
        contents: BTreeSet::new(),
        topics: vec![
            (
                "arbeit-40".into(),
                [Uuid::from_u128(1003)].into_iter().collect(),
            ),
            (
                "qualifizierung".into(),
                [Uuid::from_u128(1004)].into_iter().collect(),
            ),
        ],
        need_terms: vec![
            ("betriebsrat".into(), Some(17)),
            ("digitalisierung".into(), Some(1200)),
            ("mitgestalten".into(), None),
        ],
        free_only: false,
        date: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
    }
}

fn matching(c: &mut Criterion) {
    let offers = corpus();
    let profile = profile();
    c.bench_function("match: quick_score over 20,000 offers", |b| {
        b.iter(|| {
            offers
                .iter()
                .filter_map(|o| quick_score(&profile, o))
                .fold(0.0, |sum, s| sum + s)
        })
    });
    let name = |_: Uuid| "Bielefeld".to_owned();
    let page: Vec<&OfferFacts> = offers
        .iter()
        .filter(|o| quick_score(&profile, o).is_some())
        .take(20)
        .collect();
    c.bench_function("match: score with reasons, page of 20", |b| {
        b.iter(|| {
            page.iter()
                .map(|o| score(&profile, o, &name).map(|(_, r)| r.len()).unwrap_or(0))
                .sum::<usize>()
        })
    });
}

fn cursors(c: &mut Criterion) {
    let text = "eyJzIjoidGl0bGUiLCJ2IjoiQmVyYXR1bmc6IEFyYmVpdCA0LjAgdW5kIE1pdGJlc3RpbW11bmcgZsO8ciBCZXNjaMOkZnRpZ3RlIiwiaSI6IjJhOTA2NTE3LTc2NDctNWNkYS1iMmZkLTMwNzUyNDliYzE2ZiJ9";
    let cursor = Cursor::decode(text).expect("a valid cursor");
    c.bench_function("cursor: encode", |b| b.iter(|| black_box(&cursor).encode()));
    c.bench_function("cursor: decode", |b| {
        b.iter(|| Cursor::decode(black_box(text)))
    });
}

fn offer(i: u128) -> Offer {
    let now = Utc::now();
    Offer {
        id: Uuid::from_u128(i),
        slug: format!("angebot-{i}"),
        uri: format!("http://127.0.0.1:8080/api/v1/offers/{}", Uuid::from_u128(i)),
        title: format!("Beratung: Arbeit 4.0 und Mitbestimmung für Beschäftigte {i}"),
        summary: "Die Technologieberatungsstelle berät Betriebs- und Personalräte bei der \
                  Gestaltung der Digitalisierung im Betrieb."
            .into(),
        description: Some("Förderung, Qualifizierung und Begleitung über zwölf Monate. ".repeat(8)),
        kind: OfferKind::Consulting,
        cost: Cost::Free,
        target_groups: vec![TargetGroup::WorksCouncil, TargetGroup::Employees],
        provider: PartnerRef {
            id: Uuid::from_u128(99),
            slug: "tbs-nrw".into(),
            name: "Technologieberatungsstelle beim DGB NRW e. V.".into(),
            short_name: Some("TBS NRW".into()),
            kind: PartnerKind::Other,
        },
        provider_note: None,
        project: None,
        topics: (0..3)
            .map(|t| TopicRef {
                id: Uuid::from_u128(1000 + t),
                slug: format!("thema-{t}"),
                label: format!("Thema {t}"),
            })
            .collect(),
        regions: vec![RegionRef {
            id: Uuid::from_u128(7),
            slug: "nordrhein-westfalen".into(),
            name: "Nordrhein-Westfalen".into(),
            kind: RegionKind::State,
            ars: Some("05".into()),
            nuts: Some("DEA".into()),
        }],
        valid_from: None,
        valid_until: None,
        application_deadline: None,
        url: Some("https://www.tbs-nrw.de/".into()),
        source: "Pressemitteilung MAIS NRW, 2016-11-21".into(),
        verified: true,
        note: None,
        created_at: now,
        updated_at: now,
        lang: Lang::De,
    }
}

fn serialisation(c: &mut Criterion) {
    let page = OfferPage {
        items: (0..20).map(offer).collect(),
        next_cursor: Some("eyJzIjoidGl0bGUifQ".into()),
        total: None,
    };
    let bytes = serde_json::to_vec(&page).unwrap().len();
    c.bench_function(
        &format!("serialise: list page of 20 offers ({bytes} bytes)"),
        |b| b.iter(|| serde_json::to_vec(black_box(&page)).unwrap()),
    );
}

criterion_group!(benches, matching, cursors, serialisation);
criterion_main!(benches);
