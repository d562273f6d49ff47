//! Bounds on GraphQL requests that must hold *before* async-graphql's parser
//! and validation run, and on the errors that go back.
//!
//! async-graphql's parser (pest) recurses once per nesting level of lists,
//! objects and selection sets: a 4 KB document of 2,000 nested `[` overflowed
//! the worker's stack and aborted the process. Its validation and
//! `limit_recursive_depth` expand fragment spreads without memoising them, so
//! 24 fragments each spreading the previous one twice cost 2^24 steps. Hence:
//! 1. [`scan`]: one linear pass over the source, no recursion, counting bytes,
//!    tokens, bracket nesting and directives;
//! 2. after parsing (now safe), `errors::shape_of` measures field depth and
//!    the size of the document with fragments expanded, memoised per
//!    fragment, and [`check_document_values`] / [`check_variables`] bound every
//!    argument and variable value;
//! 3. [`bound_response`] gives every error a stable code, shortens messages
//!    and caps the list.
//!
//! Rejected alternative: raising the worker threads' stack size. It moves
//! the cliff, it does not remove it, and the exponential validation would
//! remain.
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Positioned, Response, ServerError, Value};

use super::Limits;
use crate::limits::{MAX_LISTED_ERRORS, is_allowed_char, shorten_quotes, truncate};

/// Deepest nesting of `{`, `[` and `(` in a document. async-graphql's own
/// recursion limit for selection sets has the same default.
pub const MAX_NESTING: usize = 32;
/// Most directives (`@…`) in one document.
pub const MAX_DIRECTIVES: usize = 50;
/// Longest string in an argument or variable, in characters: the longest
/// text of a record (mutations take the records REST takes; fields with a
/// shorter bound, e.g. a match profile's `need`, check their own).
pub const MAX_STRING_CHARS: usize = crate::service::import::TEXT_CHARS;
/// Most items in a list argument or variable.
pub const MAX_LIST_ITEMS: usize = 100;
/// Longest name (field, alias, argument) or number in a document.
pub const MAX_NAME_CHARS: usize = 128;
/// Most entries of an error's `extensions.errors` (field errors).
const MAX_FIELD_ERRORS_PER_ERROR: usize = 5;
/// Largest `POST /graphql` body, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

fn refusal(message: String, code: &'static str) -> ServerError {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
    error
}

/// One linear pass over the document source, before it is parsed: refuses
/// documents over `limits.document_bytes` or `limits.tokens`
/// (`query_too_large`), nested deeper than [`MAX_NESTING`]
/// (`query_too_deep`), or with more than [`MAX_DIRECTIVES`] directives
/// (`too_many_directives`). Strings and comments are skipped as the GraphQL
/// grammar (October 2021, §2.1) defines them, so brackets inside them do not
/// count.
pub fn scan(source: &str, limits: &Limits) -> Result<(), ServerError> {
    let too_large =
        |what: String| refusal(format!("Query is too large: {what}."), "query_too_large");
    if source.len() > limits.document_bytes {
        return Err(too_large(format!(
            "{} bytes, at most {} are allowed",
            source.len(),
            limits.document_bytes
        )));
    }
    let b = source.as_bytes();
    let (mut i, mut depth, mut tokens, mut directives) = (0, 0usize, 0usize, 0usize);
    let mut objects = ObjectLiterals::default();
    while i < b.len() {
        let token = i;
        match b[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    i += 1;
                }
                continue;
            }
            b'"' if b[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < b.len() {
                    if b[i..].starts_with(b"\\\"\"\"") {
                        i += 4;
                    } else if b[i..].starts_with(b"\"\"\"") {
                        i += 3;
                        break;
                    } else {
                        i += 1;
                    }
                }
            }
            b'"' => {
                i += 1;
                while i < b.len() {
                    match b[i] {
                        b'\\' => i += 2,
                        b'"' => {
                            i += 1;
                            break;
                        }
                        b'\n' | b'\r' => break,
                        _ => i += 1,
                    }
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(refusal(
                        format!(
                            "Query is nested too deep: more than {MAX_NESTING} levels of brackets."
                        ),
                        "query_too_deep",
                    ));
                }
                i += 1;
            }
            b'}' | b']' | b')' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'@' => {
                directives += 1;
                i += 1;
            }
            b'.' if b[i..].starts_with(b"...") => i += 3,
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' => {
                // A name or a number (`-1.5e+3`).
                let start = i;
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'.' | b'+' | b'-'))
                {
                    i += 1;
                }
                // Names come back in errors' `path` (aliases): bound them.
                if i - start > MAX_NAME_CHARS {
                    return Err(too_large(format!(
                        "a name or number longer than {MAX_NAME_CHARS} characters"
                    )));
                }
            }
            b'!' | b'$' | b'&' | b':' | b'=' | b'|' => i += 1,
            // A byte-order mark is ignored like white space (§2.1.1).
            0xEF if b[i..].starts_with("\u{FEFF}".as_bytes()) => {
                i += 3;
                continue;
            }
            _ => return Err(unexpected_character(source, i)),
        }
        objects.token(&b[token..i])?;
        tokens += 1;
        if tokens > limits.tokens {
            return Err(too_large(format!("more than {} tokens", limits.tokens)));
        }
    }
    if directives > MAX_DIRECTIVES {
        return Err(refusal(
            format!("Query has {directives} directives; at most {MAX_DIRECTIVES} are allowed."),
            "too_many_directives",
        ));
    }
    Ok(())
}

