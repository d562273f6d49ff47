//! One record written through the API (`POST`, `PUT`, `PATCH`, `DELETE`):
//! the import's steps for a file of one record, so a record sent to the API
//! and a record of an import file are checked, written and logged alike.
//!
//! What an API write adds to an import:
//! - the record must (`PUT`, `PATCH`, `DELETE`) or must not (`POST`)
//!   exist, and its slug is its key: it cannot change;
//! - `If-Match` (RFC 9110 §13.1.1) is checked against the record's
//!   [`etag`] inside the write's transaction, so of two writes sent with
//!   the same `ETag`, exactly one succeeds and the other gets 412;
//! - every problem of the body is named by JSON Pointer (RFC 6901), shape
//!   errors (a wrong type, an unknown field) and content errors alike;
//! - the change-log entry carries the key's name and the changed fields
//!   with their old and new values (the audit trail);
//! - only the records the body refers to are read, not every slug.
//!
//! Writes run one at a time: within this process behind [`WRITER`], and on
//! PostgreSQL also behind the import's advisory lock, so the change log's
//! `seq` order is the order of commits and a reader of the change feed never
//! sees a later `seq` before an earlier one is committed.
use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QuerySelect, TransactionTrait,
};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::collection::{
    Doomed, ImportCollection, Known, Model, Problems, Slugs, check_cycles, check_references,
    check_shape,
};
use super::write::{Author, Stamped};
use super::{ImportReport, collections, prune, write};
use crate::error::{AppError, AppResult};
use crate::slug::{is_valid_slug, stable_id};

/// One write at a time in this process: the change log's order is the
/// order of commits. Rejected: relying on SQLite's lock alone, which
/// answers a second writer with `SQLITE_BUSY` instead of queueing it.
static WRITER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The strong entity tag of a record's current version (RFC 9110 §8.8.3):
/// its `updated_at` in microseconds, which every change of the record or
/// its links moves and which nothing else does. The same for every
/// language of the record, as the version is the record's, not of one
/// rendering of it.
pub fn etag(updated_at: DateTime<Utc>) -> String {
    format!("\"{:x}\"", updated_at.timestamp_micros())
}

/// Whether `tag` (as a client sent it) names the record version `current`:
/// the tag itself, or a record answer's tag `"<version>.<digest>"`
/// (`rest::tag_record`), whose digest covers what the write does not
/// touch (language, embedded records' names).
fn same_version(tag: &str, current: &str) -> bool {
    let version = |t: &str| {
        let t = t.trim_matches('"');
        t.split_once('.')
            .map_or(t, |(version, _)| version)
            .to_owned()
    };
    tag.starts_with('"') && version(tag) == version(current)
}

/// The `If-Match` of a write (RFC 9110 §13.1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    /// No `If-Match` header.
    Absent,
    /// `If-Match: *`: the record must exist.
    Any,
    /// The entity tags listed; weak ones never match (strong comparison).
    Tags(Vec<String>),
}

impl IfMatch {
    /// Parses the values of every `If-Match` header of a request.
    pub fn parse<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut tags = Vec::new();
        let mut seen = false;
        for value in values {
            seen = true;
            for tag in value.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                if tag == "*" {
                    return IfMatch::Any;
                }
                tags.push(tag.to_owned());
            }
        }
        if seen {
            IfMatch::Tags(tags)
        } else {
            IfMatch::Absent
        }
    }

    /// `Ok` if a record whose tag is `current` meets the condition.
    fn check(&self, current: &str, required: bool) -> AppResult<()> {
        match self {
            IfMatch::Absent if required => Err(AppError::PreconditionRequired),
            IfMatch::Absent | IfMatch::Any => Ok(()),
            IfMatch::Tags(tags) if tags.iter().any(|t| same_version(t, current)) => Ok(()),
            IfMatch::Tags(_) => Err(AppError::PreconditionFailed {
                current: current.to_owned(),
            }),
        }
    }
}

/// Who writes, and under which rule.
#[derive(Debug, Clone, Copy)]
pub struct Editor<'a> {
    /// The API key's name, logged as the change's actor.
    pub actor: &'a str,
    /// Refuse `PUT`, `PATCH` and `DELETE` without `If-Match` (428).
    pub require_if_match: bool,
    /// Longest a write may take, its turn included (`--request-timeout-secs`):
    /// see [`bounded`].
    pub deadline: std::time::Duration,
}

