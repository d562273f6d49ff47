//! Every bound on untrusted input, in one place (ARCHITECTURE.md decision 17).
//!
//! A request may cost time and memory linear in its size with a small
//! constant, and no more: each parser and each recursive step that client
//! input reaches is bounded *before* the work, by the constants here.
//! `SECURITY.md` lists them for operators; the GraphQL ones are
//! [`crate::graphql::Limits`] because they are configurable.
//!
//! Error messages quote client input only through [`quote`], so no answer
//! grows with the request (a 7,500-parameter URL once produced a 2.7 MB
//! problem).

use crate::error::FieldError;

/// Longest request target (path and query), in bytes; longer is a 414
/// problem. nginx's default (`large_client_header_buffers 4 8k`) is the same.
/// Targets over 65,534 bytes never reach the app: actix-http's parser refuses
/// them with a body-less 400 (see `SECURITY.md`).
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Longest single header (name and value), in bytes; longer is a 431 problem.
pub const MAX_HEADER_BYTES: usize = 8 * 1024;
/// Largest sum of all headers, in bytes; more is a 431 problem.
pub const MAX_HEADERS_TOTAL_BYTES: usize = 32 * 1024;
/// Most query parameters in one request.
pub const MAX_QUERY_PARAMS: usize = 64;
/// Most values one comma-separated parameter (or one list field) may carry.
pub const MAX_LIST_VALUES: usize = 50;
/// Longest free-text search parameter (`q`), in characters.
pub const MAX_TEXT_LEN: usize = 200;
/// Longest key (slug, id, official key) a filter or path may carry.
pub const MAX_KEY_LEN: usize = 200;
/// Longest opaque cursor, in bytes; ours are under 300.
pub const MAX_CURSOR_LEN: usize = 1024;
/// Most field errors listed in one problem or GraphQL response; the rest is
/// summarised as "and N more" (issue 9; the same cap the HTTP issue states).
pub const MAX_LISTED_ERRORS: usize = 20;
/// Most characters of client input quoted in an error message.
pub const MAX_QUOTE_CHARS: usize = 40;
/// Longest error message (`detail`, a field error's `message`, a GraphQL
/// error's `message`), in characters: room for the longest list a message
/// names (an offer's 23 fields, ~270 characters), with client input in it
/// bounded by [`MAX_QUOTE_CHARS`].
pub const MAX_MESSAGE_CHARS: usize = 400;
/// Longest field name in a field error, in characters (a parameter name,
/// a path such as `offers[3].provider`).
pub const MAX_FIELD_CHARS: usize = 64;
/// Longest JSON Pointer in a field error, in characters: room for 32
/// levels of ordinary names (record nesting is bounded there).
pub const MAX_POINTER_CHARS: usize = 512;

/// The `field` of a field error as shown to clients: a JSON Pointer (RFC
/// 6901; starts with `/`, or is empty for the whole body) longer than
/// [`MAX_POINTER_CHARS`] becomes the pointer to its nearest ancestor that
/// fits, so it stays a pointer into the body (a `…` would make it none);
/// any other name is cut to [`MAX_FIELD_CHARS`] with `…`.
pub fn field_name(field: &str) -> String {
    if !field.starts_with('/') {
        return truncate(field, MAX_FIELD_CHARS);
    }
    if field.chars().count() <= MAX_POINTER_CHARS {
        return field.to_owned();
    }
    let mut end = 0;
    for (at, (index, c)) in field.char_indices().enumerate() {
        if at > MAX_POINTER_CHARS {
            break;
        }
        if c == '/' {
            end = index;
        }
    }
    field[..end].to_owned()
}

/// `text` shortened to at most [`MAX_QUOTE_CHARS`] characters, with control
/// characters escaped (`\0`, `\n`), for quoting client input in a message.
pub fn quote(text: &str) -> String {
    let mut quoted = String::new();
    let mut chars = text.chars();
    for c in chars.by_ref().take(MAX_QUOTE_CHARS) {
        if c.is_control() {
            quoted.extend(c.escape_default());
        } else {
            quoted.push(c);
        }
    }
    if chars.next().is_some() {
        quoted.push('…');
    }
    quoted
}

