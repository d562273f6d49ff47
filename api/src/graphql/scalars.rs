//! The custom scalars of the GraphQL schema, named for what they are and
//! each with its `@specifiedBy` URL (GraphQL spec §3.5.5), so that client
//! generators can map them (graphql-codegen: `Date`/`DateTime`/`UUID` →
//! `string`, `JSON` → `unknown` by design; see the README).
//!
//! Why newtypes: async-graphql's own scalars for `chrono` and `uuid` are
//! named after the Rust types (`NaiveDate`), describe themselves in Rust
//! terms and, but for `UUID`, have no `@specifiedBy`; a foreign type cannot
//! be given a second `ScalarType` impl. The DTOs keep their `chrono`/`uuid`
//! fields (REST and the query layer use them) and expose them to GraphQL
//! through these types (`derived(..., into = ...)`): the alternative, the
//! newtypes as DTO field types, would have changed every construction site
//! and the OpenAPI document for no gain.
use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};

/// `YYYY-MM-DD`, RFC 3339 §5.6 `full-date`.
const DATE_FORMAT: &str = "%Y-%m-%d";

/// A calendar day without time zone, `YYYY-MM-DD` (RFC 3339 §5.6 `full-date`), e.g. `2016-11-21`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize)]
#[serde(transparent)]
pub struct Date(pub chrono::NaiveDate);

/// A calendar day without time zone, `YYYY-MM-DD` (RFC 3339 §5.6 `full-date`), e.g. `2016-11-21`.
#[Scalar(
    name = "Date",
    specified_by_url = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"
)]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => Date::parse_str(s)
                .map(Date)
                .ok_or_else(|| InputValueError::custom("expected a date `YYYY-MM-DD`")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(s) if Date::parse_str(s).is_some())
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format(DATE_FORMAT).to_string())
    }
}

impl Date {
    /// The day `s` names, if it is a `full-date`.
    pub fn parse_str(s: &str) -> Option<chrono::NaiveDate> {
        chrono::NaiveDate::parse_from_str(s, DATE_FORMAT).ok()
    }

    /// For an optional DTO field (`derived(with = ...)`).
    pub fn opt(day: Option<chrono::NaiveDate>) -> Option<Date> {
        day.map(Date)
    }
}

impl From<chrono::NaiveDate> for Date {
    fn from(day: chrono::NaiveDate) -> Self {
        Date(day)
    }
}

/// An instant, RFC 3339 §5.6 `date-time` with an offset; written in UTC with `Z`, e.g. `2016-11-21T10:00:00Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime(pub chrono::DateTime<chrono::Utc>);

/// An instant, RFC 3339 §5.6 `date-time` with an offset; written in UTC with `Z`, e.g. `2016-11-21T10:00:00Z`.
#[Scalar(
    name = "DateTime",
    specified_by_url = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"
)]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => DateTime::parse_str(s).map(DateTime).ok_or_else(|| {
                InputValueError::custom(
                    "expected an RFC 3339 date-time, e.g. `2024-06-30T12:00:00Z`",
                )
            }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(s) if DateTime::parse_str(s).is_some())
    }

    fn to_value(&self) -> Value {
        // `Z`, as REST writes it (serde's RFC 3339 form), not `+00:00`.
        Value::String(self.0.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    }
}

impl DateTime {
    /// The instant `s` names, if it is an RFC 3339 `date-time`.
    pub fn parse_str(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
        chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&chrono::Utc))
    }
}

impl From<chrono::DateTime<chrono::Utc>> for DateTime {
    fn from(instant: chrono::DateTime<chrono::Utc>) -> Self {
        DateTime(instant)
    }
}

/// A UUID in its hyphenated text form (RFC 9562 §4), e.g. `0b3a6f8e-2c1d-4e5f-8a9b-1c2d3e4f5a6b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Uuid(pub uuid::Uuid);

/// A UUID in its hyphenated text form (RFC 9562 §4), e.g. `0b3a6f8e-2c1d-4e5f-8a9b-1c2d3e4f5a6b`.
#[Scalar(
    name = "UUID",
    specified_by_url = "https://www.rfc-editor.org/rfc/rfc9562"
)]
impl ScalarType for Uuid {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => Uuid::parse_str(s)
                .map(Uuid)
                .ok_or_else(|| InputValueError::custom("expected a UUID")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(s) if Uuid::parse_str(s).is_some())
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.hyphenated().to_string())
    }
}

impl Uuid {
    /// The UUID `s` names, in any of the forms of RFC 9562 §4 the `uuid`
    /// crate reads (hyphenated, simple, braced, URN).
    pub fn parse_str(s: &str) -> Option<uuid::Uuid> {
        uuid::Uuid::parse_str(s).ok()
    }
}

impl From<uuid::Uuid> for Uuid {
    fn from(id: uuid::Uuid) -> Self {
        Uuid(id)
    }
}

/// Any JSON value (RFC 8259): a record, or a JSON Merge Patch of one.
#[derive(Debug, Clone, PartialEq)]
pub struct Json(pub serde_json::Value);

/// Any JSON value (RFC 8259): a record, or a JSON Merge Patch of one.
#[Scalar(
    name = "JSON",
    specified_by_url = "https://www.rfc-editor.org/rfc/rfc8259"
)]
impl ScalarType for Json {
    fn parse(value: Value) -> InputValueResult<Self> {
        value
            .into_json()
            .map(Json)
            .map_err(|_| InputValueError::custom("expected a JSON value"))
    }

    fn to_value(&self) -> Value {
        Value::from_json(self.0.clone()).unwrap_or(Value::Null)
    }
}

/// Whether `s` is a valid text of the scalar `name`, for the variable
/// check that runs before execution; `None` for a name that is not one of
/// these scalars.
pub fn fits(name: &str, s: &str) -> Option<bool> {
    Some(match name {
        "Date" => Date::parse_str(s).is_some(),
        "DateTime" => DateTime::parse_str(s).is_some(),
        "UUID" => Uuid::parse_str(s).is_some(),
        _ => return None,
    })
}
