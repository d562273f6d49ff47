//! The shipped seed at start-up: loaded into an empty database, and taken in
//! again by an installation that holds an older version of it.
//!
//! Which seed versions a database has taken in is recorded in
//! `seed_versions`. A newer seed is imported like any file (add and update by
//! slug, never delete: ids are stable, so an upgrade only adds the new
//! records and updates the changed ones, each with its change entry). Rejected:
//! re-importing the seed on every start, which would undo every later edit
//! of a seed record at each restart instead of once per release.
use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Set};

use super::{ImportReport, SEED_JSON, import_json};
use crate::error::{AppError, AppResult};

/// What start-up did with the shipped seed.
#[derive(Debug)]
pub enum SeedOutcome {
    /// The database already holds this seed version (or a newer one).
    Current,
    /// The database holds data that is not the seed (no seed record's id
    /// among it): left alone.
    Foreign,
    /// The seed was imported: into an empty database (`from: None` and
    /// nothing but inserts) or over an older version.
    Imported {
        /// The newest seed version taken in before, if one was recorded.
        from: Option<semver::Version>,
        /// The version now taken in.
        to: semver::Version,
        /// What the import inserted and updated.
        report: Box<ImportReport>,
    },
}

impl std::fmt::Display for SeedOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SeedOutcome::Current => f.write_str("the shipped seed is already in the database"),
            SeedOutcome::Foreign => f.write_str(
                "the database holds other data than the shipped seed: the seed is not loaded",
            ),
            SeedOutcome::Imported {
                from: None,
                to,
                report,
            } => write!(f, "shipped seed {to} loaded: {report}"),
            SeedOutcome::Imported {
                from: Some(from),
                to,
                report,
            } => write!(f, "shipped seed upgraded from {from} to {to}: {report}"),
        }
    }
}

/// The version of the shipped seed: `meta.version` of `api/seed/seed.json`.
///
/// # Errors
/// `Unexpected` if the compiled-in seed has no valid semantic version (a
/// unit test checks it has).
pub fn shipped_version() -> AppResult<semver::Version> {
    let seed = shipped_document()?;
    let text = seed["meta"]["version"].as_str().unwrap_or_default();
    semver::Version::parse(text).map_err(|e| {
        AppError::Unexpected(anyhow::anyhow!(
            "the shipped seed's meta.version {text:?}: {e}"
        ))
    })
}

/// Loads the shipped seed into an empty database, or upgrades one holding an
/// older seed version; does nothing when the seed is current or when the
/// database holds only data of its own.
///
/// A database without a recorded seed version that holds records was filled
/// before versions were recorded: it is upgraded if it holds a record of the
/// seed (ids are derived from slugs, so the seed's first partner has the same
/// id everywhere), and left alone otherwise.
///
/// # Errors
/// As [`import_json`]: `InvalidData` if the seed does not fit the stored
/// data (nothing is written then), database errors.
pub async fn seed_or_upgrade(db: &DatabaseConnection) -> AppResult<SeedOutcome> {
    let to = shipped_version()?;
    let from = newest_taken_in(db).await?;
    if from.as_ref().is_some_and(|from| *from >= to) {
        return Ok(SeedOutcome::Current);
    }
    if from.is_none() && !is_empty(db).await? && !holds_seed_records(db).await? {
        return Ok(SeedOutcome::Foreign);
    }
    let report = import_json(db, SEED_JSON).await?;
    record(db, &to).await?;
    Ok(SeedOutcome::Imported {
        from,
        to,
        report: Box::new(report),
    })
}

/// The compiled-in seed as JSON (read for its `meta` and first partner).
fn shipped_document() -> AppResult<serde_json::Value> {
    serde_json::from_str(SEED_JSON)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("the shipped seed: {e}")))
}

/// The newest seed version recorded in `seed_versions`.
async fn newest_taken_in<C: ConnectionTrait>(db: &C) -> AppResult<Option<semver::Version>> {
    let rows = entity::seed_version::Entity::find().all(db).await?;
    Ok(rows
        .iter()
        .filter_map(|row| semver::Version::parse(&row.version).ok())
        .max())
}

async fn is_empty<C: ConnectionTrait>(db: &C) -> AppResult<bool> {
    use sea_orm::PaginatorTrait;
    Ok(entity::partner::Entity::find().count(db).await? == 0
        && entity::offer::Entity::find().count(db).await? == 0)
}

/// Whether the seed's first partner is stored (under its stable id).
async fn holds_seed_records<C: ConnectionTrait>(db: &C) -> AppResult<bool> {
    let seed = shipped_document()?;
    let Some(slug) = seed["partners"][0]["slug"].as_str() else {
        return Ok(false);
    };
    let id = crate::slug::stable_id("partners", slug);
    Ok(entity::partner::Entity::find_by_id(id)
        .one(db)
        .await?
        .is_some())
}

/// Records that `version` was taken in (again, if two processes raced: the
/// import is idempotent, the record is kept once).
async fn record<C: ConnectionTrait>(db: &C, version: &semver::Version) -> AppResult<()> {
    let row = entity::seed_version::ActiveModel {
        version: Set(version.to_string()),
        applied_at: Set(Utc::now()),
    };
    entity::seed_version::Entity::insert(row)
        .on_conflict_do_nothing_on([entity::seed_version::Column::Version])
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_shipped_seed_has_a_semantic_version() {
        assert!(super::shipped_version().is_ok());
    }
}
