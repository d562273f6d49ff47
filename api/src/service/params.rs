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

use crate::error::{AppError, AppResult, FieldError};

/// Most values one comma-separated parameter may carry.
pub const MAX_LIST_VALUES: usize = 50;
/// Longest accepted free-text parameter (`q`), in characters.
pub const MAX_TEXT_LEN: usize = 200;

/// The parsed query string of one request, consumed parameter by parameter.
#[derive(Debug)]
pub struct QueryParams {
    entries: Vec<(String, String)>,
    known: Vec<&'static str>,
    errors: Vec<FieldError>,
}

impl QueryParams {
    /// Parses a raw (percent-encoded) query string.
    pub fn parse(query: &str) -> Self {
        let entries = form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Self {
            entries,
            known: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// Records an error for `field` (used by callers for semantic checks).
    pub fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// Whether the query string names `name` at all.
    pub fn has(&self, name: &str) -> bool {
        self.entries.iter().any(|(key, _)| key == name)
    }

    /// The raw value of `name`, if present exactly once.
    pub fn raw(&mut self, name: &'static str) -> Option<String> {
        self.known.push(name);
        let mut values = self
            .entries
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value);
        let first = values.next()?.clone();
        if values.next().is_some() {
            self.error(
                name,
                "given more than once; to ask for several values, separate them with commas",
            );
            return None;
        }
        Some(first)
    }

    /// A comma-separated list of raw keys (slugs, ids, official keys).
    pub fn keys(&mut self, name: &'static str) -> Vec<String> {
        let Some(raw) = self.raw(name) else {
            return Vec::new();
        };
        let values: Vec<String> = raw.split(',').map(|v| v.trim().to_owned()).collect();
        if values.iter().any(String::is_empty) {
            self.error(name, "must be a comma-separated list without empty values");
            return Vec::new();
        }
        if values.len() > MAX_LIST_VALUES {
            self.error(
                name,
                format!("at most {MAX_LIST_VALUES} values, got {}", values.len()),
            );
            return Vec::new();
        }
        values
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
                    format!("must be a whole number between {min} and {max}, got `{raw}`"),
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
                self.error(name, format!("must be `true` or `false`, got `{other}`"));
                None
            }
        }
    }

    /// A calendar day, `YYYY-MM-DD`.
    pub fn date(&mut self, name: &'static str) -> Option<NaiveDate> {
        let raw = self.raw(name)?;
        match NaiveDate::parse_from_str(&raw, "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => {
                self.error(name, format!("must be a date like 2024-06-30, got `{raw}`"));
                None
            }
        }
    }

    /// An RFC 3339 timestamp (`2024-06-30T12:00:00Z`) or a day (midnight UTC).
    pub fn timestamp(&mut self, name: &'static str) -> Option<DateTime<Utc>> {
        let raw = self.raw(name)?;
        if let Ok(ts) = DateTime::parse_from_rfc3339(&raw) {
            return Some(ts.with_timezone(&Utc));
        }
        if let Some(midnight) = NaiveDate::parse_from_str(&raw, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
        {
            return Some(midnight.and_utc());
        }
        self.error(
            name,
            format!(
                "must be an RFC 3339 timestamp like 2024-06-30T12:00:00Z or a date, got `{raw}`"
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

    /// Fails with every error collected so far, plus one per unknown parameter.
    pub fn finish(mut self) -> AppResult<()> {
        let mut unknown: Vec<String> = self
            .entries
            .iter()
            .map(|(key, _)| key.clone())
            .filter(|key| !self.known.contains(&key.as_str()))
            .collect();
        unknown.dedup();
        if !unknown.is_empty() {
            let mut allowed = self.known.clone();
            allowed.sort_unstable();
            allowed.dedup();
            for name in unknown {
                self.errors.push(FieldError::new(
                    name,
                    format!("unknown parameter; allowed here: {}", allowed.join(", ")),
                ));
            }
        }
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::InvalidParameters(self.errors))
        }
    }
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
    fn rejects_repeated_parameters_and_empty_list_items() {
        let mut p = QueryParams::parse("topic=a&topic=b");
        assert!(p.keys("topic").is_empty());
        assert!(p.finish().is_err());
        let mut p = QueryParams::parse("topic=a,,b");
        assert!(p.keys("topic").is_empty());
        assert!(p.finish().is_err());
    }

    #[test]
    fn decodes_percent_encoding_and_accepts_dates_as_timestamps() {
        let mut p = QueryParams::parse("q=Betriebsr%C3%A4te&updated_since=2024-01-01");
        assert_eq!(p.text("q").as_deref(), Some("Betriebsräte"));
        assert!(p.timestamp("updated_since").is_some());
        assert!(p.finish().is_ok());
    }
}
