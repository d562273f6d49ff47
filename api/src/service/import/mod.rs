//! Importing datasets: the seed on first start, and `lotse import <file>`.
//!
//! An import is all or nothing. It runs in three steps:
//! 1. **parse**: the JSON must have the import format ([`Dataset`], one file per
//!    collection in [`collections`]); a wrong type or
//!    an unknown value is reported with its path, e.g. `offers[3] (tbs-beratung).kind`;
//! 2. **check**: every record is checked (slug form and uniqueness, references
//!    to records in the file or already stored, date order, non-empty sources),
//!    and *all* problems are reported at once;
//! 3. **write**: one transaction upserts every record by slug. A record whose
//!    content is unchanged is not touched, so importing the same file twice
//!    changes nothing, not even `updated_at`. Any database error rolls the
//!    whole import back.
//!
//! A record's links (an offer's topics, a project's participants, a region's
//! members …) are part of it: the file's list replaces the stored one, and a
//! change of it is an update of the record.
//!
//! Records not in the file are left alone unless the import prunes
//! ([`ImportOptions::prune`], `lotse import --prune`): then, in the same
//! transaction, every stored record of a collection whose key appears in the
//! file (an empty array included) that the file no longer contains is
//! deleted, with its links, and logged as a `delete` change. A collection
//! whose key is absent is never pruned. A record to be deleted that a kept
//! record still refers to (an offer's provider, a contact's partner, a
//! region listed as another's member …) refuses the whole import, every such
//! reference reported at once; nothing is deleted behind a kept record's back.
//!
//! A dry run ([`ImportOptions::dry_run`], `--dry-run`) does all of it and
//! rolls the transaction back: its [`ImportReport`] says what the import
//! would do, including the records it would delete.

mod collection;
pub(crate) use collection::{EMAIL, MAX_EXACT, TEXT_CHARS, WEB_URL};
pub mod collections;
pub mod edit;
mod prune;
pub mod seed;
mod write;

use std::collections::BTreeMap;
use std::fmt;

use chrono::SubsecRound;
use sea_orm::{DatabaseConnection, TransactionTrait};

use crate::error::{AppError, AppResult, FieldError};
pub(crate) use collection::ImportCollection;
pub use collections::Dataset;

/// The dataset shipped with Lotse, loaded into an empty database on first
/// start and taken in by installations holding an older version of it
/// ([`seed_or_upgrade`]). Compiled in, so the binary never reads `../shared` or the working
/// directory at run time.
pub const SEED_JSON: &str = include_str!("../../../seed/seed.json");

/// How to import.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ImportOptions {
    /// Delete the stored records of the collections present in the file that
    /// the file no longer contains (`lotse import --prune`).
    pub prune: bool,
    /// Check and write in a transaction that is rolled back: report what the
    /// import would do and change nothing (`lotse import --dry-run`).
    pub dry_run: bool,
}

/// What an import did (or, in a dry run, would do), per collection.
///
/// `Display` prints the totals, e.g. `2 inserted, 1 updated, 40 unchanged,
/// 1 deleted`; the alternate form (`{:#}`) adds one line per deleted record.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// Records created.
    pub inserted: BTreeMap<&'static str, usize>,
    /// Records whose content changed.
    pub updated: BTreeMap<&'static str, usize>,
    /// Records already stored exactly as in the file.
    pub unchanged: BTreeMap<&'static str, usize>,
    /// Records deleted by a prune.
    pub deleted: BTreeMap<&'static str, usize>,
    /// The deleted records as (collection, slug), in the order deleted.
    pub deletions: Vec<(&'static str, String)>,
    /// The import was a dry run: nothing was written.
    pub dry_run: bool,
}

impl ImportReport {
    /// Total records created, changed or deleted.
    pub fn changed(&self) -> usize {
        self.inserted.values().sum::<usize>()
            + self.updated.values().sum::<usize>()
            + self.deleted.values().sum::<usize>()
    }