/// What a write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The record's id.
    pub id: Uuid,
    /// Its slug.
    pub slug: String,
    /// Its `ETag` after the write.
    pub etag: String,
    /// It was created (`POST`).
    pub created: bool,
    /// Anything changed: a `PUT` of the stored record changes nothing and
    /// logs nothing.
    pub changed: bool,
}

/// What a write does to the stored record's body (in the import format).
enum Edit {
    /// `PUT`: the body replaces the record.
    Replace(Value),
    /// `PATCH`: the body is a JSON Merge Patch (RFC 7396) of the record.
    Merge(Value),
}

/// Creates a record of `C` from `body` (its import format): 422 listing
/// every problem if the body is at fault, else 409 if it conflicts with the
/// stored data (a taken slug, an unknown reference); nothing is written
/// then.
async fn create<C: ImportCollection>(
    db: &DatabaseConnection,
    by: Editor<'_>,
    body: Value,
) -> AppResult<Written> {
    let tx = begin(db).await?;
    let mut problems = Problems::of_body();
    let Some(Parsed { record, stand_ins }) = parse::<C>(body, &mut problems) else {
        return Err(problems.into_result().err().unwrap_or_else(bad_body));
    };
    let slug = C::slug(&record).to_owned();
    let mut known = references::<C>(&tx, &record).await?;
    let (mut checks, mut conflicts) = (Problems::of_body(), Problems::of_body());
    if known.ids(C::NAME).contains_key(&slug) {
        conflicts.add_field(
            "slug",
            format!(
                "{} with this slug exists already: change it with PUT or PATCH",
                a(C::KIND)
            ),
        );
    }
    let id = stable_id(C::NAME, &slug);
    known.insert::<C>(&slug, id);
    check::<C>(&tx, &record, id, &known, &mut checks, &mut conflicts).await?;
    problems.settle(checks, conflicts, &stand_ins)?;
    let fields = diff(&Value::Null, &to_json(&record)?);
    let written = save::<C>(&tx, &record, id, &known, by, &fields).await?;
    tx.commit().await?;
    Ok(written)
}

/// A write with a body: what it does with it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Operation<'a> {
    /// `POST`: the body is a new record.
    Create,
    /// `PUT`: the body replaces record `key` (id or slug).
    Replace(&'a str, &'a IfMatch),
    /// `PATCH`: the body is a JSON Merge Patch (RFC 7396) of record `key`
    /// in its import format: a field set to `null` is removed (optional
    /// fields only), an array replaces the stored one.
    Merge(&'a str, &'a IfMatch),
}

/// Writes `body` to a record of `C` as `operation` says.
pub(crate) async fn write<C: ImportCollection>(
    db: &DatabaseConnection,
    by: Editor<'_>,
    operation: Operation<'_>,
    body: Value,
) -> AppResult<Written> {
    let _turn = turn(by.deadline).await?;
    bounded(by.deadline, async {
        match operation {
            Operation::Create => create::<C>(db, by, body).await,
            Operation::Replace(key, tag) => {
                update::<C>(db, by, key, tag, Edit::Replace(body)).await
            }
            Operation::Merge(key, tag) => update::<C>(db, by, key, tag, Edit::Merge(body)).await,
        }
    })
    .await
}

/// Runs `write`, abandoning it after `deadline` (503 `timeout`).
///
/// The statement timeout bounds a statement the server runs, but not one
/// whose answer never comes (a network that drops packets): such a write
/// waited until the network came back, holding this process's writer turn,
/// so every write behind it waited too. Dropping the write's future ends
/// its transaction (rolled back when the connection speaks again) and
/// releases the turn. Rejected: cutting off writes earlier, or by the
/// request's own clock, since a write stopped after its `COMMIT` was sent
/// has been made; the bound is for a database that stopped answering, and
/// the answer says the outcome is unknown. The bound starts once the write
/// has its [`turn`].
async fn bounded<T>(
    deadline: std::time::Duration,
    write: impl std::future::Future<Output = AppResult<T>>,
) -> AppResult<T> {
    tokio::time::timeout(deadline, write)
        .await
        .unwrap_or(Err(AppError::WriteAbandoned(deadline)))
}