/// Input object literals met by [`scan`], so that a field name given twice
/// in one is refused (spec §5.6.3 "Input Object Field Uniqueness"):
/// async-graphql's parser collapses `{note: "a", note: "b"}` to its last
/// value without a word. A `{` opens an object literal where a value
/// stands (after `:` or `=`, or inside a list value); every other `{` opens
/// a selection set.
#[derive(Default)]
struct ObjectLiterals<'a> {
    frames: Vec<Frame<'a>>,
    /// The previous token.
    previous: &'a [u8],
}

/// One open bracket of the document.
enum Frame<'a> {
    /// An input object literal: its field names so far, and whether the
    /// next name is a field name (else it is a value).
    Object(Vec<&'a [u8]>, bool),
    /// A list (value or type).
    List,
    /// A selection set or an argument or variable list.
    Other,
}

impl<'a> ObjectLiterals<'a> {
    fn token(&mut self, token: &'a [u8]) -> Result<(), ServerError> {
        let previous = std::mem::replace(&mut self.previous, token);
        match token {
            b"{" => {
                let value = matches!(previous, b":" | b"=")
                    || matches!(self.frames.last(), Some(Frame::List));
                self.frames.push(if value {
                    Frame::Object(Vec::new(), true)
                } else {
                    Frame::Other
                });
            }
            b"[" => self.frames.push(Frame::List),
            b"(" => self.frames.push(Frame::Other),
            b"}" | b"]" | b")" => {
                self.frames.pop();
                // A nested value ended: the next name is a field name.
                if let Some(Frame::Object(_, due)) = self.frames.last_mut() {
                    *due = true;
                }
            }
            b":" | b"$" | b"!" | b"=" | b"&" | b"|" | b"@" | b"..." => {}
            // A name, number or string: a field name where one is due, else
            // a value (a variable's name after its `$` too).
            _ => {
                if let Some(Frame::Object(names, due)) = self.frames.last_mut() {
                    if *due {
                        if names.contains(&token) {
                            return Err(refusal(
                                format!(
                                    "There can be only one input field named `{}`.",
                                    String::from_utf8_lossy(token)
                                ),
                                "invalid_query",
                            ));
                        }
                        names.push(token);
                    }
                    *due = !*due;
                }
            }
        }
        Ok(())
    }
}

