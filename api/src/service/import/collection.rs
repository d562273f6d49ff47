//! What the import needs to know of one collection ([`ImportCollection`]),
//! the checks that serve every collection from it, and what the steps share
//! per collection: the known ids ([`Known`]) and the records a prune
//! deletes ([`Doomed`]). The steps import this module, never the reverse.
//!
//! Each collection of the import format is one file in `collections/`: its
//! record type and one `ImportCollection` impl (how a record is checked, which
//! records it refers to, the row it becomes, its links). The steps of an
//! import — check, write ([`super::write`]), prune ([`super::prune`]) — are
//! generic over it, so a new collection cannot be written by one step and
//! forgotten by another. Why a trait and not a table of closures: the steps
//! need the collection's entity and record *types* (to load and compare rows
//! of that entity), which only a trait's associated types carry.
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect,
};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::error::{AppError, AppResult, FieldError};
use crate::slug::{is_valid_slug, stable_id};

/// The stored row type of collection `C`.
pub(crate) type Model<C> = <<C as ImportCollection>::Entity as EntityTrait>::Model;
/// A column of collection `C`'s table.
pub(crate) type Column<C> = <<C as ImportCollection>::Entity as EntityTrait>::Column;

/// One collection of the import format: a top-level key of the file, a
/// table, and a kind of record that other records may refer to by slug.
///
/// Only `NAME`, `KIND`, the types, the columns, `slug`, `source` and `model`
/// are required; the rest default to "none" (no checks beyond slug and
/// source, no references, no links, no parent).
pub(crate) trait ImportCollection: 'static {
    /// The key in the file, the table's name and the `collection` of its
    /// change-log entries, e.g. `offers`.
    const NAME: &'static str;
    /// One record of it, for messages: `unknown partner `x``.
    const KIND: &'static str;
    /// The collection whose `write:<collection>` scope covers writes of it
    /// through the API (contacts and people belong to their partner).
    const SCOPE: &'static str = Self::NAME;
    /// One record of the import format (also the body of an API write).
    type Record: DeserializeOwned + serde::Serialize + std::fmt::Debug;
    /// The stored table; its rows carry their id and stamps, compare by
    /// content, and are written whole (what every step needs of them).
    type Entity: EntityTrait<
            Model: super::write::Stamped
                       + PartialEq
                       + Send
                       + Sync
                       + IntoActiveModel<<Self::Entity as EntityTrait>::ActiveModel>,
            ActiveModel: Send,
        >;
    /// The record's links (topics, participants …), compared as a whole: a
    /// change of them is an update of the record. `()` for none.
    type Links: Default + PartialEq;

    /// The primary key column (`id`, a UUID).
    fn id_column() -> Column<Self>;
    /// The unique slug column.
    fn slug_column() -> Column<Self>;
    /// Other unique keys an item path may name, tried after the slug in
    /// this order: `(column, key as stored there)`. None by default;
    /// regions: official key (ARS) and NUTS code, as their reads take them.
    fn alternate_keys(_key: &str) -> Vec<(Column<Self>, String)> {
        Vec::new()
    }
    /// The record's slug.
    fn slug(r: &Self::Record) -> &str;
    /// The record's `source`, which must not be blank.
    fn source(r: &Self::Record) -> &str;

    /// Checks of one record that need no database (required text, date
    /// order …); slug and source are checked for every collection.
    fn check_record(_r: &Self::Record, _p: &mut RecordProblems<'_>) {}

    /// Every slug this record refers to; each must be in the file or stored.
    fn references(_r: &Self::Record) -> Vec<Reference<'_>> {
        Vec::new()
    }

    /// The record's values of columns that are unique besides the slug (a
    /// region's official key and NUTS code), as (field, column, value):
    /// an API write checks them before writing, to name the field.
    fn unique(_r: &Self::Record) -> Vec<(&'static str, Column<Self>, String)> {
        Vec::new()
    }

    /// The record's parent in the same collection (topics, regions): parents
    /// are written first, cycles refused, children deleted first.
    fn parent(_r: &Self::Record) -> Option<&str> {
        None
    }

    /// The column holding the parent's id, if the collection is a tree.
    fn parent_column() -> Option<Column<Self>> {
        None
    }

    /// The row to store for `r` under `id`; references resolved through
    /// `k`. `created_at` and `updated_at` are set by the write step.
    fn model(r: &Self::Record, id: Uuid, k: &Known, now: DateTime<Utc>) -> AppResult<Model<Self>>;

    /// The stored record `m` with its `links`, back in the import format:
    /// what `GET /api/v1/changes` shows and what a `PATCH` is applied to.
    /// References are named by slug through `s`.
    fn record(m: &Model<Self>, links: &Self::Links, s: &Slugs) -> AppResult<Self::Record>;

    /// The links the file gives record `id`.
    fn links(_r: &Self::Record, _id: Uuid, _k: &Known) -> AppResult<Self::Links> {
        Ok(Self::Links::default())
    }

    /// The stored links of the records `ids` (records without links may be
    /// absent from the map).
    async fn stored_links(
        _tx: &DatabaseTransaction,
        _ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Self::Links>, DbErr> {
        Ok(HashMap::new())
    }

    /// Replaces the stored links of record `id` by `links`; `had_links`
    /// says whether it had any (a new record has none to delete).
    async fn replace_links(
        _tx: &DatabaseTransaction,
        _id: Uuid,
        _links: Self::Links,
        _had_links: bool,
    ) -> Result<(), DbErr> {
        Ok(())
    }

    /// Deletes the links of the records `ids` before the records themselves
    /// (`--prune`).
    async fn delete_links(_tx: &DatabaseTransaction, _ids: &Ids) -> Result<(), DbErr> {
        Ok(())
    }

    /// The stored references from this collection's rows and links to the
    /// records a prune is about to delete, found with
    /// [`stored_references`], one call per foreign key.
    async fn stored_references(
        _tx: &DatabaseTransaction,
        _doomed: &Doomed,
    ) -> Result<Vec<StoredReference>, DbErr> {
        Ok(Vec::new())
    }
}

