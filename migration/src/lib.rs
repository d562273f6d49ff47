//! Database migrations of Lotse.
//!
//! One table per file, each with a `down()` that drops exactly what `up()`
//! created, in dependency order. The API runs `Migrator::up` at start-up and
//! `lotse migrate` runs it on demand. Seed data is *not* loaded here: it is
//! imported through the same validated path as `lotse import`, so a migration
//! never has to know about content.

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_create_regions;
mod m20261128_000002_create_region_members;
mod m20261128_000003_create_topics;
mod m20261128_000004_create_partners;
mod m20261128_000005_create_contacts;
mod m20261128_000006_create_people;
mod m20261128_000007_create_projects;
mod m20261128_000008_create_project_participants;
mod m20261128_000009_create_offers;
mod m20261128_000010_create_offer_target_groups;
mod m20261128_000011_create_offer_topics;
mod m20261128_000012_create_offer_regions;
mod m20261128_000013_create_meetings;
mod m20261128_000014_create_meeting_participants;
mod m20261130_000015_create_changes;
mod m20261130_000016_create_seed_versions;
mod m20261201_000017_create_api_keys;
mod m20261201_000018_add_change_record;

/// All migrations, in the order they are applied.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_create_regions::Migration),
            Box::new(m20261128_000002_create_region_members::Migration),
            Box::new(m20261128_000003_create_topics::Migration),
            Box::new(m20261128_000004_create_partners::Migration),
            Box::new(m20261128_000005_create_contacts::Migration),
            Box::new(m20261128_000006_create_people::Migration),
            Box::new(m20261128_000007_create_projects::Migration),
            Box::new(m20261128_000008_create_project_participants::Migration),
            Box::new(m20261128_000009_create_offers::Migration),
            Box::new(m20261128_000010_create_offer_target_groups::Migration),
            Box::new(m20261128_000011_create_offer_topics::Migration),
            Box::new(m20261128_000012_create_offer_regions::Migration),
            Box::new(m20261128_000013_create_meetings::Migration),
            Box::new(m20261128_000014_create_meeting_participants::Migration),
            Box::new(m20261130_000015_create_changes::Migration),
            Box::new(m20261130_000016_create_seed_versions::Migration),
            Box::new(m20261201_000017_create_api_keys::Migration),
            Box::new(m20261201_000018_add_change_record::Migration),
        ]
    }
}

/// Creates a plain (non-unique) index `idx_<table>_<column>`.
pub(crate) fn index_on<T, C>(table: T, column: C, name: &str) -> IndexCreateStatement
where
    T: IntoTableRef,
    C: IntoIndexColumn,
{
    Index::create()
        .name(name)
        .table(table)
        .col(column)
        .if_not_exists()
        .to_owned()
}

/// Named foreign key from `from_table.from_col` to `to_table.id`.
pub(crate) fn fk<F, FC, T, TC>(
    name: &str,
    from_table: F,
    from_col: FC,
    to_table: T,
    to_col: TC,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement
where
    F: IntoIden,
    FC: IntoIden,
    T: IntoIden,
    TC: IntoIden,
{
    ForeignKey::create()
        .name(name)
        .from(from_table, from_col)
        .to(to_table, to_col)
        .on_delete(on_delete)
        .on_update(ForeignKeyAction::Cascade)
        .to_owned()
}