/// A character no GraphQL token starts with (outside strings and comments),
/// as the parser would report it but without quoting the source line.
fn unexpected_character(source: &str, at: usize) -> ServerError {
    let before = &source[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let found = source[at..].chars().next().unwrap_or(' ');
    let mut error = refusal(
        format!(
            "Syntax error at line {line}, column {column}: unexpected character {}.",
            found.escape_default()
        ),
        "parse_error",
    );
    error.locations = vec![async_graphql::Pos { line, column }];
    error
}

/// The error for a value that breaks a bound, naming where it is but never
/// quoting it.
fn invalid_value(place: &str, what: String) -> ServerError {
    refusal(format!("{place}: {what}."), "invalid_argument")
}

/// Checks one value (and everything inside it): strings of at most
/// [`MAX_STRING_CHARS`] characters without control characters other than
/// tab and line breaks (NUL would reach PostgreSQL, which refuses it), lists
/// of at most [`MAX_LIST_ITEMS`] items, at most [`MAX_NESTING`] levels.
fn check_value(place: &str, value: &Value, level: usize) -> Result<(), ServerError> {
    if level > MAX_NESTING {
        return Err(invalid_value(
            place,
            format!("nested deeper than {MAX_NESTING} levels"),
        ));
    }
    match value {
        Value::String(text) => {
            if text.chars().any(|c| !is_allowed_char(c)) {
                return Err(invalid_value(
                    place,
                    "a string contains control characters".to_owned(),
                ));
            }
            let len = text.chars().count();
            if len > MAX_STRING_CHARS {
                return Err(invalid_value(
                    place,
                    format!(
                        "a string has {len} characters; at most {MAX_STRING_CHARS} are allowed"
                    ),
                ));
            }
            Ok(())
        }
        Value::List(items) => {
            if items.len() > MAX_LIST_ITEMS {
                return Err(invalid_value(
                    place,
                    format!(
                        "a list has {} items; at most {MAX_LIST_ITEMS} are allowed",
                        items.len()
                    ),
                ));
            }
            items
                .iter()
                .try_for_each(|item| check_value(place, item, level + 1))
        }
        Value::Object(fields) => fields
            .values()
            .try_for_each(|item| check_value(place, item, level + 1)),
        _ => Ok(()),
    }
}

/// Checks every variable value of a request but those `is_record` names:
/// a record (or patch) for a mutation, which the write itself bounds the
/// same way and answers, field by field, in the payload's `errors`.
pub fn check_variables(
    variables: &async_graphql::Variables,
    is_record: impl Fn(&str) -> bool,
) -> Result<(), ServerError> {
    variables
        .iter()
        .filter(|(name, _)| !is_record(name.as_str()))
        .try_for_each(|(name, value)| check_value(&format!("variable `${name}`"), value, 0))
}

/// A field's or directive's arguments, as parsed.
type Arguments = [(
    Positioned<async_graphql::Name>,
    Positioned<async_graphql_value::Value>,
)];
/// Checks the literal arguments of a field (named) or directive (`None`).
type LiteralCheck<'a> = dyn Fn(Option<&str>, &Arguments) -> Result<(), ServerError> + 'a;
/// Checks the literal arguments of directives.
type DirectiveCheck<'a> =
    dyn Fn(&[Positioned<async_graphql::parser::types::Directive>]) -> Result<(), ServerError> + 'a;

/// Checks every literal argument value (fields and directives) and variable
/// default of a parsed document, but the records of mutations
/// (`is_record(field, argument)`, see [`check_variables`]). Each selection
/// set is visited once: fragments are walked where they are defined, not
/// where they are spread.
pub fn check_document_values(
    document: &ExecutableDocument,
    is_record: &dyn Fn(&str, &str) -> bool,
) -> Result<(), ServerError> {
    let literals = |field: Option<&str>, arguments: &Arguments| {
        arguments.iter().try_for_each(|(name, value)| {
            if field.is_some_and(|field| is_record(field, name.node.as_str())) {
                return Ok(());
            }
            match value.node.clone().into_const() {
                // `None` only for values holding variables, checked separately.
                Some(value) => check_value(&format!("argument `{}`", name.node), &value, 0),
                None => Ok(()),
            }
        })
    };
    let directives = |list: &[Positioned<async_graphql::parser::types::Directive>]| {
        list.iter()
            .try_for_each(|d| literals(None, &d.node.arguments))
    };
    fn set(
        selections: &SelectionSet,
        literals: &LiteralCheck<'_>,
        directives: &DirectiveCheck<'_>,
    ) -> Result<(), ServerError> {
        selections
            .items
            .iter()
            .try_for_each(|selection| match &selection.node {
                Selection::Field(field) => {
                    literals(Some(field.node.name.node.as_str()), &field.node.arguments)?;
                    directives(&field.node.directives)?;
                    set(&field.node.selection_set.node, literals, directives)
                }
                Selection::InlineFragment(fragment) => {
                    directives(&fragment.node.directives)?;
                    set(&fragment.node.selection_set.node, literals, directives)
                }
                Selection::FragmentSpread(spread) => directives(&spread.node.directives),
            })
    }
    for (_, operation) in document.operations.iter() {
        directives(&operation.node.directives)?;
        for definition in &operation.node.variable_definitions {
            if let Some(default) = &definition.node.default_value {
                check_value(
                    &format!("default of `${}`", definition.node.name.node),
                    &default.node,
                    0,
                )?;
            }
        }
        set(&operation.node.selection_set.node, &literals, &directives)?;
    }
    document.fragments.values().try_for_each(|fragment| {
        directives(&fragment.node.directives)?;
        set(&fragment.node.selection_set.node, &literals, &directives)
    })
}

/// A syntax error without the offending source line, which pest's message
/// quotes whole (a 30 KB one-line document made a 30 KB error): the position
/// and what was expected.
pub fn syntax_error(error: async_graphql::parser::Error) -> ServerError {
    let positions: Vec<_> = error.positions().collect();
    let text = error.to_string();
    let expected = text
        .lines()
        .find_map(|line| line.trim_start().strip_prefix("= "))
        .map(|e| format!(": {}", truncate(e, 120)))
        .unwrap_or_default();
    let at = positions
        .first()
        .map(|p| format!(" at line {}, column {}", p.line, p.column))
        .unwrap_or_default();
    let mut server_error = refusal(format!("Syntax error{at}{expected}."), "parse_error");
    server_error.locations = positions.into_iter().take(1).collect();
    server_error
}

/// The stable code of an error async-graphql raised without one.
fn fallback_code(message: &str, executed: bool) -> &'static str {
    if message.starts_with("Unknown operation")
        || message.starts_with("Operation name required")
        || message.starts_with("Missing operation")
    {
        "unknown_operation"
    } else if message.starts_with("Invalid value for argument")
        || message.starts_with("Failed to parse")
        || message.contains("Variable")
    {
        "invalid_argument"
    } else if executed {
        "field_error"
    } else {
        "invalid_query"
    }
}