    pub(crate) fn count_deleted(&mut self, collection: &'static str, slug: &str) {
        *self.deleted.entry(collection).or_default() += 1;
        self.deletions.push((collection, slug.to_owned()));
    }

    pub(crate) fn count(&mut self, collection: &'static str, change: write::Change) {
        let map = match change {
            write::Change::Inserted => &mut self.inserted,
            write::Change::Updated => &mut self.updated,
            write::Change::Unchanged => &mut self.unchanged,
        };
        *map.entry(collection).or_default() += 1;
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = |m: &BTreeMap<&str, usize>| m.values().sum::<usize>();
        write!(
            f,
            "{} inserted, {} updated, {} unchanged, {} deleted",
            total(&self.inserted),
            total(&self.updated),
            total(&self.unchanged),
            total(&self.deleted)
        )?;
        if self.dry_run {
            write!(f, " (dry run: rolled back, nothing written)")?;
        }
        if f.alternate() {
            let verb = if self.dry_run {
                "would delete"
            } else {
                "deleted"
            };
            for (collection, slug) in &self.deletions {
                write!(f, "\n  {verb} {collection}/{slug}")?;
            }
        }
        Ok(())
    }
}

/// Parses a JSON document that names no key twice in one object (the body
/// of an API write); the error says where it is malformed.
pub fn parse_json(bytes: &[u8]) -> Result<serde_json::Value, String> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|err| format!("the body is not valid JSON: {err}"))?;
    unique_keys(bytes).map(|()| value)
}

/// Checks that the JSON document `bytes` names no key twice in one object
/// (serde_json keeps the last without a word); the error says where.
pub fn unique_keys(bytes: &[u8]) -> Result<(), String> {
    let mut reader = serde_json::Deserializer::from_slice(bytes);
    serde::Deserialize::deserialize(&mut reader)
        .map(|_: unique_keys::UniqueKeys| ())
        .map_err(|err| format!("the body is not valid JSON: {err}"))
}

/// Parses an import document; errors name the record and field.
pub fn parse(json: &str) -> AppResult<Dataset> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|err| {
        AppError::InvalidData(vec![FieldError::new("$", format!("not valid JSON: {err}"))])
    })?;
    if !value.is_object() {
        return Err(AppError::InvalidData(vec![FieldError::new(
            "$",
            "must be a JSON object of collections, e.g. {\"offers\": [...]}",
        )]));
    }
    // serde_json keeps the last of two equal keys without a word: a second
    // `"offers": []` in a file made `--prune` delete every offer.
    let mut reader = serde_json::Deserializer::from_str(json);
    serde_path_to_error::deserialize::<_, unique_keys::UniqueKeys>(&mut reader).map_err(|err| {
        AppError::InvalidData(vec![FieldError::new(
            name_record(&value, &err.path().to_string()),
            err.inner().to_string(),
        )])
    })?;
    let mut dataset: Dataset = serde_path_to_error::deserialize(&value)
        .map_err(|first| AppError::InvalidData(record_errors(&value, &first)))?;
    dataset.present = collections::COLLECTIONS
        .iter()
        .copied()
        .filter(|c| value.get(c).is_some())
        .collect();
    Ok(dataset)
}

mod unique_keys {
    //! A pass over a JSON document that refuses an object naming a key
    //! twice (RFC 8259 §4: names "SHOULD be unique"; we require it).
    use std::collections::HashSet;
    use std::fmt;

    use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

    /// Any JSON value whose objects have unique keys; holds nothing.
    pub(super) struct UniqueKeys;

