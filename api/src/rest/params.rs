//! Strict query-parameter parsing.
//!
//! Filters are plain query parameters; a comma-separated value means "any
//! of". Every parameter a request carries must be known to the endpoint and
//! well-formed: an unknown name or a bad value is a 400 problem naming the
//! parameter, never silently ignored (ARCHITECTURE.md decision 8).
//!
//! We parse by hand rather than with `web::Query<T>` + serde because
//! serde_urlencoded's errors do not say which parameter failed, cannot read
//! comma lists, and stop at the first error; here every bad parameter is
//! reported at once.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};

use sea_orm::EntityTrait;

use crate::error::{AppError, AppResult, FieldError};
use crate::limits::{MAX_QUERY_PARAMS, percent_decode, quote};
use crate::service::offers::OfferFilter;
use crate::service::page::{Cursor, DEFAULT_LIMIT, MAX_LIMIT, PageRequest, Sort, SortField};
use crate::service::partners::PartnerFilter;
use crate::service::projects::ProjectFilter;
use crate::service::regions::RegionFilter;
use crate::service::search::{self, SearchRequest};

pub use crate::limits::{MAX_LIST_VALUES, MAX_TEXT_LEN};

/// The parsed query string of one request, consumed parameter by parameter.
#[derive(Debug)]
pub struct QueryParams {
    entries: Vec<(String, String)>,
    known: Vec<&'static str>,
    errors: Vec<FieldError>,
}

impl QueryParams {
    /// Parses a raw (percent-encoded) query string.
    ///
    /// Stricter than WHATWG's `application/x-www-form-urlencoded` parser,
    /// which passes malformed `%` sequences through and replaces invalid
    /// UTF-8: here either is an error naming the parameter, as are control
    /// characters (NUL would reach PostgreSQL, which refuses it) and more
    /// than [`MAX_QUERY_PARAMS`] parameters.
    pub fn parse(query: &str) -> Self {
        let mut params = Self {
            entries: Vec::new(),
            known: Vec::new(),
            errors: Vec::new(),
        };
        let pairs = query.split('&').filter(|pair| !pair.is_empty());
        let count = pairs.clone().count();
        if count > MAX_QUERY_PARAMS {
            params.error(
                "query",
                format!("at most {MAX_QUERY_PARAMS} parameters, got {count}"),
            );
            return params;
        }
        for pair in pairs {
            let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = match percent_decode(raw_key, true) {
                Ok(key) if !key.chars().any(char::is_control) => key,
                Ok(key) => {
                    params.error(&quote(&key), "the name contains control characters");
                    continue;
                }
                Err(why) => {
                    params.error(&quote(raw_key), format!("the name {why}"));
                    continue;
                }
            };
            match percent_decode(raw_value, true) {
                Ok(value) if !value.chars().any(char::is_control) => {
                    params.entries.push((key, value));
                }
                Ok(_) => params.error(&quote(&key), "must not contain control characters"),
                Err(why) => params.error(&quote(&key), format!("the value {why}")),
            }
        }
        params
    }

    /// Records an error for `field` (used by callers for semantic checks).
    pub fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// Whether the query string names `name` at all.
    pub fn has(&self, name: &str) -> bool {
        self.entries.iter().any(|(key, _)| key == name)
    }