/// A reference from a record of the file to another record, by slug.
#[derive(Debug)]
pub(crate) struct Reference<'a> {
    /// The field holding it, e.g. `provider` or `participants[2].partner`.
    pub field: Cow<'static, str>,
    /// The referred record's collection …
    pub target: &'static str,
    /// … and kind, for the message.
    pub target_kind: &'static str,
    /// The slug referred to.
    pub slug: &'a str,
}

impl<'a> Reference<'a> {
    /// A reference to record `slug` of collection `T` in `field`.
    pub fn to<T: ImportCollection>(field: impl Into<Cow<'static, str>>, slug: &'a str) -> Self {
        Reference {
            field: field.into(),
            target: T::NAME,
            target_kind: T::KIND,
            slug,
        }
    }
}

/// A stored row referring to a record a prune deletes.
#[derive(Debug)]
pub(crate) struct StoredReference {
    /// The referring record (the row itself, or the record a link row
    /// belongs to).
    pub owner: Uuid,
    /// The referred record.
    pub target: Uuid,
    /// Its collection.
    pub target_collection: &'static str,
    /// The field of the import format that holds the reference.
    pub field: &'static str,
}

/// Collects field errors with the record named, as `offers[3] (slug).field`
/// in a file, or as a JSON Pointer (RFC 6901) into the body of an API write,
/// e.g. `/participants/2/partner`.
#[derive(Default)]
pub(crate) struct Problems {
    errors: Vec<FieldError>,
    /// Name fields by JSON Pointer (one record, an API body).
    pointers: bool,
}

impl Problems {
    /// Problems of one record sent to the API, named by JSON Pointer.
    pub fn of_body() -> Self {
        Self {
            errors: Vec::new(),
            pointers: true,
        }
    }

    fn add(&mut self, collection: &str, index: usize, slug: &str, field: &str, message: String) {
        let at = if self.pointers {
            pointer(field)
        } else if field.is_empty() {
            format!("{collection}[{index}] ({slug})")
        } else {
            format!("{collection}[{index}] ({slug}).{field}")
        };
        self.errors.push(FieldError::new(at, message));
    }