async fn update<C: ImportCollection>(
    db: &DatabaseConnection,
    by: Editor<'_>,
    key: &str,
    if_match: &IfMatch,
    edit: Edit,
) -> AppResult<Written> {
    let tx = begin(db).await?;
    let stored = find::<C>(&tx, key).await?;
    if_match.check(&etag(stored.stamps().1), by.require_if_match)?;
    let id = stored.id();
    let old = record_of::<C>(&tx, &stored).await?;
    let body = match edit {
        Edit::Replace(body) => body,
        Edit::Merge(patch) => {
            if !patch.is_object() {
                return Err(AppError::InvalidData(vec![crate::error::FieldError::new(
                    "",
                    "a merge patch of a record must be a JSON object",
                )]));
            }
            let mut merged = old.clone();
            json_patch::merge(&mut merged, &patch);
            merged
        }
    };
    let mut problems = Problems::of_body();
    let Some(Parsed { record, stand_ins }) = parse::<C>(body, &mut problems) else {
        return Err(problems.into_result().err().unwrap_or_else(bad_body));
    };
    let (mut checks, mut conflicts) = (Problems::of_body(), Problems::of_body());
    let stored_slug = old.get("slug").and_then(Value::as_str).unwrap_or_default();
    if C::slug(&record) != stored_slug {
        conflicts.add_field(
            "slug",
            format!(
                "is the record's key and cannot change (it is `{stored_slug}`): create a new {} and delete this one",
                C::KIND
            ),
        );
    }
    let mut known = references::<C>(&tx, &record).await?;
    known.insert::<C>(C::slug(&record), id);
    check::<C>(&tx, &record, id, &known, &mut checks, &mut conflicts).await?;
    problems.settle(checks, conflicts, &stand_ins)?;
    let fields = diff(&old, &to_json(&record)?);
    let written = save::<C>(&tx, &record, id, &known, by, &fields).await?;
    tx.commit().await?;
    Ok(written)
}

/// Deletes record `key` of `C` with its links (`DELETE`); the change log
/// keeps a `delete` entry; returns the id it had. 409 if other records
/// still refer to it.
pub(crate) async fn delete<C: ImportCollection>(
    db: &DatabaseConnection,
    by: Editor<'_>,
    key: &str,
    if_match: &IfMatch,
) -> AppResult<Uuid> {
    let _turn = turn(by.deadline).await?;
    bounded(by.deadline, async {
        let tx = begin(db).await?;
        let stored = find::<C>(&tx, key).await?;
        if_match.check(&etag(stored.stamps().1), by.require_if_match)?;
        let old = record_of::<C>(&tx, &stored).await?;
        let slug = old
            .get("slug")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let doomed = Doomed::one::<C>(stored.id(), &slug);
        // Every slug, to name the records that still refer to this one.
        let known = collections::known(&tx, &collections::Dataset::default()).await?;
        let mut found = BTreeSet::new();
        collections::find_dangling(&tx, &doomed, &known, &mut found).await?;
        if !found.is_empty() {
            let total = found.len();
            let mut named: Vec<String> = found
                .into_iter()
                .take(10)
                .map(|(_, _, kind, owner, field)| format!("{kind} `{owner}` ({field})"))
                .collect();
            if total > named.len() {
                named.push(format!("and {} more", total - named.len()));
            }
            return Err(AppError::Conflict(format!(
                "{} `{slug}` cannot be deleted while other records refer to it: {}; change or delete them first",
                C::KIND,
                named.join(", ")
            )));
        }
        let fields = diff(&old, &Value::Null);
        let author = Author {
            actor: Some(by.actor),
            fields: Some(&fields),
        };
        let mut report = ImportReport::default();
        prune::delete::<C>(&tx, &doomed, now(), &mut report, author).await?;
        tx.commit().await?;
        Ok(stored.id())
    })
    .await
}

