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

/// A scalar written as a string: a newtype over `$inner`, read by `$read`
/// (`&str` → `Option<$inner>`, also used by the variable check) and
/// written by `$write`; `$expected` says what a refused value should have
/// been. One definition, so the three scalars cannot differ in how they
/// refuse a value.
macro_rules! text_scalar {
    ($(#[$doc:meta])* $name:ident($inner:ty), graphql: $graphql:literal, url: $url:literal,
        read: $read:expr, write: $write:expr, expected: $expected:literal $(, derive: $($derive:path),*)?) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq $($(, $derive)*)?)]
        pub struct $name(pub $inner);

        $(#[$doc])*
        #[Scalar(name = $graphql, specified_by_url = $url)]
        impl ScalarType for $name {
            fn parse(value: Value) -> InputValueResult<Self> {
                match &value {
                    Value::String(s) => $name::parse_str(s)
                        .map($name)
                        .ok_or_else(|| InputValueError::custom($expected)),
                    _ => Err(InputValueError::expected_type(value)),
                }
            }

            fn is_valid(value: &Value) -> bool {
                matches!(value, Value::String(s) if $name::parse_str(s).is_some())
            }

            fn to_value(&self) -> Value {
                let write: fn(&$inner) -> String = $write;
                Value::String(write(&self.0))
            }
        }

        impl $name {
            /// The value `s` names, if it is one.
            pub fn parse_str(s: &str) -> Option<$inner> {
                let read: fn(&str) -> Option<$inner> = $read;
                read(s)
            }
        }

        impl From<$inner> for $name {
            fn from(value: $inner) -> Self {
                $name(value)
            }
        }
    };
}

text_scalar!(
    /// A calendar day without time zone, `YYYY-MM-DD` (RFC 3339 §5.6 `full-date`), e.g. `2016-11-21`.
    Date(chrono::NaiveDate),
    graphql: "Date",
    url: "https://www.rfc-editor.org/rfc/rfc3339#section-5.6",
    read: crate::limits::parse_full_date,
    write: |day| day.format(DATE_FORMAT).to_string(),
    expected: "expected a date `YYYY-MM-DD`",
    derive: PartialOrd, Ord
);

/// Read as in GraphQL (a match profile's `date` in REST): exactly
/// `YYYY-MM-DD`.
impl<'de> serde::Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        Date::parse_str(&text)
            .map(Date)
            .ok_or_else(|| serde::de::Error::custom("expected a date `YYYY-MM-DD`"))
    }
}

impl Date {
    /// For an optional DTO field (`derived(with = ...)`).
    pub fn opt(day: Option<chrono::NaiveDate>) -> Option<Date> {
        day.map(Date)
    }
}

text_scalar!(
    /// An instant, RFC 3339 §5.6 `date-time` with an offset; written in UTC with `Z`, e.g. `2016-11-21T10:00:00Z`.
    DateTime(chrono::DateTime<chrono::Utc>),
    graphql: "DateTime",
    url: "https://www.rfc-editor.org/rfc/rfc3339#section-5.6",
    read: |s| {
        chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&chrono::Utc))
    },
    // `Z`, as REST writes it (serde's RFC 3339 form), not `+00:00`.
    write: |t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
    expected: "expected an RFC 3339 date-time, e.g. `2024-06-30T12:00:00Z`",
    derive: PartialOrd, Ord
);

text_scalar!(
    /// A UUID in its hyphenated text form (RFC 9562 §4), e.g. `0b3a6f8e-2c1d-4e5f-8a9b-1c2d3e4f5a6b`.
    Uuid(uuid::Uuid),
    graphql: "UUID",
    url: "https://www.rfc-editor.org/rfc/rfc9562",
    // Any form of RFC 9562 §4 the `uuid` crate reads (hyphenated, simple,
    // braced, URN).
    read: |s| uuid::Uuid::parse_str(s).ok(),
    write: |id| id.hyphenated().to_string(),
    expected: "expected a UUID",
    derive: Hash
);

/// Any JSON value (RFC 8259): a record, or a JSON Merge Patch of one.
#[derive(Debug, Clone, PartialEq)]
pub struct Json(pub serde_json::Value);

/// Any JSON value (RFC 8259): a record, or a JSON Merge Patch of one. As
/// every value of a request: strings of at most 10,000 characters with no
/// control characters but tab and line breaks, lists of at most 100 items,
/// at most 32 levels deep.
#[Scalar(
    name = "JSON",
    specified_by_url = "https://www.rfc-editor.org/rfc/rfc8259"
)]
impl ScalarType for Json {
    fn parse(value: Value) -> InputValueResult<Self> {
        if let Some(name) = enum_in(&value) {
            // async-graphql would read it as the string: `kind: consulting`
            // is no JSON, and would pass as `"consulting"` unnoticed.
            return Err(InputValueError::custom(format!(
                "expected a JSON value; `{}` is a GraphQL enum value: write strings in quotes",
                crate::limits::quote(name)
            )));
        }
        value
            .into_json()
            .map(Json)
            .map_err(|_| InputValueError::custom("expected a JSON value"))
    }

    fn to_value(&self) -> Value {
        Value::from_json(self.0.clone()).unwrap_or(Value::Null)
    }
}

/// The first enum value literal in `value`, which JSON has no form for.
fn enum_in(value: &Value) -> Option<&str> {
    match value {
        Value::Enum(name) => Some(name.as_str()),
        Value::List(items) => items.iter().find_map(enum_in),
        Value::Object(fields) => fields.values().find_map(enum_in),
        _ => None,
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