    /// Adds a problem of the body's field `field` (a path such as
    /// `participants[2].partner`).
    pub fn add_field(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(pointer(field), message));
    }

    /// Adds a problem at the JSON Pointer `at`.
    pub fn add_pointer(&mut self, at: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(at, message));
    }

    /// Adds `other`'s problems except those at or below the JSON Pointers
    /// `places` (values already reported and stood in for).
    pub fn extend_except(&mut self, other: Problems, places: &std::collections::BTreeSet<String>) {
        self.errors.extend(other.errors.into_iter().filter(|e| {
            !places
                .iter()
                .any(|p| e.field == *p || e.field.starts_with(&format!("{p}/")))
        }));
    }

    /// Settles a write of one record: `Ok` if neither `self` (problems of
    /// the body alone) nor `conflicts` (with the stored data) holds one;
    /// else 422 with both if the body is at fault, or 409 with the
    /// conflicts if only they remain (see [`AppError::ConflictingData`]).
    /// Problems at or below `places` (values already reported and stood
    /// in for) are left out.
    pub fn settle(
        mut self,
        checks: Problems,
        conflicts: Problems,
        places: &std::collections::BTreeSet<String>,
    ) -> AppResult<()> {
        self.extend_except(checks, places);
        let mut conflicting = Problems::of_body();
        conflicting.extend_except(conflicts, places);
        if self.errors.is_empty() && !conflicting.errors.is_empty() {
            return Err(AppError::ConflictingData(conflicting.errors));
        }
        self.errors.extend(conflicting.errors);
        self.into_result()
    }

    /// `Ok` if nothing was found, else every problem as invalid data.
    pub fn into_result(self) -> AppResult<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::InvalidData(self.errors))
        }
    }
}

/// A field path as problems name it in a file: `participants[2].partner`,
/// and a member name that is not a plain word (letters, digits, `_`, `-`)
/// in brackets and quotes, `facts['a.b']`, as RFC 9535 normalized paths
/// write it (`\\` and `\'` escaped): member names of `facts` are free text.
pub(crate) fn member_path(path: &str, name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    match (plain, path.is_empty()) {
        (true, true) => name.to_owned(),
        (true, false) => format!("{path}.{name}"),
        (false, _) => format!(
            "{path}['{}']",
            name.replace('\\', "\\\\").replace('\'', "\\'")
        ),
    }
}

/// One reference token of a JSON Pointer: `~` as `~0`, `/` as `~1`
/// (RFC 6901 §3).
pub(crate) fn pointer_token(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// A field path ([`member_path`]) as a JSON Pointer (RFC 6901):
/// `participants[2].partner` → `/participants/2/partner`,
/// `facts['a/b']` → `/facts/a~1b`. The empty path is the whole body.
pub(crate) fn pointer(path: &str) -> String {
    let mut out = String::new();
    let mut chars = path.chars().peekable();
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        if !token.is_empty() {
            out.push('/');
            out.push_str(&pointer_token(token));
            token.clear();
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '.' => flush(&mut token, &mut out),
            '[' if chars.peek() == Some(&'\'') => {
                flush(&mut token, &mut out);
                chars.next();
                let mut name = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => name.extend(chars.next()),
                        '\'' => break,
                        c => name.push(c),
                    }
                }
                chars.next(); // the closing `]`
                out.push('/');
                out.push_str(&pointer_token(&name));
            }
            '[' => flush(&mut token, &mut out),
            ']' => flush(&mut token, &mut out),
            c => token.push(c),
        }
    }
    flush(&mut token, &mut out);
    out
}

/// The problems of one record: [`Problems`] with the record named.
pub(crate) struct RecordProblems<'a> {
    problems: &'a mut Problems,
    collection: &'static str,
    index: usize,
    slug: &'a str,
}

impl RecordProblems<'_> {
    /// Reports `message` about `field` of this record.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.problems.add(
            self.collection,
            self.index,
            self.slug,
            field,
            message.into(),
        );
    }

    /// Reports `field` if its text is blank ([`crate::limits::is_blank`]).
    pub fn required(&mut self, field: &str, text: &str) {
        if crate::limits::is_blank(text) {
            self.add(field, "must not be empty");
        }
    }

    /// Reports every entry of the list `field` that appears a second time.
    pub fn distinct<T: PartialEq + std::fmt::Display>(&mut self, field: &str, items: &[T]) {
        for (i, item) in items.iter().enumerate() {
            if items[..i].contains(item) {
                self.add(
                    &format!("{field}[{i}]"),
                    format!("`{item}` is listed twice"),
                );
            }
        }
    }

    /// Reports `field` if its text is longer than `max` characters.
    pub fn at_most(&mut self, field: &str, text: Option<&str>, max: usize) {
        if let Some(text) = text
            && text.chars().count() > max
        {
            self.add(field, format!("must be at most {max} characters"));
        }
    }

    /// Reports `field` unless it is an absolute `http` or `https` URL as
    /// [`WEB_URL`] states it (the contract's pattern, so that what the
    /// contract allows is what the server takes) that WHATWG URL parsing
    /// (the `url` crate, as browsers) also reads: the API serves it as an
    /// IRI (`format: iri`), so characters an IRI cannot hold (`\`, `{`, a
    /// space, a bad `%` escape) are refused rather than passed on.
    pub fn web_url(&mut self, field: &str, text: Option<&str>) {
        let Some(text) = text else { return };
        let readable = url::Url::parse(text).is_ok_and(|u| u.host().is_some());
        if !(matches(&WEB_URL_RE, text) && readable) {
            self.add(
                field,
                "must be an absolute http(s) URL, e.g. `https://www.example.de/`",
            );
        }
    }

    /// Reports `field` unless it is an e-mail address as [`EMAIL`] states
    /// it (the contract's pattern).
    pub fn email(&mut self, field: &str, text: Option<&str>) {
        let Some(text) = text else { return };
        if !matches(&EMAIL_RE, text) {
            self.add(field, "must be an e-mail address, e.g. `info@example.de`");
        }
    }
}