/// Makes a response's errors safe to send: each carries a stable
/// `extensions.code`, messages are at most [`MAX_MESSAGE_CHARS`] characters,
/// and at most [`MAX_LISTED_ERRORS`] are listed, followed by one
/// `errors_truncated` entry counting the rest.
pub fn bound_response(response: &mut Response) {
    bound_errors(response, MAX_LISTED_ERRORS);
}

/// [`bound_response`] for a batch: the [`MAX_LISTED_ERRORS`] are shared by
/// its responses (at least one each), so a batch of ten cannot answer with
/// ten times as many.
pub fn bound_batch(responses: &mut [Response]) {
    // Each operation's share includes its `errors_truncated` entry, so the
    // whole batch lists at most MAX_LISTED_ERRORS entries.
    let share = (MAX_LISTED_ERRORS / responses.len().max(1)).max(2);
    responses
        .iter_mut()
        .for_each(|r| bound_errors(r, share - 1));
}

fn bound_errors(response: &mut Response, listed: usize) {
    let executed = response.data != Value::Null;
    // The same error twice (a resolver's error that async-graphql also
    // reports for the non-null field it nulls) tells the client nothing
    // more; the first is kept. Errors past the listed ones are only
    // counted, so each is compared with at most `listed + 1` others.
    let mut kept: Vec<async_graphql::ServerError> = Vec::with_capacity(listed + 1);
    let mut unlisted = 0;
    for error in response.errors.drain(..) {
        if kept.contains(&error) {
            continue;
        }
        if kept.len() <= listed {
            kept.push(error);
        } else {
            unlisted += 1;
        }
    }
    response.errors = kept;
    let total = response.errors.len() + unlisted;
    // One entry short of the share when some are left out, for the summary.
    let listed = if total > listed + 1 {
        listed
    } else {
        listed + 1
    };
    response.errors.truncate(listed);
    for error in &mut response.errors {
        // Messages of async-graphql quote names and values in `"…"`.
        error.message = shorten_quotes(&error.message);
        error.locations.truncate(3);
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", fallback_code(&error.message, executed));
        }
        if let Some(Value::List(fields)) = extensions.get("errors")
            && fields.len() > MAX_FIELD_ERRORS_PER_ERROR
        {
            let fields = fields[..MAX_FIELD_ERRORS_PER_ERROR].to_vec();
            extensions.set("errors", Value::List(fields));
        }
    }
    if total > listed {
        response.errors.push(refusal(
            format!("and {} more errors not listed", total - listed),
            "errors_truncated",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(result: Result<(), ServerError>) -> Option<String> {
        result.err().map(
            |e| match e.extensions.as_ref().and_then(|x| x.get("code")) {
                Some(Value::String(code)) => code.clone(),
                _ => String::new(),
            },
        )
    }

    #[test]
    fn scan_counts_brackets_outside_strings_and_comments() {
        let limits = Limits::default();
        let deep = format!(
            "{{ offers(filter: {{topic: {}\"x\"{}}}) {{ totalCount }} }}",
            "[".repeat(2000),
            "]".repeat(2000)
        );
        assert_eq!(
            code(scan(&deep, &limits)).as_deref(),
            Some("query_too_deep")
        );
        let in_string = format!("{{ search(q: \"{}\") {{ totalCount }} }}", "[".repeat(100));
        assert_eq!(code(scan(&in_string, &limits)), None);
        let in_block = format!(
            "{{ search(q: \"\"\"{}\\\"\"\"\"\"\") {{ totalCount }} }}",
            "{".repeat(100)
        );
        assert_eq!(code(scan(&in_block, &limits)), None);
        let in_comment = format!("# {}\n{{ __typename }}", "(".repeat(100));
        assert_eq!(code(scan(&in_comment, &limits)), None);
        let many = "{ a }".repeat(limits.tokens);
        assert_eq!(
            code(scan(&many, &limits)).as_deref(),
            Some("query_too_large")
        );
        let garbage = format!("{{ __typename }}\n {}", "%".repeat(30_000));
        let error = scan(&garbage, &limits).err().map(|e| e.message);
        assert_eq!(
            error.as_deref(),
            Some("Syntax error at line 2, column 2: unexpected character %.")
        );
        let directives = format!("{{ __typename {} }}", "@skip(if: false) ".repeat(51));
        assert_eq!(
            code(scan(&directives, &limits)).as_deref(),
            Some("too_many_directives")
        );
    }
}