/// Characters that show nothing and are not white space: zero-width
/// space, joiners and marks (U+200B–U+200F), word joiner and invisible
/// operators (U+2060–U+2064), soft hyphen (U+00AD), Mongolian vowel
/// separator (U+180E), byte-order mark (U+FEFF; JSON Schema's `\s` has it).
pub const INVISIBLE: [std::ops::RangeInclusive<char>; 5] = [
    '\u{00AD}'..='\u{00AD}',
    '\u{180E}'..='\u{180E}',
    '\u{200B}'..='\u{200F}',
    '\u{2060}'..='\u{2064}',
    '\u{FEFF}'..='\u{FEFF}',
];

/// Whether `text` shows nothing: only white space and [`INVISIBLE`]
/// characters (a required name of one zero-width space is blank).
pub fn is_blank(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_whitespace() || INVISIBLE.iter().any(|r| r.contains(&c)))
}

/// `text` cut to at most `max` characters, with `…` when cut.
pub fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((end, _)) => {
            let mut cut = text[..end].to_owned();
            cut.push('…');
            cut
        }
    }
}

/// A library's error message (serde's, for one) with every quoted part —
/// between backticks or double quotes, where such messages put the input —
/// shortened to [`MAX_QUOTE_CHARS`] characters, and the whole cut to
/// [`MAX_MESSAGE_CHARS`]: `unknown variant `xxxx…`, expected one of …`.
pub fn shorten_quotes(message: &str) -> String {
    let mut out = String::new();
    let mut quoted: Option<(char, usize)> = None;
    for c in message.chars() {
        match quoted {
            Some((close, _)) if c == close => {
                quoted = None;
                out.push(c);
            }
            Some((close, n)) => {
                if n < MAX_QUOTE_CHARS {
                    out.push(c);
                } else if n == MAX_QUOTE_CHARS {
                    out.push('…');
                }
                quoted = Some((close, n + 1));
            }
            None => {
                if c == '`' || c == '"' {
                    quoted = Some((c, 0));
                }
                out.push(c);
            }
        }
    }
    truncate(&out, MAX_MESSAGE_CHARS)
}

/// Whether `c` may appear in client text: no control characters except tab
/// and line breaks. NUL in particular never reaches PostgreSQL, which
/// refuses it in `text` (an error that would be a 500).
pub fn is_allowed_char(c: char) -> bool {
    !c.is_control() || matches!(c, '\t' | '\n' | '\r')
}

/// Checks one client string: at most `max` characters and no control
/// characters other than tab and line breaks; keys (`multiline == false`)
/// allow none at all.
pub fn check_text(field: &str, text: &str, max: usize, multiline: bool) -> Option<FieldError> {
    if let Some(c) = text.chars().find(|&c| {
        if multiline {
            !is_allowed_char(c)
        } else {
            c.is_control()
        }
    }) {
        return Some(FieldError::new(
            field,
            format!(
                "must not contain control characters (found {})",
                c.escape_default()
            ),
        ));
    }
    let len = text.chars().count();
    (len > max).then(|| FieldError::new(field, format!("at most {max} characters, got {len}")))
}

/// Checks a list of keys: at most [`MAX_LIST_VALUES`] entries, each a valid
/// key ([`check_text`] with [`MAX_KEY_LEN`]). Reports the first bad entry only.
pub fn check_keys(field: &str, keys: &[String]) -> Option<FieldError> {
    if keys.len() > MAX_LIST_VALUES {
        return Some(FieldError::new(
            field,
            format!("at most {MAX_LIST_VALUES} values, got {}", keys.len()),
        ));
    }
    keys.iter()
        .enumerate()
        .find_map(|(i, key)| check_text(&format!("{field}[{i}]"), key, MAX_KEY_LEN, false))
}

