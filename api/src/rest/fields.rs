//! Sparse fieldsets: `fields=id,title,provider` keeps only those top-level
//! fields of each record (JSON:API §6.3 "Sparse Fieldsets"; PostgREST's
//! `select=`, Directus' `fields=`), on every collection's list and item.
//!
//! The names are the record's JSON fields, read from its OpenAPI schema, so
//! the parameter cannot drift from the type. The collection is told which
//! fields are read (`Ctx::selecting`, the same look-ahead GraphQL lists
//! use), so it skips the relations nobody asked for: a meeting list without
//! `participants` reads neither participations nor people.
//!
//! Rejected: nested paths (`provider.name`): the embedded summaries are a
//! few fields each, and GraphQL serves exact nested selections.
use serde_json::value::RawValue;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

use super::params::QueryParams;

/// The fields a request keeps; see the module documentation.
#[derive(Debug, Clone, Default)]
pub struct Fieldset {
    /// The fields asked for (JSON names), each once, in the order of the
    /// type (so `fields=title,id` and `fields=id,title` give one body);
    /// `None`: every field.
    names: Option<Vec<String>>,
}

/// A record with only some of its fields, serialised in the type's order,
/// each value as the JSON text the full record has.
///
/// Rejected: a `serde_json::Value` tree per record, which (besides sorting
/// the keys without the crate-wide `preserve_order` feature) allocated a
/// node per value and made a sparse page slower than the full one (11,647
/// against 18,125 req/s, wrk -c32, uncached, bench/RESULTS.md).
#[derive(Debug, Default)]
pub struct SparseRecord(Vec<(String, Box<RawValue>)>);

impl serde::Serialize for SparseRecord {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// A list page of sparse records: the shape of every page type.
#[derive(Debug, serde::Serialize)]
pub struct SparsePage {
    /// The page's records, with the fields asked for.
    pub items: Vec<SparseRecord>,
    /// As in the full page.
    pub next_cursor: Option<String>,
    /// As in the full page: only with `include_total=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
}

/// The top-level JSON fields of `T`, from its schema, in order. Built once
/// per type: `T::schema()` builds the whole schema tree (descriptions and
/// all), too much for every request.
pub fn fields_of<T: utoipa::PartialSchema + 'static>() -> std::sync::Arc<[String]> {
    use std::any::TypeId;
    use std::collections::HashMap;
    use std::sync::{Arc, LazyLock, Mutex};
    static KNOWN: LazyLock<Mutex<HashMap<TypeId, Arc<[String]>>>> = LazyLock::new(Default::default);
    if let Some(known) = KNOWN
        .lock()
        .ok()
        .and_then(|k| k.get(&TypeId::of::<T>()).cloned())
    {
        return known;
    }
    let fields: Arc<[String]> = match T::schema() {
        RefOr::T(Schema::Object(object)) => object.properties.keys().cloned().collect(),
        _ => Arc::from(Vec::new()),
    };
    if let Ok(mut known) = KNOWN.lock() {
        known.insert(TypeId::of::<T>(), fields.clone());
    }
    fields
}

impl Fieldset {
    /// Whether field `name` is kept.
    pub fn keeps(&self, name: &str) -> bool {
        self.names
            .as_ref()
            .is_none_or(|names| names.iter().any(|n| n == name))
    }

    /// Reads `fields` (a list: commas, repeated keys or both) for records of
    /// type `T`; a name that is not a field of `T` is a 400 naming it and
    /// listing the fields.
    pub fn read<T: utoipa::PartialSchema + 'static>(p: &mut QueryParams) -> Self {
        let asked = p.keys("fields");
        if asked.is_empty() {
            return Self::default();
        }
        let known = fields_of::<T>();
        let unknown: Vec<&str> = asked
            .iter()
            .map(String::as_str)
            .filter(|name| !known.iter().any(|k| k == name))
            .collect();
        if !unknown.is_empty() {
            let quoted: Vec<String> = unknown
                .iter()
                .map(|n| format!("`{}`", crate::limits::quote(n)))
                .collect();
            p.error(
                "fields",
                format!(
                    "unknown field {}; the fields are: {}",
                    quoted.join(", "),
                    known.join(", ")
                ),
            );
            return Self::default();
        }
        let in_order = known
            .iter()
            .filter(|k| asked.contains(k))
            .cloned()
            .collect();
        Self {
            names: Some(in_order),
        }
    }

    /// Every field of `T`, in the type's order: for a record held as a
    /// `serde_json::Value`, whose keys are sorted.
    pub fn every<T: utoipa::PartialSchema + 'static>() -> Self {
        Self {
            names: Some(fields_of::<T>().to_vec()),
        }
    }

    /// Whether every field is kept.
    pub fn is_all(&self) -> bool {
        self.names.is_none()
    }

    /// The kept fields in the names the collections' look-ahead uses
    /// (GraphQL's: `target_groups` is `targetGroups`); `None` for all.
    pub fn selection(&self) -> Option<Vec<String>> {
        self.names
            .as_ref()
            .map(|names| names.iter().map(|n| camel_case(n)).collect())
    }

    /// `record` serialised with only the kept fields, in the type's order:
    /// serialised whole, then split into its top-level values without
    /// parsing them (`RawValue`).
    pub fn keep<T: serde::Serialize>(&self, record: &T) -> Result<SparseRecord, serde_json::Error> {
        let json = serde_json::to_string(record)?;
        let fields: std::collections::HashMap<&str, &RawValue> = serde_json::from_str(&json)?;
        let names = self.names.iter().flatten();
        Ok(SparseRecord(
            names
                .filter_map(|name| {
                    fields
                        .get(name.as_str())
                        .map(|v| (name.clone(), (*v).to_owned()))
                })
                .collect(),
        ))
    }
}

/// `snake_case` as `camelCase`, the GraphQL field name.
fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.extend(c.to_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

/// The `fields` query parameter of records of type `T`, for OpenAPI: an
/// array of `T`'s field names (an enum generated from `T`'s schema).
pub struct FieldsParam<T>(std::marker::PhantomData<T>);

impl<T: utoipa::PartialSchema + 'static> utoipa::IntoParams for FieldsParam<T> {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn, ParameterStyle};
        use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
        let names = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(fields_of::<T>().to_vec()));
        let list = ArrayBuilder::new()
            .items(names)
            .min_items(Some(1))
            .max_items(Some(crate::limits::MAX_LIST_VALUES));
        vec![
            ParameterBuilder::new()
                .name("fields")
                .parameter_in(ParameterIn::Query)
                .required(utoipa::openapi::Required::False)
                .description(Some(
                    "Sparse fieldset: only these top-level fields of each record, in the \
                     record's order (e.g. `fields=id,slug`; commas or repeated keys, repeats \
                     ignored); the answer then has the `…Fields` schema, whose fields are all \
                     optional. Relations not asked for are not read. An unknown field is a 400 \
                     naming it and listing the fields.",
                ))
                .schema(Some(list))
                .style(Some(ParameterStyle::Form))
                .explode(Some(false))
                .build(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::camel_case;

    #[test]
    fn snake_case_names_become_graphql_names() {
        assert_eq!(camel_case("target_groups"), "targetGroups");
        assert_eq!(camel_case("id"), "id");
        assert_eq!(camel_case("valid_from"), "validFrom");
    }
}