/// The record `key` (id or slug) of `C` in its import format, with its
/// `ETag`: what a client edits.
pub(crate) async fn read<C: ImportCollection>(
    db: &DatabaseConnection,
    key: &str,
) -> AppResult<(Value, String)> {
    let tx = db.begin().await?;
    let stored = find::<C>(&tx, key).await?;
    let record = record_of::<C>(&tx, &stored).await?;
    tx.commit().await?;
    Ok((record, etag(stored.stamps().1)))
}

/// The records `ids` of `C` in their import format, by id (absent: no
/// longer stored). One query for the rows, one per link table, one per
/// collection they refer to.
pub(crate) async fn records_of<C: ImportCollection>(
    db: &DatabaseTransaction,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Value>> {
    let mut rows = Vec::new();
    for chunk in ids.chunks(super::collection::CHUNK) {
        rows.extend(
            C::Entity::find()
                .filter(C::id_column().is_in(chunk.to_vec()))
                .all(db)
                .await?,
        );
    }
    let ids: Vec<Uuid> = rows.iter().map(Stamped::id).collect();
    let links = C::stored_links(db, &ids).await?;
    let none = C::Links::default();
    let mut slugs = Slugs::default();
    for row in &rows {
        C::record(row, links.get(&row.id()).unwrap_or(&none), &slugs)?;
    }
    collections::load_slugs(db, &mut slugs).await?;
    rows.iter()
        .map(|row| {
            let record = C::record(row, links.get(&row.id()).unwrap_or(&none), &slugs)?;
            Ok((row.id(), to_json(&record)?))
        })
        .collect()
}

/// This process's turn to write, if it comes within `deadline`; else the
/// write is given up unmade (503 `timeout`): the time a write waits for
/// its turn does not count against its own bound (see [`bounded`]).
async fn turn(deadline: std::time::Duration) -> AppResult<tokio::sync::MutexGuard<'static, ()>> {
    tokio::time::timeout(deadline, WRITER.lock())
        .await
        .map_err(|_| AppError::DeadlineExceeded(deadline))
}

/// Starts a write (the caller holds this process's [`turn`]): a
/// transaction holding the database's writer lock.
async fn begin(db: &DatabaseConnection) -> AppResult<DatabaseTransaction> {
    let tx = db.begin().await?;
    super::one_writer_at_a_time(&tx).await?;
    if tx.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        // Take SQLite's write lock before the first read (what `BEGIN
        // IMMEDIATE` does): a write statement as the first one waits out
        // the busy timeout for another connection's write (a key's
        // `last_used_at`, `lotse import`). Without it, the transaction read
        // first and, upgraded to a writer after another commit, failed with
        // SQLITE_BUSY at once (seen as a 503 between two concurrent PATCHes).
        tx.execute_unprepared("UPDATE changes SET seq = seq WHERE 0")
            .await?;
    }
    Ok(tx)
}

/// Microseconds: what PostgreSQL stores, so a re-read equals what we wrote.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn bad_body() -> AppError {
    AppError::InvalidData(vec![crate::error::FieldError::new(
        "",
        "is not a record of this collection",
    )])
}

fn to_json<T: serde::Serialize>(value: &T) -> AppResult<Value> {
    serde_json::to_value(value).map_err(|e| AppError::Unexpected(e.into()))
}

/// The stored record `key` of `C` (a UUID, a slug or one of its
/// [`ImportCollection::alternate_keys`]); 404 if none.
async fn find<C: ImportCollection>(tx: &DatabaseTransaction, given: &str) -> AppResult<Model<C>> {
    // NFKC, as reads take keys (`ｂｍｗｉ` is `bmwi`).
    let key = crate::unicode::key(given);
    let key = key.as_ref();
    let candidates = match Uuid::parse_str(key) {
        Ok(id) => vec![C::Entity::find().filter(C::id_column().eq(id))],
        Err(_) => std::iter::once((C::slug_column(), key.to_owned()))
            .chain(C::alternate_keys(key))
            .map(|(column, key)| C::Entity::find().filter(column.eq(key)))
            .collect(),
    };
    for query in candidates {
        if let Some(found) = query.one(tx).await? {
            return Ok(found);
        }
    }
    Err(AppError::NotFound {
        resource: C::KIND,
        key: given.to_owned(),
    })
}