/// Percent-decodes a path or one name or value of a query string (`form`:
/// `+` is a space). Errors: a `%` not followed by two hex digits (RFC 3986
/// §2.1), or bytes that are not UTF-8 — where WHATWG's lenient parsers pass
/// the first through and replace the second, we refuse both, so what a
/// client meant is never guessed.
pub fn percent_decode(raw: &str, form: bool) -> Result<String, &'static str> {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let pair = bytes
                    .get(i + 1)
                    .copied()
                    .and_then(hex)
                    .zip(bytes.get(i + 2).copied().and_then(hex));
                let Some((high, low)) = pair else {
                    return Err("has a `%` not followed by two hex digits");
                };
                decoded.push(high << 4 | low);
                i += 3;
            }
            b'+' if form => {
                decoded.push(b' ');
                i += 1;
            }
            byte => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(decoded).map_err(|_| "is not UTF-8 once percent-decoded")
}

/// Earliest and latest calendar days accepted in dates and timestamps:
/// ISO 8601's four-digit years. PostgreSQL refuses days before 4714 BC
/// (a 500 before this bound), and no record of this API is outside it.
pub const MIN_YEAR: i32 = 1;
/// See [`MIN_YEAR`].
pub const MAX_YEAR: i32 = 9999;

/// The day `text` names if it is an RFC 3339 §5.6 `full-date`, exactly
/// `YYYY-MM-DD`: chrono's `%Y-%m-%d` alone also reads `2024-1-1` and
/// `+2024-01-01`, which the contract's `format: date` does not allow.
pub fn parse_full_date(text: &str) -> Option<chrono::NaiveDate> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    shaped
        .then(|| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
}

/// Reads a record's day as RFC 3339 §5.6 `full-date` (`YYYY-MM-DD`, the
/// contract's `format: date`) with [`parse_full_date`]. Rejected: chrono's
/// own `Deserialize`, which also takes `2024-2-3`, `+2024-01-01` and
/// negative years, stored and then served as they came. For
/// `#[serde(deserialize_with = "crate::limits::full_date")]`.
pub fn full_date<'de, D>(deserializer: D) -> Result<chrono::NaiveDate, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::Deserialize as _;
    use serde::de::Error as _;
    let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
    parse_full_date(&text)
        .ok_or_else(|| D::Error::custom("must be a date `YYYY-MM-DD` (RFC 3339 full-date)"))
}

/// [`full_date`] for an optional day: `null` or absent is `None`. For
/// `#[serde(default, deserialize_with = "crate::limits::optional_full_date")]`.
pub fn optional_full_date<'de, D>(deserializer: D) -> Result<Option<chrono::NaiveDate>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::Deserialize as _;
    match Option::<serde_json::Value>::deserialize(deserializer)? {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(value) => full_date(value).map(Some).map_err(serde::de::Error::custom),
    }
}

/// A field error if `day` is outside years [`MIN_YEAR`]..=[`MAX_YEAR`].
pub fn check_day(field: &str, day: chrono::NaiveDate) -> Option<FieldError> {
    use chrono::Datelike;
    (!(MIN_YEAR..=MAX_YEAR).contains(&day.year())).then(|| {
        FieldError::new(
            field,
            format!("must be between the years {MIN_YEAR} and {MAX_YEAR}"),
        )
    })
}

/// The bounds every list filter checks before it becomes SQL, whether it
/// came from REST or GraphQL: `q` as in [`MAX_TEXT_LEN`], key lists as in
/// [`check_keys`], days as in [`check_day`]. REST's parser checks the same
/// earlier, with the same messages; GraphQL arguments reach only this, so
/// the two front-ends cannot drift.
pub fn check_filter(
    q: Option<&str>,
    keys: &[(&str, &[String])],
    days: &[(&str, Option<chrono::NaiveDate>)],
) -> Result<(), crate::error::AppError> {
    let mut errors: Vec<FieldError> = Vec::new();
    if let Some(q) = q {
        if q.trim().is_empty() {
            errors.push(FieldError::new("q", "must not be empty"));
        }
        errors.extend(check_text("q", q, MAX_TEXT_LEN, false));
    }
    for (field, list) in keys {
        errors.extend(check_keys(field, list));
    }
    for (field, day) in days {
        errors.extend(day.and_then(|d| check_day(field, d)));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(crate::error::AppError::InvalidParameters(errors))
    }
}

