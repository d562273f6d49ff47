//! Keyset ("cursor") pagination shared by every list.
//!
//! A page is fetched as `WHERE (sort_col, id) > (last_value, last_id) ORDER
//! BY sort_col, id LIMIT limit + 1`. Unlike `OFFSET`, a keyset page never
//! skips or repeats a row when rows are inserted while a client pages, and it
//! costs the same on page 1000 as on page 1. The cursor is opaque to clients
//! (base64url of the sort spec, the last sort value and the last id), and it
//! remembers its sort: a cursor used with another `sort` is rejected instead of
//! silently returning the wrong rows.
//!
//! Totals are opt-in (`include_total=true`): counting costs a second scan that
//! most page requests do not need (ARCHITECTURE.md decision 7).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Order;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select, Value,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Page size when `limit` is not given.
pub const DEFAULT_LIMIT: u64 = 20;
/// Largest page a client may ask for.
pub const MAX_LIMIT: u64 = 100;

/// A sort key's value, typed so that it compares correctly in SQL.
#[derive(Debug, Clone, PartialEq)]
pub enum SortValue {
    /// Text (names, titles): compared with the database's collation.
    Text(String),
    /// A timestamp (`created_at`, `updated_at`).
    Time(DateTime<Utc>),
    /// A calendar day (meeting date).
    Date(NaiveDate),
}

impl SortValue {
    fn encode(&self) -> String {
        match self {
            SortValue::Text(text) => text.clone(),
            SortValue::Time(ts) => ts.to_rfc3339(),
            SortValue::Date(day) => day.to_string(),
        }
    }

    fn decode(kind: SortKind, text: &str) -> Option<SortValue> {
        match kind {
            SortKind::Text => Some(SortValue::Text(text.to_owned())),
            // Days outside years 1–9999 are refused like in parameters
            // (PostgreSQL cannot bind some of them: a forged cursor was a 500).
            SortKind::Time => DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|ts| ts.with_timezone(&Utc))
                .filter(|ts| crate::limits::check_day("", ts.date_naive()).is_none())
                .map(SortValue::Time),
            SortKind::Date => text
                .parse()
                .ok()
                .filter(|day| crate::limits::check_day("", *day).is_none())
                .map(SortValue::Date),
        }
    }

    /// Compares two values of one sort key as both databases do: text by
    /// code point (SQLite's `BINARY`, PostgreSQL's `C` collation), times and
    /// days chronologically. Values of different kinds never share a key;
    /// they compare by kind so the order stays total.
    pub fn compare(&self, other: &SortValue) -> std::cmp::Ordering {
        match (self, other) {
            (SortValue::Text(a), SortValue::Text(b)) => a.cmp(b),
            (SortValue::Time(a), SortValue::Time(b)) => a.cmp(b),
            (SortValue::Date(a), SortValue::Date(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            SortValue::Text(_) => 0,
            SortValue::Time(_) => 1,
            SortValue::Date(_) => 2,
        }
    }

    fn into_value(self) -> Value {
        match self {
            SortValue::Text(text) => text.into(),
            SortValue::Time(ts) => ts.into(),
            SortValue::Date(day) => day.into(),
        }
    }
}

/// The type of a sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKind {
    Text,
    Time,
    Date,
}

/// One field a list may be sorted by.
pub struct SortField<E: EntityTrait> {
    /// Public name, as in `sort=title` / `sort=-title`.
    pub name: &'static str,
    /// The column it sorts by (NOT NULL, so keyset comparisons are total).
    pub column: E::Column,
    /// The column's type.
    pub kind: SortKind,
    /// Reads the sort value from a row (to build the next cursor).
    pub value: fn(&E::Model) -> SortValue,
}

/// The sort fields of a list: its own field first (the default order),
/// then `created_at` and `updated_at`, which every table has.
///
/// `sort_fields!(partner, "name", Name, Text, |m| SortValue::Text(m.name.clone()))`
macro_rules! sort_fields {
    ($entity:ident, $name:literal, $column:ident, $kind:ident, $value:expr) => {
        [
            $crate::service::page::SortField {
                name: $name,
                column: $entity::Column::$column,
                kind: $crate::service::page::SortKind::$kind,
                value: $value,
            },
            $crate::service::page::SortField {
                name: "created_at",
                column: $entity::Column::CreatedAt,
                kind: $crate::service::page::SortKind::Time,
                value: |m| $crate::service::page::SortValue::Time(m.created_at),
            },
            $crate::service::page::SortField {
                name: "updated_at",
                column: $entity::Column::UpdatedAt,
                kind: $crate::service::page::SortKind::Time,
                value: |m| $crate::service::page::SortValue::Time(m.updated_at),
            },
        ]
    };
}
pub(crate) use sort_fields;

/// A chosen sort: field and direction.
pub struct Sort<E: EntityTrait + 'static> {
    field: &'static SortField<E>,
    descending: bool,
}