/// The stored record in its import format.
async fn record_of<C: ImportCollection>(
    tx: &DatabaseTransaction,
    stored: &Model<C>,
) -> AppResult<Value> {
    let id = stored.id();
    let mut links = C::stored_links(tx, &[id]).await?;
    let links = links.remove(&id).unwrap_or_default();
    let mut slugs = Slugs::default();
    C::record(stored, &links, &slugs)?;
    collections::load_slugs(tx, &mut slugs).await?;
    to_json(&C::record(stored, &links, &slugs)?)
}

/// A body read as a record, with the places that had to be stood in for.
struct Parsed<R> {
    record: R,
    /// JSON Pointers of values that were wrong or missing (already
    /// reported) and stand in with a value of the right type, so that the
    /// checks of everything else still run; the checks' problems at or
    /// below these are dropped.
    stand_ins: BTreeSet<String>,
}

/// Where a shape error of a body is, as a JSON Pointer, and what it is.
enum Fault {
    /// A field the record type does not have: dropped.
    Unknown(String),
    /// A value that is missing or of the wrong type or value: stood in for.
    Wrong(String, String),
}

/// The fault serde reports, located by JSON Pointer.
fn fault(err: &serde_path_to_error::Error<serde_json::Error>) -> Fault {
    let at = super::collection::pointer(&err.path().to_string().replace('?', ""));
    let message = err.inner().to_string();
    let named = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
    };
    let below = |name: &str| {
        let token = super::collection::pointer_token(name);
        if at.ends_with(&format!("/{token}")) {
            at.clone()
        } else {
            format!("{at}/{token}")
        }
    };
    if let Some(unknown) = named("unknown field `") {
        Fault::Unknown(below(&unknown))
    } else if let Some(missing) = named("missing field `") {
        Fault::Wrong(below(&missing), "is required".to_owned())
    } else {
        Fault::Wrong(at, message)
    }
}

/// The parent of `pointer` and the last step (a key or an index), its
/// `~1` and `~0` read back (RFC 6901 §4).
fn split(pointer: &str) -> (&str, String) {
    let (parent, token) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    (parent, token.replace("~1", "/").replace("~0", "~"))
}

/// Sets (or adds) the value at `pointer`; false if its parent is missing.
fn set_at(root: &mut Value, pointer: &str, value: Value) -> bool {
    let (parent, last) = split(pointer);
    match root.pointer_mut(parent) {
        Some(Value::Object(fields)) => {
            fields.insert(last, value);
            true
        }
        Some(Value::Array(items)) => {
            match last.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                Some(item) => {
                    *item = value;
                    true
                }
                None => false,
            }
        }
        _ => false,
    }
}

/// Removes the field at `pointer`; false if there is none.
fn remove_at(root: &mut Value, pointer: &str) -> bool {
    let (parent, last) = split(pointer);
    match root.pointer_mut(parent) {
        Some(Value::Object(fields)) => fields.remove(&last).is_some(),
        _ => false,
    }
}

/// Reads `body` as a record of `C`, reporting every shape error (a wrong
/// type or value, an unknown or missing field, at any depth) by JSON
/// Pointer. serde stops at the first error, so each fault is reported,
/// then dropped (unknown fields) or stood in for (see [`stand_in`]), and
/// the body read again. `None` if no record can be built even so.
fn parse<C: ImportCollection>(
    mut body: Value,
    problems: &mut Problems,
) -> Option<Parsed<C::Record>> {
    if !body.is_object() {
        problems.add_field("", format!("must be a JSON object: one {}", C::KIND));
        return None;
    }
    let mut stand_ins: BTreeSet<String> = BTreeSet::new();
    // Each round settles one fault; bounded so a pathological body ends.
    for _ in 0..256 {
        let err = match serde_path_to_error::deserialize::<_, C::Record>(body.clone()) {
            Ok(record) => return Some(Parsed { record, stand_ins }),
            Err(err) => err,
        };
        match fault(&err) {
            Fault::Unknown(at) => {
                let (_, name) = split(&at);
                problems.add_pointer(&at, format!("`{name}` is not a field of {}", a(C::KIND)));
                if !remove_at(&mut body, &at) {
                    return None;
                }
            }
            Fault::Wrong(at, message) => {
                if !stand_ins.insert(at.clone()) {
                    return None; // the stand-in itself did not do
                }
                problems.add_pointer(&at, message.clone());
                let value = stand_in::<C>(&body, &at, &message)?;
                if !set_at(&mut body, &at, value) {
                    return None;
                }
            }
        }
    }
    None
}