    /// The raw value of `name`, if present exactly once; a parameter that
    /// takes one value and is given twice is an error (which of the two
    /// was meant cannot be known).
    pub fn raw(&mut self, name: &'static str) -> Option<String> {
        self.known.push(name);
        let mut values = self
            .entries
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value);
        let first = values.next()?.clone();
        if values.next().is_some() {
            self.error(name, "takes one value and was given more than once");
            return None;
        }
        Some(first)
    }

    /// A list of raw keys (slugs, ids, official keys), given comma-separated
    /// (`topic=a,b`, OpenAPI `style=form, explode=false`), as repeated
    /// parameters (`topic=a&topic=b`, `explode=true`, what most generated
    /// clients send), or both: the union, in order, without repeats.
    pub fn keys(&mut self, name: &'static str) -> Vec<String> {
        self.known.push(name);
        let mut values: Vec<String> = Vec::new();
        for (_, raw) in self.entries.iter().filter(|(key, _)| key == name) {
            for value in raw.split(',').map(str::trim) {
                if value.is_empty() {
                    self.errors.push(FieldError::new(
                        name,
                        "must be a comma-separated list without empty values",
                    ));
                    return Vec::new();
                }
                values.push(value.to_owned());
            }
        }
        // The bounds hold for the values as given, repeats included.
        if let Some(error) = crate::limits::check_keys(name, &values) {
            self.errors.push(error);
            return Vec::new();
        }
        let mut union: Vec<String> = Vec::with_capacity(values.len());
        for value in values {
            if !union.contains(&value) {
                union.push(value);
            }
        }
        union
    }

    /// A comma-separated list of vocabulary values (e.g. `kind=funding,training`).
    pub fn list<T>(&mut self, name: &'static str) -> Vec<T>
    where
        T: FromStr<Err = String>,
    {
        let keys = self.keys(name);
        let mut parsed = Vec::with_capacity(keys.len());
        for key in keys {
            match key.parse::<T>() {
                Ok(value) => parsed.push(value),
                Err(message) => self.error(name, message),
            }
        }
        parsed
    }

    /// One value of a vocabulary (e.g. `lang=en`).
    pub fn one<T>(&mut self, name: &'static str) -> Option<T>
    where
        T: FromStr<Err = String>,
    {
        let raw = self.raw(name)?;
        match raw.parse::<T>() {
            Ok(value) => Some(value),
            Err(message) => {
                self.error(name, message);
                None
            }
        }
    }

    /// A whole number within `min..=max`.
    pub fn integer(&mut self, name: &'static str, min: u64, max: u64) -> Option<u64> {
        let raw = self.raw(name)?;
        match raw.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Some(n),
            Ok(n) => {
                self.error(name, format!("must be between {min} and {max}, got {n}"));
                None
            }
            Err(_) => {
                self.error(
                    name,
                    format!(
                        "must be a whole number between {min} and {max}, got `{}`",
                        quote(&raw)
                    ),
                );
                None
            }
        }
    }

    /// `true` or `false`.
    pub fn boolean(&mut self, name: &'static str) -> Option<bool> {
        let raw = self.raw(name)?;
        match raw.as_str() {
            "true" => Some(true),
            "false" => Some(false),
            other => {
                self.error(
                    name,
                    format!("must be `true` or `false`, got `{}`", quote(other)),
                );
                None
            }
        }
    }

    /// A calendar day, `YYYY-MM-DD`.
    pub fn date(&mut self, name: &'static str) -> Option<NaiveDate> {
        let raw = self.raw(name)?;
        match crate::limits::parse_full_date(&raw) {
            Some(date) => match crate::limits::check_day(name, date) {
                None => Some(date),
                Some(error) => {
                    self.errors.push(error);
                    None
                }
            },
            None => {
                self.error(
                    name,
                    format!("must be a date like 2024-06-30, got `{}`", quote(&raw)),
                );
                None
            }
        }
    }

    /// An RFC 3339 timestamp (`2024-06-30T12:00:00Z`) or a day (midnight UTC).
    pub fn timestamp(&mut self, name: &'static str) -> Option<DateTime<Utc>> {
        let raw = self.raw(name)?;
        let parsed = DateTime::parse_from_rfc3339(&raw)
            .map(|ts| ts.with_timezone(&Utc))
            .ok()
            .or_else(|| {
                crate::limits::parse_full_date(&raw)
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|midnight| midnight.and_utc())
            });
        if let Some(ts) = parsed {
            return match crate::limits::check_day(name, ts.date_naive()) {
                None => Some(ts),
                Some(error) => {
                    self.errors.push(error);
                    None
                }
            };
        }
        self.error(
            name,
            format!(
                "must be an RFC 3339 timestamp like 2024-06-30T12:00:00Z or a date, got `{}`",
                quote(&raw)
            ),
        );
        None
    }

    /// Free text, trimmed, non-empty, at most [`MAX_TEXT_LEN`] characters.
    pub fn text(&mut self, name: &'static str) -> Option<String> {
        let raw = self.raw(name)?;
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            self.error(name, "must not be empty");
            return None;
        }
        let len = trimmed.chars().count();
        if len > MAX_TEXT_LEN {
            self.error(
                name,
                format!("at most {MAX_TEXT_LEN} characters, got {len}"),
            );
            return None;
        }
        Some(trimmed.to_owned())
    }

    /// Fails with every error collected so far, plus one per unknown parameter
    /// (the allowed names are listed once, in the first).
    pub fn finish(mut self) -> AppResult<()> {
        let mut unknown: Vec<&str> = Vec::new();
        for (key, _) in &self.entries {
            if !self.known.contains(&key.as_str()) && !unknown.contains(&key.as_str()) {
                unknown.push(key);
            }
        }
        if !unknown.is_empty() {
            let mut allowed = self.known.clone();
            allowed.sort_unstable();
            allowed.dedup();
            let mut message = format!("unknown parameter; allowed here: {}", allowed.join(", "));
            for name in unknown {
                self.errors
                    .push(FieldError::new(quote(name), std::mem::take(&mut message)));
                message = "unknown parameter".to_owned();
            }
        }
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::InvalidParameters(self.errors))
        }
    }
}