impl<E: EntityTrait> Sort<E> {
    /// Parses a sort spec given outside a query string (GraphQL `orderBy`).
    pub fn from_arg(
        fields: &'static [SortField<E>],
        spec: Option<&str>,
        default: &str,
    ) -> AppResult<Self> {
        let spec = spec.unwrap_or(default);
        Self::from_spec(fields, spec).ok_or_else(|| {
            let allowed: Vec<String> = fields
                .iter()
                .flat_map(|f| [f.name.to_owned(), format!("-{}", f.name)])
                .collect();
            AppError::invalid_parameter(
                "orderBy",
                format!(
                    "unknown sort `{spec}`; expected one of: {}",
                    allowed.join(", ")
                ),
            )
        })
    }

    /// The sort `spec` names (`name` or `-name`), if `fields` has it.
    pub fn from_spec(fields: &'static [SortField<E>], spec: &str) -> Option<Self> {
        let (descending, name) = match spec.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, spec),
        };
        fields
            .iter()
            .find(|f| f.name == name)
            .map(|field| Sort { field, descending })
    }

    /// Ascending by the first of `fields`: the fallback after a bad `sort`,
    /// so parsing can go on and report every error.
    pub fn first(fields: &'static [SortField<E>]) -> Self {
        Sort {
            field: &fields[0],
            descending: false,
        }
    }

    /// The field's public name, e.g. `title`.
    pub fn name(&self) -> &'static str {
        self.field.name
    }

    /// Whether the order is descending (`-title`).
    pub fn descending(&self) -> bool {
        self.descending
    }

    /// The canonical spec, e.g. `-updated_at`.
    pub fn spec(&self) -> String {
        if self.descending {
            format!("-{}", self.field.name)
        } else {
            self.field.name.to_owned()
        }
    }
}

/// What the client asked for: page size, position, whether to count.
#[derive(Debug, Clone)]
pub struct PageRequest {
    /// Items per page, 1..=100.
    pub limit: u64,
    /// Forward paging: where the previous page ended.
    pub after: Option<Cursor>,
    /// Backward paging (GraphQL `last`/`before`): the page ends just before
    /// this position, or at the end of the list when `None`.
    pub before: Option<Cursor>,
    /// Page backwards (the last `limit` rows before `before`).
    pub backward: bool,
    /// Whether to compute `total`.
    pub include_total: bool,
    /// Whether to return a cursor for every row (GraphQL edges).
    pub with_cursors: bool,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            limit: DEFAULT_LIMIT,
            after: None,
            before: None,
            backward: false,
            include_total: false,
            with_cursors: false,
        }
    }
}

/// Position after the last row of a page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    /// Sort spec the cursor was issued for.
    s: String,
    /// Sort value of the last row, encoded as text.
    v: String,
    /// Id of the last row.
    i: Uuid,
}