    impl<'de> Deserialize<'de> for UniqueKeys {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_any(Check)
        }
    }

    struct Check;

    impl<'de> Visitor<'de> for Check {
        type Value = UniqueKeys;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<UniqueKeys, E> {
            Ok(UniqueKeys)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<UniqueKeys, E> {
            Ok(UniqueKeys)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<UniqueKeys, E> {
            Ok(UniqueKeys)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<UniqueKeys, E> {
            Ok(UniqueKeys)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<UniqueKeys, E> {
            Ok(UniqueKeys)
        }
        fn visit_unit<E: de::Error>(self) -> Result<UniqueKeys, E> {
            Ok(UniqueKeys)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<UniqueKeys, A::Error> {
            while seq.next_element::<UniqueKeys>()?.is_some() {}
            Ok(UniqueKeys)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UniqueKeys, A::Error> {
            let mut seen = HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                if !seen.insert(key.clone()) {
                    return Err(de::Error::custom(format!(
                        "the name `{}` appears twice in one object",
                        crate::limits::quote(&key)
                    )));
                }
                map.next_value::<UniqueKeys>()?;
            }
            Ok(UniqueKeys)
        }
    }
}

/// The first shape error of every record (and of every top-level key), so
/// that one run reports them all rather than one per run: serde stops at the
/// first error of a document, so each record is read on its own here (only
/// on this error path). Within one record only its first error is named.
fn record_errors(
    value: &serde_json::Value,
    first: &serde_path_to_error::Error<serde_json::Error>,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut read = |doc: serde_json::Value, at: &dyn Fn(&str) -> String| {
        if let Err(err) = serde_path_to_error::deserialize::<_, Dataset>(&doc) {
            let path = at(&err.path().to_string());
            errors.push(FieldError::new(
                name_record(value, &path),
                err.inner().to_string(),
            ));
        }
    };
    for (key, items) in value.as_object().into_iter().flatten() {
        let known_key = serde_json::from_value::<Dataset>(serde_json::json!({ key: [] })).is_ok();
        match items.as_array() {
            Some(records) if known_key => {
                for (index, record) in records.iter().enumerate() {
                    let prefix = format!("{key}[0]");
                    let doc = serde_json::json!({ key: [record] });
                    read(doc, &|path: &str| match path.strip_prefix(&prefix) {
                        Some(rest) => format!("{key}[{index}]{rest}"),
                        None => path.to_owned(),
                    });
                }
            }
            _ => read(serde_json::json!({ key: items }), &|path: &str| {
                path.to_owned()
            }),
        }
    }
    if errors.is_empty() {
        let path = first.path().to_string();
        errors.push(FieldError::new(
            name_record(value, &path),
            first.inner().to_string(),
        ));
    }
    errors
}

/// Adds the record's slug to a path like `offers[3].kind` → `offers[3] (slug).kind`.
fn name_record(value: &serde_json::Value, path: &str) -> String {
    let Some((head, rest)) = path.split_once(']') else {
        return path.to_owned();
    };
    let Some((collection, index)) = head.split_once('[') else {
        return path.to_owned();
    };
    let slug = index
        .parse::<usize>()
        .ok()
        .and_then(|i| value.get(collection)?.get(i)?.get("slug")?.as_str());
    match slug {
        Some(slug) => format!("{collection}[{index}] ({slug}){rest}"),
        None => path.to_owned(),
    }
}

/// Checks and writes `dataset` in one transaction.
pub async fn import(db: &DatabaseConnection, dataset: &Dataset) -> AppResult<ImportReport> {
    import_with_progress(db, dataset, &|_| {}).await
}

/// Like [`import`], calling `progress(1)` after each record is written.
pub async fn import_with_progress(
    db: &DatabaseConnection,
    dataset: &Dataset,
    progress: write::Progress<'_>,
) -> AppResult<ImportReport> {
    import_with(db, dataset, ImportOptions::default(), progress).await
}

/// Checks and writes `dataset` in one transaction as `options` say: pruning
/// (deleting what the file's collections no longer contain) and/or as a dry
/// run (rolled back). Calls `progress(1)` after each record written.
#[tracing::instrument(name = "service.import", skip_all, fields(prune = options.prune, dry_run = options.dry_run))]
pub async fn import_with(
    db: &DatabaseConnection,
    dataset: &Dataset,
    options: ImportOptions,
    progress: write::Progress<'_>,
) -> AppResult<ImportReport> {
    let tx = db.begin().await?;
    one_writer_at_a_time(&tx).await?;
    plan_for_growing_tables(&tx).await?;
    let known = collections::known(&tx, dataset).await?;
    // Report every problem of the file at once, shape and references alike.
    let mut problems = collection::Problems::default();
    collections::check_shape(dataset, &mut problems);
    collections::check_references(dataset, &known, &mut problems);
    problems.into_result()?;
    // Microseconds: what PostgreSQL stores, so a re-read equals what we wrote.
    let now = chrono::Utc::now().trunc_subsecs(6);
    let mut report = collections::write_all(&tx, dataset, &known, now, progress).await?;
    if options.prune {
        let doomed = collections::doomed(dataset, &known);
        if !doomed.is_empty() {
            let mut found = std::collections::BTreeSet::new();
            collections::find_dangling(&tx, &doomed, &known, &mut found).await?;
            prune::refuse_dangling(found)?;
            // Referring records before the records they refer to (the
            // reverse of the write order); a record's links with it, under
            // its one `delete` entry.
            collections::delete_all(&tx, &doomed, now, &mut report).await?;
        }
    }
    if options.dry_run {
        tx.rollback().await?;
        report.dry_run = true;
        tracing::info!(%report, "import dry run finished");
        return Ok(report);
    }
    tx.commit().await?;
    tracing::info!(%report, "import finished");
    if report.changed() > 0 {
        refresh_planner_statistics(db).await;
    }
    Ok(report)
}

/// Makes concurrent imports on PostgreSQL run one after another: a
/// transaction-scoped advisory lock, taken before anything is read, so each
/// import checks and writes against what the previous one committed.
///
/// Why: at READ COMMITTED, a prune and an import started together both
/// committed and the result fitted neither order (offers re-inserted by one
/// and deleted by the other). SQLite already admits one writer at a time.
/// Rejected: SERIALIZABLE, which fails one of them instead of waiting.
pub(super) async fn one_writer_at_a_time(tx: &sea_orm::DatabaseTransaction) -> AppResult<()> {
    use sea_orm::ConnectionTrait;
    /// "Lotse" in ASCII: the lock's key, unique to our imports.
    const IMPORT_LOCK: i64 = 0x004c_6f74_7365;
    if tx.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        tx.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({IMPORT_LOCK})"))
            .await?;
    }
    Ok(())
}

/// Makes PostgreSQL plan every statement of the import for the tables as
/// they are at that moment (`plan_cache_mode = force_custom_plan`, for this
/// transaction only).
///
/// Why: a connection keeps the plans of its prepared statements, including
/// those of the foreign-key checks, planned when the tables were small (after
/// the seed and its `ANALYZE`, 19 offers). While a large import grows the
/// tables, each check then scans a table instead of its index: 20,000
/// generated offers into a freshly seeded database took 113 s instead of 8 s.
/// Custom plans see the tables' current size. Rejected: no `ANALYZE` after
/// small imports, which leaves the same trap for the next large one.
async fn plan_for_growing_tables(tx: &sea_orm::DatabaseTransaction) -> AppResult<()> {
    use sea_orm::ConnectionTrait;
    if tx.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        tx.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan")
            .await?;
    }
    Ok(())
}

/// Refreshes PostgreSQL's planner statistics of Lotse's tables after an
/// import changed rows.
///
/// Why: until autovacuum gets to it (a minute or more), the planner works
/// from the statistics of before the import. Measured on 20,000 freshly
/// generated offers when offer pages were filtered in SQL, a topic + region
/// page: a hash semi-join over every match, 38 ms; after `ANALYZE`, a walk
/// of the title index, 0.9 ms. Partner and project lists, relation lists
/// and the snapshot's loads still read through the planner. It takes ~0.4 s
/// at that size and runs outside the import's transaction, so a failure
/// only costs speed: it is logged, not reported.
///
/// Only the tables of the current schema: a database-wide `ANALYZE` also
/// visits the shared catalogs, and a role that is not a superuser got one
/// warning for each of them (issue 12).
async fn refresh_planner_statistics(db: &DatabaseConnection) {
    use sea_orm::ConnectionTrait;
    if db.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
        return;
    }
    let sql = "DO $$ DECLARE t text; BEGIN \
               FOR t IN SELECT format('%I.%I', schemaname, tablename) FROM pg_tables \
               WHERE schemaname = current_schema() LOOP EXECUTE 'ANALYZE ' || t; END LOOP; END $$";
    if let Err(err) = db.execute_unprepared(sql).await {
        tracing::warn!(error = %err, "ANALYZE after the import failed");
    }
}

/// Parses and imports a JSON document.
pub async fn import_json(db: &DatabaseConnection, json: &str) -> AppResult<ImportReport> {
    import(db, &parse(json)?).await
}

/// Parses and imports a JSON document as `options` say (prune, dry run).
pub async fn import_json_with(
    db: &DatabaseConnection,
    json: &str,
    options: ImportOptions,
) -> AppResult<ImportReport> {
    import_with(db, &parse(json)?, options, &|_| {}).await
}

pub use seed::{SeedOutcome, seed_or_upgrade};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_seed_parses_and_passes_the_shape_checks() {
        let dataset = parse(SEED_JSON).unwrap_or_else(|e| panic!("{e:?}"));
        let mut problems = collection::Problems::default();
        collections::check_shape(&dataset, &mut problems);
        problems.into_result().unwrap_or_else(|e| panic!("{e:?}"));
        assert!(dataset.offers.len() >= 19);
    }

    #[test]
    fn parse_errors_name_the_record_and_field() {
        let json = r#"{"offers": [{"slug": "x", "kind": "gratis"}]}"#;
        let Err(AppError::InvalidData(errors)) = parse(json) else {
            panic!("expected invalid data");
        };
        assert!(errors[0].field.starts_with("offers[0] (x)"), "{:?}", errors);
    }

    #[test]
    fn parse_records_which_collections_are_present() {
        let dataset = parse(r#"{"meta": {}, "offers": [], "topics": []}"#)
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            dataset.present.iter().copied().collect::<Vec<_>>(),
            ["offers", "topics"]
        );
        assert!(dataset.is_present("offers"));
        assert!(!dataset.is_present("partners"));
        assert!(Dataset::default().present.is_empty());
    }

    #[test]
    fn the_report_counts_deletions_and_lists_them_in_its_alternate_form() {
        let mut report = ImportReport::default();
        report.count("offers", write::Change::Updated);
        report.count_deleted("partners", "gib");
        report.count_deleted("meetings", "zweite-sitzung");
        assert_eq!(report.changed(), 3);
        assert_eq!(
            report.to_string(),
            "0 inserted, 1 updated, 0 unchanged, 2 deleted"
        );
        assert_eq!(
            format!("{report:#}"),
            "0 inserted, 1 updated, 0 unchanged, 2 deleted\n  deleted partners/gib\n  deleted meetings/zweite-sitzung"
        );
        report.dry_run = true;
        assert_eq!(
            format!("{report:#}"),
            "0 inserted, 1 updated, 0 unchanged, 2 deleted (dry run: rolled back, nothing written)\n  would delete partners/gib\n  would delete meetings/zweite-sitzung"
        );
    }

    #[test]
    fn every_record_with_a_shape_error_is_named_in_one_run() {
        let json = r#"{"offers": [{"slug": "a", "kind": "party"},
                                  {"slug": "b", "kind": "funding", "target_groups": ["nobody"]}],
                       "topics": [{"slug": "c", "label_de": 7}],
                       "nosuch": []}"#;
        let Err(AppError::InvalidData(errors)) = parse(json) else {
            panic!("must be refused");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "nosuch",
                "offers[0] (a).kind",
                "offers[1] (b).target_groups[0]",
                "topics[0] (c).label_de"
            ],
            "{errors:?}"
        );
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let Err(AppError::InvalidData(errors)) = parse(r#"{"ofers": []}"#) else {
            panic!("expected invalid data");
        };
        assert!(errors[0].message.contains("ofers"), "{:?}", errors);
    }
}
