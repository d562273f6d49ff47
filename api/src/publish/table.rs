//! Records as table rows: the columns of a collection's CSV, read from the
//! OpenAPI schema of its public type, so the CSV cannot drift from the
//! JSON (the same fields, the same values).
//!
//! A scalar field is one column. An embedded record (an offer's `provider`)
//! becomes one column per scalar field of it, named `provider_slug`,
//! `provider_name` …; a list (`target_groups`, the `regions` an offer
//! serves) is one column per scalar leaf with the values joined by `;`
//! (the convention of the import format's `source`). A free-form JSON value
//! (a project's `facts`) or a list inside a list stays JSON text in one
//! column. Rejected: one CSV per relation (normalised tables), which a
//! spreadsheet user would have to join again; JSON text for every embedded
//! record, which a spreadsheet cannot filter.
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::Value;
use utoipa::openapi::schema::{ArrayItems, Schema};
use utoipa::openapi::{OpenApi, RefOr};

/// Separator of the values of a list in one cell.
pub const LIST_SEPARATOR: &str = ";";

/// One column: its header and where its values are in a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The header, e.g. `provider_slug`.
    pub name: String,
    /// The keys from the record to the value; a list on the way is
    /// walked element by element.
    path: Vec<String>,
    /// Whether the value is written as JSON text (free-form values).
    json: bool,
    /// Whether a list was walked on the way: its values are joined, each
    /// escaped (see [`row`]).
    list: bool,
}

impl Column {
    /// The record's top-level field the column shows (`provider` for
    /// `provider_slug`).
    pub fn field(&self) -> &str {
        self.path.first().map_or("", String::as_str)
    }
}

/// The columns of every public record type, by schema name (`Offer` …).
#[derive(Debug, Default)]
pub struct Tables {
    columns: HashMap<String, Arc<[Column]>>,
}

impl Tables {
    /// The columns of each of `types` (schema names of `api`'s components).
    pub fn new(api: &OpenApi, types: &[String]) -> Self {
        let empty = BTreeMap::new();
        let schemas = api.components.as_ref().map_or(&empty, |c| &c.schemas);
        let columns = types
            .iter()
            .filter_map(|name| {
                let schema = schemas.get(name)?;
                let mut columns = Vec::new();
                flatten(schemas, schema, &mut Vec::new(), false, 0, &mut columns);
                Some((name.clone(), Arc::from(columns)))
            })
            .collect();
        Self { columns }
    }

    /// The columns of schema `name`; empty for a type it does not know.
    pub fn columns(&self, name: &str) -> Arc<[Column]> {
        self.columns
            .get(name)
            .cloned()
            .unwrap_or_else(|| Arc::from(Vec::new()))
    }
}

/// Follows `$ref`s and unwraps `oneOf [null, T]` (how utoipa writes an
/// optional reference) to the schema that says what a value is.
fn resolve<'a>(
    schemas: &'a BTreeMap<String, RefOr<Schema>>,
    mut schema: &'a RefOr<Schema>,
) -> Option<&'a Schema> {
    for _ in 0..8 {
        match schema {
            RefOr::Ref(reference) => {
                let name = reference.ref_location.rsplit('/').next()?;
                schema = schemas.get(name)?;
            }
            RefOr::T(Schema::OneOf(one_of)) => {
                let not_null =
                    |s: &&RefOr<Schema>| !matches!(s, RefOr::T(Schema::Object(o)) if is_null(o));
                let mut options = one_of.items.iter().filter(not_null);
                // Several kinds of value: written as JSON text.
                match (options.next(), options.next()) {
                    (Some(only), None) => schema = only,
                    _ => return None,
                }
            }
            RefOr::T(Schema::AllOf(all_of)) if all_of.items.len() == 1 => schema = &all_of.items[0],
            RefOr::T(found) => return Some(found),
        }
    }
    None
}

fn is_null(object: &utoipa::openapi::schema::Object) -> bool {
    use utoipa::openapi::schema::{SchemaType, Type};
    matches!(&object.schema_type, SchemaType::Type(Type::Null))
}

/// Appends the columns of a value of `schema` at `path`. `in_list`: a list
/// was walked on the way (a second one makes the value JSON text).
fn flatten(
    schemas: &BTreeMap<String, RefOr<Schema>>,
    schema: &RefOr<Schema>,
    path: &mut Vec<String>,
    in_list: bool,
    depth: usize,
    columns: &mut Vec<Column>,
) {
    let json_column = |path: &Vec<String>, columns: &mut Vec<Column>| {
        columns.push(Column {
            name: path.join("_"),
            path: path.clone(),
            json: true,
            list: in_list,
        })
    };
    let resolved = resolve(schemas, schema);
    match resolved {
        Some(Schema::Object(object)) if !object.properties.is_empty() && depth < 3 => {
            for (name, property) in &object.properties {
                path.push(name.clone());
                flatten(schemas, property, path, in_list, depth + 1, columns);
                path.pop();
            }
        }
        Some(Schema::Object(object)) if object.properties.is_empty() && is_scalar(object) => {
            columns.push(Column {
                name: path.join("_"),
                path: path.clone(),
                json: false,
                list: in_list,
            })
        }
        Some(Schema::Array(array)) if !in_list => match &array.items {
            ArrayItems::RefOrSchema(items) => flatten(schemas, items, path, true, depth, columns),
            ArrayItems::False => json_column(path, columns),
        },
        _ => json_column(path, columns),
    }
}