impl Cursor {
    /// The opaque text form.
    pub fn encode(&self) -> String {
        // Serialising three strings cannot fail; stay panic-free regardless.
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Parses the opaque text form; `None` if it is not one of ours.
    ///
    /// A forged cursor is refused here, before its sort value reaches a
    /// query: over [`crate::limits::MAX_CURSOR_LEN`] bytes, or a value with
    /// control characters (PostgreSQL refuses NUL in `text`).
    pub fn decode(text: &str) -> Option<Self> {
        if text.len() > crate::limits::MAX_CURSOR_LEN {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        let cursor: Self = serde_json::from_slice(&bytes).ok()?;
        // The sort key is a field name; the value is a record's text, which
        // may hold tab and line breaks (a cursor past a title with one was
        // refused, found by Schemathesis), but never NUL or other controls.
        let clean = !cursor.s.chars().any(char::is_control)
            && cursor.v.chars().all(crate::limits::is_allowed_char);
        clean.then_some(cursor)
    }
}

/// One page of rows plus what the client needs to go on.
#[derive(Debug)]
pub struct PageOf<M> {
    /// The rows, in order.
    pub rows: Vec<M>,
    /// Cursor of the next page; `None` on the last page.
    pub next_cursor: Option<String>,
    /// Number of rows matching the filters, if asked for.
    pub total: Option<u64>,
    /// Whether rows exist beyond this page in the paging direction.
    pub has_more: bool,
    /// One cursor per row (only when asked for).
    pub cursors: Vec<String>,
}

/// A page made without the database (`Resource::planned`): the rows a
/// keyset walk in the paging direction finds after the page's
/// [`position`], at most `limit + 1` (the extra one only tells that more
/// follow), as the snapshot holds them, and the total if asked for.
///
/// The rows, their cursors and "more follow" all come from one snapshot,
/// so a client paging through meets every row once even while another
/// process changes rows (they show with the next snapshot).
#[derive(Debug)]
pub struct Planned<M> {
    /// The rows in walk order.
    pub rows: Vec<M>,
    /// Number of rows the filter selects, if asked for.
    pub total: Option<u64>,
}

/// One page of DTOs, as the service returns it to REST and GraphQL.
#[derive(Debug)]
pub struct Listing<T> {
    /// The items, in order.
    pub items: Vec<T>,
    /// Cursor of the next page (forward paging); `None` on the last page.
    pub next_cursor: Option<String>,
    /// Number of items matching the filters, if asked for.
    pub total: Option<u64>,
    /// Whether items exist beyond this page in the paging direction.
    pub has_more: bool,
    /// One cursor per item, if asked for.
    pub cursors: Vec<String>,
}

impl<M> PageOf<M> {
    /// Swaps the rows for their DTOs, keeping the paging facts.
    pub fn with_items<T>(self, items: Vec<T>) -> Listing<T> {
        Listing {
            items,
            next_cursor: self.next_cursor,
            total: self.total,
            has_more: self.has_more,
            cursors: self.cursors,
        }
    }
}

/// Runs `select` (already filtered) as one keyset page.
pub async fn fetch_page<E, C>(
    db: &C,
    select: Select<E>,
    sort: &Sort<E>,
    id_column: E::Column,
    id_of: fn(&E::Model) -> Uuid,
    page: &PageRequest,
) -> AppResult<PageOf<E::Model>>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ConnectionTrait,
{
    let total = if page.include_total {
        Some(select.clone().count(db).await?)
    } else {
        None
    };

    // Paging backwards walks the sort in reverse from `before`, then flips
    // the rows back into the requested order.
    let descending = sort.descending ^ page.backward;
    let mut select = select;
    if let Some((value, id)) = position(sort, page)? {
        let value = value.into_value();
        let column = sort.field.column;
        let (beyond, tie_beyond) = if descending {
            (column.lt(value.clone()), id_column.lt(id))
        } else {
            (column.gt(value.clone()), id_column.gt(id))
        };
        select = select.filter(
            Condition::any()
                .add(beyond)
                .add(Condition::all().add(column.eq(value)).add(tie_beyond)),
        );
    }
    let order = if descending { Order::Desc } else { Order::Asc };
    let rows = select
        .order_by(sort.field.column, order.clone())
        .order_by(id_column, order)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    Ok(PageOf::walked(rows, sort, id_of, page, total))
}

/// Where the page starts: the sort value and id of the cursor's row
/// (`after`, or `before` when paging backwards), or `None` at the start.
/// A cursor issued for another sort, or one that does not decode, is a 400.
pub fn position<E: EntityTrait>(
    sort: &Sort<E>,
    page: &PageRequest,
) -> AppResult<Option<(SortValue, Uuid)>> {
    let position = if page.backward {
        &page.before
    } else {
        &page.after
    };
    let Some(cursor) = position else {
        return Ok(None);
    };
    if cursor.s != sort.spec() {
        return Err(AppError::invalid_parameter(
            "cursor",
            format!(
                "was issued for sort `{}`, but this request sorts by `{}`",
                crate::limits::quote(&cursor.s),
                sort.spec()
            ),
        ));
    }
    let value = SortValue::decode(sort.field.kind, &cursor.v)
        .ok_or_else(|| AppError::invalid_parameter("cursor", "is corrupt"))?;
    Ok(Some((value, cursor.i)))
}

impl<M> PageOf<M> {
    /// The page from the rows a walk in the paging direction found after
    /// its [`position`]: at most `page.limit + 1` of them, the extra one
    /// only telling that more follow. Flips a backward walk into the
    /// requested order and issues the cursors.
    pub fn walked<E>(
        mut rows: Vec<M>,
        sort: &Sort<E>,
        id_of: fn(&M) -> Uuid,
        page: &PageRequest,
        total: Option<u64>,
    ) -> Self
    where
        E: EntityTrait<Model = M>,
    {
        let has_more = rows.len() as u64 > page.limit;
        rows.truncate(page.limit as usize);
        if page.backward {
            rows.reverse();
        }
        let cursor_of = |row: &M| {
            Cursor {
                s: sort.spec(),
                v: (sort.field.value)(row).encode(),
                i: id_of(row),
            }
            .encode()
        };
        let next_cursor = if has_more && !page.backward {
            rows.last().map(cursor_of)
        } else {
            None
        };
        let cursors = if page.with_cursors {
            rows.iter().map(cursor_of).collect()
        } else {
            Vec::new()
        };
        PageOf {
            rows,
            next_cursor,
            total,
            has_more,
            cursors,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let cursor = Cursor {
            s: "-title".into(),
            v: "Förderung, \"quoted\"".into(),
            i: Uuid::nil(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(Cursor::decode("not a cursor"), None);
        assert_eq!(Cursor::decode(""), None);
    }

    #[test]
    fn sort_values_round_trip_through_text() {
        let ts = DateTime::parse_from_rfc3339("2024-06-30T12:00:00.123456Z")
            .map(|t| t.with_timezone(&Utc))
            .ok();
        let ts = SortValue::Time(ts.unwrap_or_default());
        assert_eq!(SortValue::decode(SortKind::Time, &ts.encode()), Some(ts));
        let day = SortValue::Date(NaiveDate::from_ymd_opt(2016, 11, 21).unwrap_or_default());
        assert_eq!(SortValue::decode(SortKind::Date, &day.encode()), Some(day));
    }
}