/// A vocabulary value as stored (the database only holds values the
/// import checked; anything else is a corrupt row, a 500).
pub(crate) fn stored<T: std::str::FromStr<Err = String>>(text: &str) -> AppResult<T> {
    text.parse()
        .map_err(|e: String| AppError::Unexpected(anyhow::anyhow!("stored value: {e}")))
}

/// Names the records a stored record refers to by slug, for
/// [`ImportCollection::record`]. Filled in two passes: the first call of
/// `record` asks for ids it does not know (and gets empty slugs), the
/// caller loads those, and the second call names them all. Why not a
/// second, hand-written list of each collection's references: `record`
/// already names every one.
#[derive(Debug, Default)]
pub(crate) struct Slugs {
    known: HashMap<(&'static str, Uuid), String>,
    missing: std::cell::RefCell<std::collections::BTreeSet<(&'static str, Uuid)>>,
}

impl Slugs {
    /// The slug of record `id` of `T`.
    pub fn of<T: ImportCollection>(&self, id: Uuid) -> String {
        match self.known.get(&(T::NAME, id)) {
            Some(slug) => slug.clone(),
            None => {
                self.missing.borrow_mut().insert((T::NAME, id));
                String::new()
            }
        }
    }

    /// Like [`Slugs::of`] for an optional reference.
    pub fn opt<T: ImportCollection>(&self, id: Option<Uuid>) -> Option<String> {
        id.map(|id| self.of::<T>(id))
    }

    /// The ids asked for and not known, by collection.
    pub(super) fn take_missing(&self) -> HashMap<&'static str, Vec<Uuid>> {
        let mut by: HashMap<&'static str, Vec<Uuid>> = HashMap::new();
        for (collection, id) in std::mem::take(&mut *self.missing.borrow_mut()) {
            by.entry(collection).or_default().push(id);
        }
        by
    }

    /// Loads the slugs of `ids` of collection `C`.
    pub(super) async fn load<C: ImportCollection, D: ConnectionTrait>(
        &mut self,
        db: &D,
        ids: &[Uuid],
    ) -> Result<(), DbErr> {
        for chunk in ids.chunks(CHUNK) {
            let pairs: Vec<(Uuid, String)> = C::Entity::find()
                .select_only()
                .column(C::id_column())
                .column(C::slug_column())
                .filter(C::id_column().is_in(chunk.to_vec()))
                .into_tuple()
                .all(db)
                .await?;
            for (id, slug) in pairs {
                self.known.insert((C::NAME, id), slug);
            }
        }
        Ok(())
    }
}

/// Checks the records of collection `C` that need no database: slug form
/// and uniqueness in the file, a cited source, and `C::check_record`.
pub(super) fn check_shape<C: ImportCollection>(records: &[C::Record], p: &mut Problems) {
    let mut seen = HashSet::new();
    for (index, r) in records.iter().enumerate() {
        let slug = C::slug(r);
        let mut at = RecordProblems {
            problems: p,
            collection: C::NAME,
            index,
            slug,
        };
        if !is_valid_slug(slug) {
            at.add(
                "slug",
                "must be lowercase ASCII words joined by single hyphens, with a letter and not an id, e.g. `arbeit-2020`",
            );
        }
        if !seen.insert(slug) {
            at.add("slug", "appears more than once in this file");
        }
        if crate::limits::is_blank(C::source(r)) {
            at.add("source", "must cite a source");
        }
        if let Ok(value) = serde_json::to_value(r) {
            bounded_values(&value, "", 0, &mut at);
        }
        C::check_record(r, &mut at);
    }
}

/// The deepest a record's JSON may nest (lists and objects, the record
/// itself level 0), as GraphQL arguments may (`graphql::guard::MAX_NESTING`):
/// real `facts` nest two or three levels, and JSON nested beyond serde's
/// 128 levels, once stored, could not be read back (the audit trail wraps
/// the record in a few more).
pub(crate) const MAX_DEPTH: usize = 32;

/// The longest text any field may hold, in characters: ten times the
/// longest description in the seed, and a bound on what one record costs.
pub(crate) const TEXT_CHARS: usize = 10_000;

/// An absolute `http(s)` URL as the records hold it (and the contract's
/// `pattern` states it, in ECMA-262 syntax, which the `regex` crate reads
/// alike), a subset of the IRIs (RFC 3987) with a host that WHATWG URL parsing also
/// reads: a host of dot-separated labels of letters (ASCII, and the
/// lowercase Latin-1 letters of German and other domain names), digits and
/// inner hyphens (RFC 1035 §2.3.1), the last starting with a letter (WHATWG
/// reads a numeric last label as an IPv4 address), an optional port (0 to
/// 65535), then a path, query and fragment of IRI
/// characters (unreserved, sub-delimiters, `:`, `@`, `/`, `%` escapes and
/// non-ASCII letters of the Basic Multilingual Plane). Rejected: `format:
/// iri` alone, which admits `urn:` and relative forms the server refuses.
pub(crate) const WEB_URL: &str = "^https?://([A-Za-z0-9\\u00DF-\\u00F6\\u00F8-\\u00FF]([A-Za-z0-9\\u00DF-\\u00F6\\u00F8-\\u00FF-]*[A-Za-z0-9\\u00DF-\\u00F6\\u00F8-\\u00FF])?\\.)*[A-Za-z\\u00DF-\\u00F6\\u00F8-\\u00FF]([A-Za-z0-9\\u00DF-\\u00F6\\u00F8-\\u00FF-]*[A-Za-z0-9\\u00DF-\\u00F6\\u00F8-\\u00FF])?(:([0-9]{1,4}|[0-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?(/([A-Za-z0-9._~!$&'()*+,;=:@\\u00A0-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFEF-]|%[0-9A-Fa-f]{2})*)*(\\?([A-Za-z0-9._~!$&'()*+,;=:@/?\\u00A0-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFEF-]|%[0-9A-Fa-f]{2})*)?(#([A-Za-z0-9._~!$&'()*+,;=:@/?\\u00A0-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFEF-]|%[0-9A-Fa-f]{2})*)?$";

/// An e-mail address as the records hold it: a local part without white
/// space, control characters or `@`, then a domain of at least two
/// dot-separated labels of letters (ASCII and the lowercase Latin-1 letters,
/// as in [`WEB_URL`]), digits and inner hyphens (RFC 1035 §2.3.1) — the
/// shape RFC 5322's `addr-spec` has in practice. Rejected: the full grammar,
/// which admits comments and quoted strings no contact uses.
pub(crate) const EMAIL: &str = "^[^\\s@\\x00-\\x1F\\x7F-\\x9F\\uFEFF]+@[A-Za-z0-9\\u00DF-\\u00F6\\u00F8-\\u00FF]([A-Za-z0-9\\u00DF-\\u00F6\\u00F8-\\u00FF-]*[A-Za-z0-9\\u00DF-\\u00F6\\u00F8-\\u00FF])?(\\.[A-Za-z0-9\\u00DF-\\u00F6\\u00F8-\\u00FF]([A-Za-z0-9\\u00DF-\\u00F6\\u00F8-\\u00FF-]*[A-Za-z0-9\\u00DF-\\u00F6\\u00F8-\\u00FF])?)+$";

/// The compiled patterns; `None` would refuse every value (the unit test
/// `the_patterns_compile` keeps that from happening).
static WEB_URL_RE: LazyLock<Option<regex::Regex>> =
    LazyLock::new(|| regex::Regex::new(WEB_URL).ok());
static EMAIL_RE: LazyLock<Option<regex::Regex>> = LazyLock::new(|| regex::Regex::new(EMAIL).ok());

fn matches(pattern: &LazyLock<Option<regex::Regex>>, text: &str) -> bool {
    pattern.as_ref().is_some_and(|re| re.is_match(text))
}

/// The largest magnitude a record's number may have: 2^53 − 1, up to
/// which every JSON implementation keeps integers exactly (RFC 8259 §6,
/// I-JSON RFC 7493 §2.2). Beyond it, `18446744073709551616` was stored as
/// the float `1.8446744073709552e19`, and JavaScript clients round even
/// the 64-bit integers that were kept.
pub(crate) const MAX_EXACT: u64 = (1 << 53) - 1;

fn is_exact(n: &serde_json::Number) -> bool {
    if let Some(i) = n.as_i64() {
        i.unsigned_abs() <= MAX_EXACT
    } else if let Some(u) = n.as_u64() {
        u <= MAX_EXACT
    } else {
        n.as_f64().is_some_and(|f| f.abs() <= MAX_EXACT as f64)
    }
}

/// Reports every text in `value` (at `path`, `depth` levels down), object
/// member names included, longer than [`TEXT_CHARS`] or holding a control
/// character other than tab and line breaks (PostgreSQL refuses NUL in
/// text; the others are never content), any number beyond [`MAX_EXACT`]
/// and any value nested deeper than [`MAX_DEPTH`].
fn bounded_values(
    value: &serde_json::Value,
    path: &str,
    depth: usize,
    at: &mut RecordProblems<'_>,
) {
    if depth > MAX_DEPTH {
        at.add(
            path,
            format!("must not be nested deeper than {MAX_DEPTH} levels"),
        );
        return;
    }
    match value {
        serde_json::Value::String(text) if text.chars().count() > TEXT_CHARS => {
            at.add(path, format!("must be at most {TEXT_CHARS} characters"));
        }
        serde_json::Value::String(text)
            if text
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) =>
        {
            at.add(path, "must not hold control characters");
        }
        serde_json::Value::Number(n) if !is_exact(n) => {
            at.add(
                path,
                format!("must be a number within ±{MAX_EXACT} (RFC 8259 §6)"),
            );
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                bounded_values(item, &format!("{path}[{i}]"), depth + 1, at);
            }
        }
        serde_json::Value::Object(fields) => {
            for (name, field) in fields {
                let path = member_path(path, name);
                // A name is text too: PostgreSQL refuses NUL in a `jsonb`
                // key as in a value (a 500 before this check).
                bounded_values(&serde_json::Value::String(name.clone()), &path, depth, at);
                bounded_values(field, &path, depth + 1, at);
            }
        }
        _ => {}
    }
}