/// `a topic`, `an offer`.
fn a(kind: &str) -> String {
    match kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        true => format!("an {kind}"),
        false => format!("a {kind}"),
    }
}

/// A value that the place `at` of `C`'s records takes (the first value of
/// an enumeration, an empty text or list, zero, false, a date, an empty
/// object or null), found by trying each; `None` if none does.
fn stand_in<C: ImportCollection>(body: &Value, at: &str, message: &str) -> Option<Value> {
    let first_of = |message: &str| {
        message
            .split("expected one of `")
            .nth(1)
            .and_then(|rest| rest.split('`').next())
            .map(Value::from)
    };
    let mut candidates: Vec<Value> = first_of(message).into_iter().collect();
    candidates.extend([
        Value::from(""),
        Value::Array(Vec::new()),
        Value::from(0),
        Value::from(false),
        Value::from("2000-01-01"),
        Value::Object(Map::new()),
        Value::Null,
    ]);
    let mut i = 0;
    while let Some(candidate) = candidates.get(i).cloned() {
        i += 1;
        let mut trial = body.clone();
        if !set_at(&mut trial, at, candidate.clone()) {
            return None;
        }
        let err = match serde_path_to_error::deserialize::<_, C::Record>(trial) {
            Ok(_) => return Some(candidate),
            Err(err) => err,
        };
        let elsewhere = match fault(&err) {
            Fault::Unknown(other) | Fault::Wrong(other, _) => other != at,
        };
        if elsewhere {
            return Some(candidate); // this place is settled; another is wrong
        }
        // "unknown variant ``, expected one of …" names a value that does.
        let text = err.inner().to_string();
        if let Some(value) = first_of(&text).filter(|v| !candidates.contains(v)) {
            candidates.insert(i, value);
        }
    }
    None
}

/// slug → id of the stored records `record` refers to, and of `record`'s
/// own slug if stored.
async fn references<C: ImportCollection>(
    tx: &DatabaseTransaction,
    record: &C::Record,
) -> AppResult<Known> {
    let mut wanted: HashMap<&'static str, Vec<&str>> = HashMap::new();
    if is_valid_slug(C::slug(record)) {
        wanted.entry(C::NAME).or_default().push(C::slug(record));
    }
    // A slug that is not one cannot be stored (and a NUL in it would make
    // PostgreSQL fail the query): it is reported as unknown.
    for reference in C::references(record)
        .into_iter()
        .filter(|r| is_valid_slug(r.slug))
    {
        wanted
            .entry(reference.target)
            .or_default()
            .push(reference.slug);
    }
    collections::known_named(tx, &wanted)
        .await
        .map_err(AppError::from)
}

/// The checks of an import for this one record: into `problems` those of
/// the record alone (its own parent included), into `conflicts` those with
/// the stored data (its references exist, its unique values are free, a
/// new parent is not below it).
async fn check<C: ImportCollection>(
    tx: &DatabaseTransaction,
    record: &C::Record,
    id: Uuid,
    known: &Known,
    problems: &mut Problems,
    conflicts: &mut Problems,
) -> AppResult<()> {
    check_shape::<C>(std::slice::from_ref(record), problems);
    check_cycles::<C>(std::slice::from_ref(record), problems);
    check_references::<C>(std::slice::from_ref(record), known, conflicts);
    for (field, column, value) in C::unique(record) {
        if value.chars().any(char::is_control) {
            continue; // reported by the shape check; never sent to the database
        }
        let taken: Option<String> = C::Entity::find()
            .select_only()
            .column(C::slug_column())
            .filter(column.eq(value))
            .filter(C::id_column().ne(id))
            .into_tuple()
            .one(tx)
            .await?;
        if let Some(other) = taken {
            conflicts.add_field(
                field,
                format!("{} `{other}` has this value already", C::KIND),
            );
        }
    }
    let (Some(parent), Some(column)) = (C::parent(record), C::parent_column()) else {
        return Ok(());
    };
    if parent == C::slug(record) {
        return Ok(()); // its own parent: reported by `check_cycles`
    }
    let Some(mut current) = known.ids(C::NAME).get(parent).copied() else {
        return Ok(()); // unknown parent: reported above
    };
    // Walk up from the new parent; the stored tree has no cycle, so this
    // ends at a root (or at `id`, which the write would close into one).
    for _ in 0..1000 {
        if current == id {
            conflicts.add_field(
                "parent",
                format!(
                    "`{parent}` is this {} or below it: parents would form a cycle",
                    C::KIND
                ),
            );
            break;
        }
        let up: Option<Option<Uuid>> = C::Entity::find()
            .select_only()
            .column(column)
            .filter(C::id_column().eq(current))
            .into_tuple()
            .one(tx)
            .await?;
        match up.flatten() {
            Some(next) => current = next,
            None => break,
        }
    }
    Ok(())
}