/// A string, number, integer or boolean (possibly nullable), or an enum of
/// them: one cell.
fn is_scalar(object: &utoipa::openapi::schema::Object) -> bool {
    use utoipa::openapi::schema::{SchemaType, Type};
    let scalar = |t: &Type| {
        matches!(
            t,
            Type::String | Type::Number | Type::Integer | Type::Boolean | Type::Null
        )
    };
    match &object.schema_type {
        SchemaType::Type(t) => scalar(t) && *t != Type::Null,
        SchemaType::Array(types) => {
            types.iter().all(scalar) && types.iter().any(|t| *t != Type::Null)
        }
        SchemaType::AnyValue => false,
    }
}

/// The cells of `record` (a public record as JSON) in `columns`' order.
/// In a list, a missing or null value keeps its place as an empty value
/// (`nrw;` beside `nrw;owl`), so the columns of one list line up, and each
/// value is escaped (`\;` for a `;` in it, `\\` for a backslash), so that
/// splitting at every unescaped `;` gives the list back.
pub fn row(record: &Value, columns: &[Column]) -> Vec<String> {
    columns
        .iter()
        .map(|column| {
            let mut leaves = Vec::new();
            collect(record, &column.path, &mut leaves);
            let cells = leaves.into_iter().map(|value| cell(value, column.json));
            if column.list {
                cells
                    .map(|c| escape(&c))
                    .collect::<Vec<_>>()
                    .join(LIST_SEPARATOR)
            } else {
                cells.collect::<String>()
            }
        })
        .collect()
}

/// A list value with `\` and `;` escaped by a backslash.
fn escape(value: &str) -> String {
    if !value.contains(['\\', ';']) {
        return value.to_owned();
    }
    value.replace('\\', "\\\\").replace(';', "\\;")
}

static NULL: Value = Value::Null;

/// The values at `path` below `value`, walking into every element of a
/// list; a missing one is `null`.
fn collect<'a>(value: &'a Value, path: &[String], out: &mut Vec<&'a Value>) {
    match (value, path.split_first()) {
        (Value::Array(items), None) => out.extend(items.iter()),
        (Value::Array(items), Some(_)) => {
            for item in items {
                collect(item, path, out);
            }
        }
        (Value::Object(map), Some((key, rest))) => match map.get(key) {
            Some(next) => collect(next, rest, out),
            None => out.push(&NULL),
        },
        (_, None) => out.push(value),
        // A scalar or null where a record was expected.
        (_, Some(_)) => out.push(&NULL),
    }
}

/// One value as cell text; empty for null.
fn cell(value: &Value, json: bool) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) if !json => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn column(name: &str, path: &[&str], json: bool) -> Column {
        Column {
            name: name.to_owned(),
            list: path.len() > 1 || name == "target_groups" || name == "outcomes",
            path: path.iter().map(|s| (*s).to_owned()).collect(),
            json,
        }
    }

    #[test]
    fn lists_are_joined_and_embedded_records_spread() {
        let record = json!({
            "slug": "a",
            "provider": {"slug": "tbs", "name": "TBS NRW"},
            "regions": [{"slug": "nrw", "ars": "05"}, {"slug": "owl", "ars": null}],
            "target_groups": ["sme", "works_council"],
            "facts": {"members": 3},
            "description": null,
            "outcomes": ["a; b", "c\\d"],
            "participants": [{"partner": {"slug": "x"}, "role": "host"}, {"partner": null, "role": "guest"}],
        });
        let columns = [
            column("slug", &["slug"], false),
            column("provider_name", &["provider", "name"], false),
            column("regions_slug", &["regions", "slug"], false),
            column("regions_ars", &["regions", "ars"], false),
            column("target_groups", &["target_groups"], false),
            column("facts", &["facts"], true),
            column("description", &["description"], false),
            column(
                "participants_partner_slug",
                &["participants", "partner", "slug"],
                false,
            ),
            column("participants_role", &["participants", "role"], false),
            column("outcomes", &["outcomes"], false),
        ];
        assert_eq!(
            row(&record, &columns),
            [
                "a",
                "TBS NRW",
                "nrw;owl",
                "05;",
                "sme;works_council",
                "{\"members\":3}",
                "",
                "x;",
                "host;guest",
                "a\\; b;c\\\\d"
            ]
        );
    }
}