/// Checks that every slug the records of `C` refer to exists, in the file
/// or stored.
pub(super) fn check_references<C: ImportCollection>(
    records: &[C::Record],
    known: &Known,
    p: &mut Problems,
) {
    for (index, r) in records.iter().enumerate() {
        for reference in C::references(r) {
            if !known.ids(reference.target).contains_key(reference.slug) {
                p.add(
                    C::NAME,
                    index,
                    C::slug(r),
                    &reference.field,
                    format!("unknown {} `{}`", reference.target_kind, reference.slug),
                );
            }
        }
    }
}

/// Checks that parent chains among `records` end (a cycle can never be
/// inserted); in one record, that it is not its own parent. Needs no
/// stored data.
pub(super) fn check_cycles<C: ImportCollection>(records: &[C::Record], p: &mut Problems) {
    let parents: HashMap<&str, &str> = records
        .iter()
        .filter_map(|r| Some((C::slug(r), C::parent(r)?)))
        .collect();
    if parents.is_empty() {
        return;
    }
    for (index, r) in records.iter().enumerate() {
        let slug = C::slug(r);
        let mut current = slug;
        let mut steps = 0;
        while let Some(parent) = parents.get(current) {
            current = parent;
            steps += 1;
            if current == slug || steps > parents.len() {
                p.add(
                    C::NAME,
                    index,
                    slug,
                    "parent",
                    "parents form a cycle".into(),
                );
                break;
            }
        }
    }
}