/// Writes the checked `record` as record `id` and reads back its `ETag`.
async fn save<C: ImportCollection>(
    tx: &DatabaseTransaction,
    record: &C::Record,
    id: Uuid,
    known: &Known,
    by: Editor<'_>,
    fields: &str,
) -> AppResult<Written> {
    let author = Author {
        actor: Some(by.actor),
        fields: Some(fields),
    };
    let mut report = ImportReport::default();
    write::write::<C>(
        tx,
        std::slice::from_ref(record),
        known,
        now(),
        &mut report,
        &|_| {},
        author,
    )
    .await?;
    let stored = find::<C>(tx, &id.to_string()).await?;
    Ok(Written {
        id,
        slug: C::slug(record).to_owned(),
        etag: etag(stored.stamps().1),
        created: report.inserted.values().sum::<usize>() > 0,
        changed: report.changed() > 0,
    })
}

/// The fields whose value differs between `old` and `new` (records in the
/// import format; `null` for none), as the JSON object
/// `{field: {"old": …, "new": …}}` the audit trail keeps.
fn diff(old: &Value, new: &Value) -> String {
    let empty = Map::new();
    let old = old.as_object().unwrap_or(&empty);
    let new = new.as_object().unwrap_or(&empty);
    let names: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let mut changed = Map::new();
    for name in names {
        let (before, after) = (
            old.get(name).unwrap_or(&Value::Null),
            new.get(name).unwrap_or(&Value::Null),
        );
        if before != after {
            changed.insert(
                name.clone(),
                serde_json::json!({"old": before, "new": after}),
            );
        }
    }
    Value::Object(changed).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_reads_lists_and_the_wildcard() {
        assert_eq!(IfMatch::parse([]), IfMatch::Absent);
        assert_eq!(IfMatch::parse(["*"]), IfMatch::Any);
        assert_eq!(
            IfMatch::parse([r#""a", W/"b""#, r#""c""#]),
            IfMatch::Tags(vec![r#""a""#.into(), r#"W/"b""#.into(), r#""c""#.into()])
        );
        let tags = IfMatch::parse([r#""a", W/"b""#]);
        assert!(tags.check(r#""a""#, false).is_ok());
        // Strong comparison: a weak tag never matches.
        assert!(matches!(
            tags.check(r#""b""#, false),
            Err(AppError::PreconditionFailed { current }) if current == r#""b""#
        ));
        assert!(matches!(
            IfMatch::Absent.check("\"a\"", true),
            Err(AppError::PreconditionRequired)
        ));
        assert!(IfMatch::Absent.check("\"a\"", false).is_ok());
    }

    #[test]
    fn the_diff_lists_changed_fields_only() {
        let old = serde_json::json!({"a": 1, "b": [1], "c": null});
        let new = serde_json::json!({"a": 1, "b": [2], "d": "x"});
        let diff: Value = serde_json::from_str(&diff(&old, &new)).unwrap_or_default();
        assert_eq!(
            diff,
            serde_json::json!({"b": {"old": [1], "new": [2]}, "d": {"old": null, "new": "x"}})
        );
    }
}