/// A value read from a query string (filters, paging, search requests).
pub trait FromQuery {
    /// Reads the value's parameters; problems are recorded in `p`.
    fn from_query(p: &mut QueryParams) -> Self;
}

/// Lists without filters take none.
impl FromQuery for () {
    fn from_query(_: &mut QueryParams) -> Self {}
}

impl FromQuery for PartnerFilter {
    fn from_query(p: &mut QueryParams) -> Self {
        Self {
            kind: p.list("kind"),
            alliance_group: p.list("alliance_group"),
            alliance_member: p.boolean("alliance_member"),
            region: p.keys("region"),
            q: p.text("q"),
        }
    }
}

impl FromQuery for ProjectFilter {
    fn from_query(p: &mut QueryParams) -> Self {
        Self {
            kind: p.list("kind"),
            status: p.list("status"),
            region: p.keys("region"),
            partner: p.keys("partner"),
            q: p.text("q"),
        }
    }
}

impl FromQuery for OfferFilter {
    fn from_query(p: &mut QueryParams) -> Self {
        Self {
            topic: p.keys("topic"),
            region: p.keys("region"),
            target_group: p.list("target_group"),
            kind: p.list("kind"),
            cost: p.list("cost"),
            provider: p.keys("provider"),
            project: p.keys("project"),
            open_on: p.date("open_on").map(Into::into),
            q: p.text("q"),
            updated_since: p.timestamp("updated_since").map(Into::into),
        }
    }
}

impl FromQuery for RegionFilter {
    fn from_query(p: &mut QueryParams) -> Self {
        Self {
            kind: p.list("kind"),
            parent: p.keys("parent"),
        }
    }
}

/// `q`, `type`, the offer filters, `limit` and `cursor`.
impl FromQuery for SearchRequest {
    fn from_query(p: &mut QueryParams) -> Self {
        // The offer filters include `q`; here it is the search itself.
        let mut filter = OfferFilter::from_query(p);
        let q = match filter.q.take() {
            Some(q) => q,
            None => {
                if !p.has("q") {
                    p.error("q", "is required: the words to search for");
                }
                String::new()
            }
        };
        let types = p.list("type");
        let limit = p.integer("limit", 1, MAX_LIMIT).unwrap_or(DEFAULT_LIMIT);
        let mut request = Self {
            q,
            types,
            filter,
            limit,
            after: None,
        };
        // Read last: a cursor is tied to the words, types and filters above.
        if let Some(raw) = p.raw("cursor") {
            match search::read_cursor(&raw, "cursor", &request) {
                Ok(cursor) => request.after = Some(cursor),
                Err(err) => {
                    for e in err.field_errors() {
                        p.error(&e.field, e.message.clone());
                    }
                }
            }
        }
        request
    }
}

/// `limit`, `cursor` and `include_total`.
impl FromQuery for PageRequest {
    fn from_query(p: &mut QueryParams) -> Self {
        let limit = p.integer("limit", 1, MAX_LIMIT).unwrap_or(DEFAULT_LIMIT);
        let after = p.raw("cursor").and_then(|raw| match Cursor::decode(&raw) {
            Some(cursor) => Some(cursor),
            None => {
                p.error(
                    "cursor",
                    "is not a cursor issued by this API (use `next_cursor` from a previous page)",
                );
                None
            }
        });
        let include_total = p.boolean("include_total").unwrap_or(false);
        Self {
            limit,
            after,
            include_total,
            ..Self::default()
        }
    }
}