/// Writes the items every [`ImportCollection`] impl has alike, for entity
/// module `$entity` (with `Id` and `Slug` columns) and record type
/// `$record` (with `slug` and `source` fields).
macro_rules! keys {
    ($entity:ident, $record:ty) => {
        type Record = $record;
        type Entity = $entity::Entity;

        fn id_column() -> $entity::Column {
            $entity::Column::Id
        }
        fn slug_column() -> $entity::Column {
            $entity::Column::Slug
        }
        fn slug(r: &$record) -> &str {
            &r.slug
        }
        fn source(r: &$record) -> &str {
            &r.source
        }
    };
}
pub(crate) use keys;

/// Writes [`ImportCollection::stored_references`] from the collection's
/// foreign keys, one per line: `table(Owner -> Target) "field" => Collection`
/// — the rows of `table` whose `Target` column refers to a record of
/// `Collection`, owned by the record in their `Owner` column, which the
/// import format holds in `field`.
macro_rules! foreign_keys {
    ($($table:ident($owner:ident -> $target:ident) $field:literal => $collection:ty),+ $(,)?) => {
        async fn stored_references(
            tx: &sea_orm::DatabaseTransaction,
            doomed: &$crate::service::import::collection::Doomed,
        ) -> Result<Vec<$crate::service::import::collection::StoredReference>, sea_orm::DbErr> {
            let mut found = Vec::new();
            $($crate::service::import::collection::stored_references::<$table::Entity, $collection>(
                tx,
                doomed,
                ($table::Column::$owner, $table::Column::$target),
                $field,
                &mut found,
            )
            .await?;)+
            Ok(found)
        }
    };
}
pub(crate) use foreign_keys;

