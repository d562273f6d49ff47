//! `lotse generate`: a deterministic synthetic dataset for benchmarks.
//!
//! Generated offers and partners refer to the seed's regions and topics and
//! are written through the ordinary import (validated, one transaction,
//! idempotent), so the same `--seed` always yields the same records and ids,
//! and running it twice changes nothing. Texts are German, with umlauts, built
//! from templates; topics, regions and target groups follow skewed
//! distributions, as real data does (a few topics and NRW-wide offers
//! dominate).

use sea_orm::{DatabaseConnection, EntityTrait, QueryOrder};
use serde_json::{Value, json};

use crate::error::AppResult;
use crate::service::import::{self, ImportReport};

/// SplitMix64: a tiny, fully specified generator, so a seed means the same
/// data on every platform and release. (`rand::StdRng` does not promise
/// that across versions; a ChaCha crate would be a dependency for ten lines.)
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// An index in `0..n`, skewed towards small indexes (Zipf-like).
    pub fn skewed(&mut self, n: usize) -> usize {
        let a = self.below(n);
        let b = self.below(n);
        a.min(b)
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const KINDS: [&str; 7] = [
    "consulting",
    "funding",
    "training",
    "network",
    "event",
    "information",
    "tool",
];
const COSTS: [&str; 4] = ["free", "subsidised", "unknown", "paid"];
const GROUPS: [&str; 6] = [
    "sme",
    "works_council",
    "employees",
    "founders",
    "universities",
    "large_companies",
];
const PARTNER_KINDS: [&str; 5] = [
    "company",
    "chamber",
    "research_institute",
    "business_association",
    "other",
];
const FORMATS: [&str; 8] = [
    "Beratung",
    "Förderprogramm",
    "Workshopreihe",
    "Qualifizierungsoffensive",
    "Netzwerktreffen",
    "Praxislabor",
    "Sprechstunde",
    "Leitfaden",
];
const SUBJECTS: [&str; 12] = [
    "Digitalisierung im Mittelstand",
    "Industrie 4.0 in der Fertigung",
    "Arbeit 4.0 und Mitbestimmung",
    "IT-Sicherheit für kleine Betriebe",
    "Künstliche Intelligenz im Büro",
    "Weiterbildung für Beschäftigte",
    "Fachkräftesicherung",
    "Datenschutz im Betrieb",
    "nachhaltige Geschäftsmodelle",
    "Gründung und Wachstum",
    "Technologietransfer aus Hochschulen",
    "Veränderungsprozesse gestalten",
];
const AUDIENCES: [&str; 6] = [
    "für kleine und mittlere Unternehmen",
    "für Betriebsräte",
    "für Beschäftigte",
    "für Gründerinnen und Gründer",
    "für Handwerksbetriebe",
    "für Zulieferer der Metall- und Elektroindustrie",
];
const SENTENCES: [&str; 8] = [
    "Die Teilnehmenden erarbeiten gemeinsam konkrete nächste Schritte für ihren Betrieb.",
    "Erfahrene Fachleute begleiten die Umsetzung über mehrere Monate.",
    "Das Angebot verbindet Praxisbeispiele aus der Region mit aktueller Forschung.",
    "Kosten werden je nach Unternehmensgröße anteilig übernommen.",
    "Gefördert aus Mitteln des Landes Nordrhein-Westfalen und der Europäischen Union.",
    "Betriebsrätinnen und Betriebsräte können ihre Fragen vorab einreichen.",
    "Die Ergebnisse fließen in einen Leitfaden für andere Unternehmen ein.",
    "Ein Schwerpunkt liegt auf der Qualifizierung der Beschäftigten.",
];
const PLACES: [&str; 6] = [
    "Bielefeld",
    "Dortmund",
    "Köln",
    "Münster",
    "Siegen",
    "Düsseldorf",
];

/// Builds the import document for `offers` offers and `partners` partners.
pub fn dataset(
    offers: usize,
    partners: usize,
    seed: u64,
    regions: &[String],
    topics: &[String],
) -> Value {
    let mut rng = Rng::new(seed);
    let partner_records: Vec<Value> = (0..partners)
        .map(|i| {
            let place = rng.pick(&PLACES);
            json!({
                "slug": format!("gen-partner-{seed}-{i:05}"),
                "name": format!("{} {} {place} {i}", rng.pick(&["Zentrum für", "Agentur für", "Institut für", "Netzwerk"]), rng.pick(&SUBJECTS)),
                "name_en": null, "short_name": null, "kind": rng.pick(&PARTNER_KINDS),
                "alliance_group": null, "alliance_member": false, "website": null,
                "description_de": format!("Synthetischer Partner aus {place} (Benchmark-Daten)."),
                "description_en": null,
                "region": regions[rng.skewed(regions.len())],
                "source": "generated (lotse generate)", "verified": false, "note": null
            })
        })
        .collect();
    let offer_records: Vec<Value> = (0..offers)
        .map(|i| {
            let subject = rng.pick(&SUBJECTS);
            let audience = rng.pick(&AUDIENCES);
            let format = rng.pick(&FORMATS);
            let mut groups = vec![*rng.pick(&GROUPS[..3])];
            if rng.below(3) == 0 {
                groups.push(*rng.pick(&GROUPS));
            }
            groups.sort_unstable();
            groups.dedup();
            let mut offer_topics: Vec<&String> = (0..1 + rng.below(3)).map(|_| &topics[rng.skewed(topics.len())]).collect();
            offer_topics.sort();
            offer_topics.dedup();
            // Most offers serve all of NRW; the rest a district or economic region.
            let region = if rng.below(10) < 6 { "nordrhein-westfalen" } else { regions[rng.below(regions.len())].as_str() };
            let provider = if partners > 0 { format!("gen-partner-{seed}-{:05}", rng.skewed(partners)) } else { "mags".to_owned() };
            let description = (0..2 + rng.below(3)).map(|_| *rng.pick(&SENTENCES)).collect::<Vec<_>>().join(" ");
            let ended = rng.below(5) == 0;
            json!({
                "slug": format!("gen-offer-{seed}-{i:06}"),
                "title_de": format!("{format}: {subject} {audience}"),
                "title_en": null,
                "summary_de": format!("{format} zu {subject} {audience}."),
                "summary_en": null,
                "description_de": description, "description_en": null,
                "provider": provider, "provider_note": null, "project": null,
                "kind": KINDS[rng.skewed(KINDS.len())], "target_groups": groups,
                "topics": offer_topics, "regions": [region],
                "cost": COSTS[rng.skewed(COSTS.len())],
                "valid_from": null,
                "valid_until": if ended { Value::from(format!("20{:02}-12-31", 18 + rng.below(6))) } else { Value::Null },
                "application_deadline": null, "url": null,
                "source": "generated (lotse generate)", "verified": false, "note": null
            })
        })
        .collect();
    json!({"partners": partner_records, "offers": offer_records})
}

/// Generates and imports the dataset into `db` (which must hold the seed's
/// regions and topics); prints progress to stderr.
pub async fn run(
    db: &DatabaseConnection,
    offers: usize,
    partners: usize,
    seed: u64,
) -> AppResult<ImportReport> {
    let regions: Vec<String> = entity::region::Entity::find()
        .order_by_asc(entity::region::Column::Slug)
        .all(db)
        .await?
        .into_iter()
        .filter(|r| r.kind != "country")
        .map(|r| r.slug)
        .collect();
    let topics: Vec<String> = entity::topic::Entity::find()
        .order_by_asc(entity::topic::Column::Slug)
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.slug)
        .collect();
    if regions.is_empty() || topics.is_empty() {
        return Err(crate::error::AppError::BadRequest(
            "the database holds no regions or topics: load the seed first (lotse migrate, or start lotse serve once)".into(),
        ));
    }
    eprintln!("generating {offers} offers and {partners} partners (seed {seed}) …");
    let document = import::parse(&dataset(offers, partners, seed, &regions, &topics).to_string())?;
    // Drawn on stderr when it is a terminal, hidden otherwise (CI, pipes).
    let bar = indicatif::ProgressBar::new((offers + partners) as u64).with_style(
        indicatif::ProgressStyle::with_template(
            "importing {bar:40} {pos}/{len} records, {per_sec}, {eta} left",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let report = import::import_with_progress(db, &document, &|n| bar.inc(n)).await;
    bar.finish_and_clear();
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regions() -> Vec<String> {
        vec![
            "nordrhein-westfalen".into(),
            "bielefeld".into(),
            "dortmund".into(),
        ]
    }

    fn topics() -> Vec<String> {
        vec![
            "digitalisierung".into(),
            "industrie-40".into(),
            "arbeit-40".into(),
        ]
    }

    #[test]
    fn the_same_seed_gives_the_same_data() {
        assert_eq!(
            dataset(50, 5, 7, &regions(), &topics()),
            dataset(50, 5, 7, &regions(), &topics())
        );
        assert_ne!(
            dataset(50, 5, 7, &regions(), &topics()),
            dataset(50, 5, 8, &regions(), &topics())
        );
    }

    #[test]
    fn the_generated_document_passes_the_import_checks() {
        let doc = dataset(200, 10, 1, &regions(), &topics());
        let parsed =
            crate::service::import::parse(&doc.to_string()).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(parsed.offers.len(), 200);
        assert!(doc.to_string().contains('ü'), "German text with umlauts");
    }

    #[test]
    fn skewed_picks_favour_the_front() {
        let mut rng = Rng::new(3);
        let front = (0..10_000).filter(|_| rng.skewed(10) < 5).count();
        assert!(front > 6_500, "{front}");
    }
}