/// Reads `sort` (`name` or `-name`) against `fields`; `default` is used
/// when absent and must be valid.
pub fn sort<E: EntityTrait>(
    p: &mut QueryParams,
    fields: &'static [SortField<E>],
    default: &str,
) -> Sort<E> {
    let spec = p.raw("sort").unwrap_or_else(|| default.to_owned());
    if let Some(sort) = Sort::from_spec(fields, &spec) {
        return sort;
    }
    let allowed: Vec<String> = fields
        .iter()
        .flat_map(|f| [f.name.to_owned(), format!("-{}", f.name)])
        .collect();
    p.error(
        "sort",
        format!(
            "unknown sort `{}`; expected one of: {}",
            crate::limits::quote(&spec),
            allowed.join(", ")
        ),
    );
    // Fall back to the default so parsing can go on and report every error.
    Sort::from_spec(fields, default).unwrap_or_else(|| Sort::first(fields))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::Cost;

    #[test]
    fn reports_every_bad_and_unknown_parameter_at_once() {
        let mut p = QueryParams::parse("limit=1000&cost=free,gratis&nosuch=1");
        assert_eq!(p.integer("limit", 1, 100), None);
        assert_eq!(p.list::<Cost>("cost"), vec![Cost::Free]);
        let Err(AppError::InvalidParameters(errors)) = p.finish() else {
            panic!("expected invalid parameters");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["limit", "cost", "nosuch"]);
    }

    #[test]
    fn lists_take_commas_and_repeats_single_values_refuse_repeats() {
        let mut p = QueryParams::parse("topic=a&topic=b,c&topic=a");
        assert_eq!(p.keys("topic"), ["a", "b", "c"]);
        assert!(p.finish().is_ok());
        let mut p = QueryParams::parse("limit=1&limit=2");
        assert_eq!(p.integer("limit", 1, 100), None);
        assert!(p.finish().is_err());
        let mut p = QueryParams::parse("topic=a&topic=");
        assert!(p.keys("topic").is_empty());
        assert!(p.finish().is_err());
        let mut p = QueryParams::parse("topic=a,,b");
        assert!(p.keys("topic").is_empty());
        assert!(p.finish().is_err());
    }

    #[test]
    fn refuses_malformed_encoding_control_characters_and_floods() {
        for query in [
            "q=%", "q=%4", "q=%G1", "q=%FF", "q=%C3%28", "%ZZ=1", "q=a%00b", "a%01=1",
        ] {
            let mut p = QueryParams::parse(query);
            let _ = p.text("q");
            let Err(AppError::InvalidParameters(errors)) = p.finish() else {
                panic!("{query} was accepted");
            };
            assert_eq!(errors.len(), 1, "{query}");
        }
        let flood: Vec<String> = (0..=MAX_QUERY_PARAMS).map(|i| format!("p{i}=1")).collect();
        let Err(AppError::InvalidParameters(errors)) =
            QueryParams::parse(&flood.join("&")).finish()
        else {
            panic!("a flood was accepted");
        };
        assert_eq!(errors.len(), 1);
        let mut p = QueryParams::parse("a=1&b=2&a=3");
        let _ = p.text("q");
        let Err(AppError::InvalidParameters(errors)) = p.finish() else {
            panic!("unknown parameters were accepted");
        };
        assert_eq!(errors.len(), 2, "each unknown name once");
        assert!(errors[0].message.contains("allowed here: q"));
        assert_eq!(errors[1].message, "unknown parameter");
    }

    #[test]
    fn decodes_percent_encoding_and_accepts_dates_as_timestamps() {
        let mut p = QueryParams::parse("q=Betriebsr%C3%A4te&updated_since=2024-01-01");
        assert_eq!(p.text("q").as_deref(), Some("Betriebsräte"));
        assert!(p.timestamp("updated_since").is_some());
        assert!(p.finish().is_ok());
    }
}