/// Rows per `IN (…)` list: far below SQLite's and PostgreSQL's bind limits.
pub(super) const CHUNK: usize = 500;

/// slug → id for every record the import may refer to, per collection:
/// those already stored (keeping their ids forever) and those the file adds
/// (stable v5 ids).
#[derive(Debug, Default)]
pub struct Known(HashMap<&'static str, SlugIds>);

/// slug → id of one collection.
pub(crate) type SlugIds = HashMap<String, Uuid>;

static NONE: LazyLock<SlugIds> = LazyLock::new(SlugIds::new);

impl Known {
    /// Adds collection `C`: its stored ids and those of `records` not
    /// stored yet.
    pub(super) async fn add<C: ImportCollection, D: ConnectionTrait>(
        &mut self,
        db: &D,
        records: &[C::Record],
    ) -> Result<(), DbErr> {
        let pairs: Vec<(Uuid, String)> = C::Entity::find()
            .select_only()
            .column(C::id_column())
            .column(C::slug_column())
            .into_tuple()
            .all(db)
            .await?;
        let mut ids: SlugIds = pairs.into_iter().map(|(id, slug)| (slug, id)).collect();
        for r in records {
            let slug = C::slug(r);
            if !ids.contains_key(slug) {
                ids.insert(slug.to_owned(), stable_id(C::NAME, slug));
            }
        }
        self.0.insert(C::NAME, ids);
        Ok(())
    }

    /// Adds the records `slugs` of collection `C` that are stored (one
    /// write through the API refers to a few records, not to all of them).
    pub(super) async fn add_named<C: ImportCollection, D: ConnectionTrait>(
        &mut self,
        db: &D,
        slugs: &[&str],
    ) -> Result<(), DbErr> {
        let ids = self.0.entry(C::NAME).or_default();
        for chunk in slugs.chunks(CHUNK) {
            let pairs: Vec<(Uuid, String)> = C::Entity::find()
                .select_only()
                .column(C::id_column())
                .column(C::slug_column())
                .filter(C::slug_column().is_in(chunk.iter().copied()))
                .into_tuple()
                .all(db)
                .await?;
            ids.extend(pairs.into_iter().map(|(id, slug)| (slug, id)));
        }
        Ok(())
    }

    /// Makes `slug` of `C` known as `id` (a record about to be written).
    pub(super) fn insert<C: ImportCollection>(&mut self, slug: &str, id: Uuid) {
        self.0
            .entry(C::NAME)
            .or_default()
            .insert(slug.to_owned(), id);
    }

    /// slug → id of `collection` (empty for a name that is not one).
    pub(crate) fn ids(&self, collection: &str) -> &SlugIds {
        self.0.get(collection).unwrap_or(&NONE)
    }

    /// The id of record `slug` of `C`, a reference that `check_references`
    /// has verified.
    pub(crate) fn id<C: ImportCollection>(&self, slug: &str) -> AppResult<Uuid> {
        self.ids(C::NAME).get(slug).copied().ok_or_else(|| {
            AppError::Unexpected(anyhow::anyhow!("unchecked reference {}/{slug}", C::NAME))
        })
    }

    /// Like [`Known::id`] for an optional reference.
    pub(crate) fn opt_id<C: ImportCollection>(
        &self,
        slug: Option<&String>,
    ) -> AppResult<Option<Uuid>> {
        slug.map(|s| self.id::<C>(s)).transpose()
    }
}

/// id → slug of the records to delete of one collection: stored, in a
/// collection present in the file, and not in the file.
pub(crate) type Ids = HashMap<Uuid, String>;

/// The records a prune deletes, per collection.
#[derive(Debug, Default)]
pub struct Doomed(HashMap<&'static str, Ids>);

impl Doomed {
    /// Adds the records of collection `C` that `known` holds (stored, plus
    /// the file's new ones) and `records` does not: the stored ones the file
    /// dropped. Nothing unless `C`'s key is `present` in the file.
    pub(super) fn add<C: ImportCollection>(
        &mut self,
        present: bool,
        known: &Known,
        records: &[C::Record],
    ) {
        if !present {
            return;
        }
        let in_file: HashSet<&str> = records.iter().map(C::slug).collect();
        let dropped: Ids = known
            .ids(C::NAME)
            .iter()
            .filter(|(slug, _)| !in_file.contains(slug.as_str()))
            .map(|(slug, id)| (*id, slug.clone()))
            .collect();
        if !dropped.is_empty() {
            self.0.insert(C::NAME, dropped);
        }
    }

    /// Record `id` (slug `slug`) of `C` alone: one `DELETE` of the API.
    pub(super) fn one<C: ImportCollection>(id: Uuid, slug: &str) -> Self {
        let mut doomed = Self::default();
        doomed
            .0
            .insert(C::NAME, HashMap::from([(id, slug.to_owned())]));
        doomed
    }

    /// The records of `collection` to delete (none for most).
    pub(crate) fn ids(&self, collection: &str) -> Option<&Ids> {
        self.0.get(collection)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.values().all(HashMap::is_empty)
    }
}

/// Collects, for foreign key `(owner, target)` of table `E` referring to
/// collection `T` from `field`, the stored rows whose target is one of
/// `T`'s doomed records. `owner` names the referring record (the row
/// itself, or the record a link row belongs to).
pub(super) async fn stored_references<E: EntityTrait, T: ImportCollection>(
    tx: &DatabaseTransaction,
    doomed: &Doomed,
    (owner, target): (E::Column, E::Column),
    field: &'static str,
    found: &mut Vec<StoredReference>,
) -> Result<(), DbErr> {
    let Some(ids) = doomed.ids(T::NAME) else {
        return Ok(());
    };
    for (owner, target) in referrers::<E>(tx, owner, target, ids).await? {
        found.push(StoredReference {
            owner,
            target,
            target_collection: T::NAME,
            field,
        });
    }
    Ok(())
}

/// `(referring record, referred record)` of the rows of `E` whose `target`
/// is one of `ids`.
pub(super) async fn referrers<E: EntityTrait>(
    tx: &DatabaseTransaction,
    owner: E::Column,
    target: E::Column,
    ids: &Ids,
) -> Result<Vec<(Uuid, Uuid)>, DbErr> {
    let ids: Vec<Uuid> = ids.keys().copied().collect();
    let mut pairs = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<(Uuid, Uuid)> = E::find()
            .select_only()
            .column(owner)
            .column(target)
            .filter(target.is_in(chunk.to_vec()))
            .into_tuple()
            .all(tx)
            .await?;
        pairs.extend(rows);
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::{EMAIL_RE, WEB_URL_RE, member_path, pointer};

    #[test]
    fn the_patterns_compile() {
        assert!(WEB_URL_RE.is_some());
        assert!(EMAIL_RE.is_some());
    }

    #[test]
    fn paths_become_json_pointers_with_names_escaped() {
        assert_eq!(pointer(""), "");
        assert_eq!(
            pointer("participants[2].partner"),
            "/participants/2/partner"
        );
        for (name, token) in [
            ("plain", "plain"),
            ("a/b", "a~1b"),
            ("~", "~0"),
            ("~1", "~01"),
            ("a.b", "a.b"),
            ("x[0]", "x[0]"),
            ("it's", "it's"),
            ("back\\slash", "back\\slash"),
            ("", ""),
        ] {
            let path = member_path(&member_path("facts", name), "k");
            assert_eq!(
                pointer(&path),
                format!("/facts/{token}/k"),
                "{name}: {path}"
            );
        }
        assert_eq!(member_path("", "a b"), "['a b']");
        assert_eq!(pointer(&member_path("", "a b")), "/a b");
    }
}