/// Reads a whole number that JSON may write as `1434` or `1434.0`: JSON
/// Schema counts both as an integer (2020-12 §6.1.1 / JSON Schema
/// Validation §4.2), and so do generated clients; serde's integers accept
/// only the first. Fractions and numbers beyond `T` are refused. For
/// `#[serde(default, deserialize_with = "crate::limits::whole_number")]`
/// on an `Option` field.
pub fn whole_number<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64>,
{
    use serde::Deserialize as _;
    use serde::de::Error as _;
    let Some(number) = Option::<serde_json::Number>::deserialize(deserializer)? else {
        return Ok(None);
    };
    let whole = match (number.as_i64(), number.as_f64()) {
        (Some(n), _) => Some(n),
        // Below 2^53 every whole f64 is exact, and `fract` is then exact.
        (None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
        _ => None,
    };
    whole
        .and_then(|n| T::try_from(n).ok())
        .map(Some)
        .ok_or_else(|| {
            // The bounds are checked with the other fields, which names them.
            D::Error::custom(format!("expected a whole number, got {number}"))
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_pointers_name_an_ancestor_that_fits() {
        assert_eq!(super::field_name("/facts/a"), "/facts/a");
        assert_eq!(super::field_name(""), "");
        let long = format!("/facts/{}/x", "k".repeat(600));
        assert_eq!(super::field_name(&long), "/facts");
        let deep = "/a".repeat(300);
        let cut = super::field_name(&deep);
        assert!(
            cut.len() <= super::MAX_POINTER_CHARS && deep.starts_with(&cut),
            "{cut}"
        );
        assert!(cut.ends_with("/a"), "{cut}");
        assert_eq!(super::field_name(&format!("/{}", "k".repeat(600))), "");
        assert_eq!(super::field_name(&"p".repeat(70)).chars().count(), 65);
    }

    use super::*;

    #[test]
    fn quote_is_bounded_and_escapes_control_characters() {
        assert_eq!(quote("a\0b"), "a\\u{0}b");
        let long = "x".repeat(10_000);
        assert_eq!(quote(&long).chars().count(), MAX_QUOTE_CHARS + 1);
        assert_eq!(truncate("abcdef", 3), "abc…");
        assert_eq!(truncate("abc", 3), "abc");
    }

    #[test]
    fn quoted_input_in_library_messages_is_shortened() {
        let message = format!("unknown variant `{}`, expected `a`", "x".repeat(5_000));
        let short = shorten_quotes(&message);
        assert!(short.len() < 120, "{short}");
        assert!(short.ends_with("…`, expected `a`"), "{short}");
    }

    #[test]
    fn percent_decoding_is_strict() {
        assert_eq!(
            percent_decode("F%C3%B6rderung+x", true).as_deref(),
            Ok("Förderung x")
        );
        assert_eq!(percent_decode("a+b", false).as_deref(), Ok("a+b"));
        for bad in ["%", "%4", "%G1", "%ZZ", "%FF", "%C3%28", "%ED%A0%80"] {
            assert!(percent_decode(bad, true).is_err(), "{bad}");
        }
    }

    #[test]
    fn text_checks_name_length_and_control_characters() {
        assert!(check_text("q", "Förderung", 200, false).is_none());
        assert!(check_text("q", "a\0", 200, false).is_some());
        assert!(check_text("need", "line\nline", 200, true).is_none());
        assert!(check_text("need", "nul\0", 200, true).is_some());
        assert!(check_text("q", &"x".repeat(201), 200, false).is_some());
        let many: Vec<String> = (0..51).map(|i| i.to_string()).collect();
        assert!(check_keys("topic", &many).is_some());
        assert!(check_keys("topic", &many[..50]).is_none());
    }
}
