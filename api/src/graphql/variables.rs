//! Variable values checked against the types their operation declares
//! (GraphQL spec, October 2021, §6.1.2 "Coercing Variable Values").
//!
//! async-graphql checks a variable's value only against the argument it
//! reaches, not against the variable's own declared type: `query($n: Int!)
//! { offers(first: $n) … }` with `{"n": null}` ran, because `first` is
//! nullable. Here every variable of the operation to run is coerced
//! against its declared type before execution, so such a request is a
//! request error (nothing is executed; 400 with
//! `application/graphql-response+json`) with the code `invalid_variable`.
//! Literal arguments are checked the same way ([`InputTypes::check_literals`],
//! code `invalid_argument`): async-graphql's validation passes an `Int`
//! literal beyond 32 bits, which then failed as a field error.
//!
//! The input types (scalars, enums, input objects) are read once from the
//! schema's own SDL: async-graphql's registry, which holds the same, is not
//! public, and a hand-kept table would drift from the schema.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use async_graphql::parser::types::Directive;
use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, OperationDefinition, OperationType,
    Selection, SelectionSet, Type, TypeKind, TypeSystemDefinition,
};
use async_graphql::{Pos, Positioned, ServerError, Value, Variables};

use crate::limits::{quote, truncate};

/// The scalar of records and patches (`record:`, `patch:`).
const RECORD_SCALAR: &str = "JSON";

/// What a value of one named input type must look like.
#[derive(Debug)]
enum InputKind {
    /// A scalar, checked by name (built-in or one of ours); unknown
    /// scalars (`JSON`) accept any value.
    Scalar,
    /// An enum: one of these names, as a string.
    Enum(HashSet<String>),
    /// An input object: these fields, with their types and whether they
    /// have a default.
    Object(Vec<(String, Type, bool)>),
}

/// A field of an output type: its arguments' types and the name of the
/// type it returns (lists and non-null unwrapped).
#[derive(Debug)]
struct OutputField {
    /// Each argument's type and whether it has a default value.
    arguments: HashMap<String, (Type, bool)>,
    returns: String,
    /// The whole type it returns.
    ty: Type,
}

/// What [`InputTypes::walk`] meets: a field the schema knows (on its
/// type, with its definition) or a selection's directives.
enum Seen<'a, 'b> {
    Field(
        &'b str,
        &'a async_graphql::parser::types::Field,
        &'b OutputField,
    ),
    Directives(&'a [Positioned<Directive>]),
}

/// One variable used as (part of) an argument: where it stands, and the
/// type of that place (spec §5.8.5).
struct Usage<'a> {
    name: &'a str,
    location: Type,
    /// The argument or input field it stands for has a default value.
    defaulted: bool,
    pos: Pos,
}

/// The input types of the schema, by name, and what literal arguments
/// need: the fields of its output types and its root types.
#[derive(Debug, Default)]
pub struct InputTypes {
    inputs: HashMap<String, InputKind>,
    outputs: HashMap<String, HashMap<String, OutputField>>,
    query: String,
    mutation: String,
}

static INPUT_TYPES: LazyLock<InputTypes> = LazyLock::new(|| InputTypes::from_sdl(&super::sdl()));

impl InputTypes {
    /// The input types of the served schema (read from its SDL on first use).
    pub fn of_schema() -> &'static InputTypes {
        &INPUT_TYPES
    }

    fn from_sdl(sdl: &str) -> Self {
        let mut types = Self {
            query: "Query".to_owned(),
            mutation: "Mutation".to_owned(),
            ..Self::default()
        };
        // The SDL is our own schema's: it always parses. Were it not to, no
        // types would be known and every named type would pass unchecked.
        let Ok(document) = async_graphql::parser::parse_schema(sdl) else {
            return types;
        };
        for definition in document.definitions {
            let definition = match definition {
                TypeSystemDefinition::Type(definition) => definition.node,
                TypeSystemDefinition::Schema(schema) => {
                    let schema = schema.node;
                    if let Some(query) = schema.query {
                        types.query = query.node.to_string();
                    }
                    if let Some(mutation) = schema.mutation {
                        types.mutation = mutation.node.to_string();
                    }
                    continue;
                }
                TypeSystemDefinition::Directive(_) => continue,
            };
            let name = definition.name.node.to_string();
            let fields = match &definition.kind {
                TypeKind::Object(o) => Some(&o.fields),
                TypeKind::Interface(i) => Some(&i.fields),
                _ => None,
            };
            if let Some(fields) = fields {
                let fields = fields
                    .iter()
                    .map(|field| {
                        let field = &field.node;
                        let arguments = field
                            .arguments
                            .iter()
                            .map(|a| {
                                let a = &a.node;
                                let defaulted = a.default_value.is_some();
                                (a.name.node.to_string(), (a.ty.node.clone(), defaulted))
                            })
                            .collect();
                        let returns = named(&field.ty.node).to_owned();
                        let ty = field.ty.node.clone();
                        (
                            field.name.node.to_string(),
                            OutputField {
                                arguments,
                                returns,
                                ty,
                            },
                        )
                    })
                    .collect();
                types.outputs.insert(name, fields);
                continue;
            }
            let kind = match definition.kind {
                TypeKind::Scalar => InputKind::Scalar,
                TypeKind::Enum(e) => InputKind::Enum(
                    e.values
                        .into_iter()
                        .map(|v| v.node.value.node.to_string())
                        .collect(),
                ),
                TypeKind::InputObject(o) => InputKind::Object(
                    o.fields
                        .into_iter()
                        .map(|f| {
                            let f = f.node;
                            (
                                f.name.node.to_string(),
                                f.ty.node,
                                f.default_value.is_some(),
                            )
                        })
                        .collect(),
                ),
                _ => continue,
            };
            types.inputs.insert(name, kind);
        }
        types
    }

    /// The type field `field` of output type `on` returns (`None` for
    /// names the schema does not have, such as `__typename`).
    pub fn output_type(&self, on: &str, field: &str) -> Option<&Type> {
        self.outputs.get(on)?.get(field).map(|f| &f.ty)
    }

    /// Whether `argument` of a field named `field` takes a record or patch
    /// (a `JSON` argument: only mutations have them).
    pub fn is_record_argument(&self, field: &str, argument: &str) -> bool {
        self.outputs.values().any(|fields| {
            fields
                .get(field)
                .and_then(|f| f.arguments.get(argument))
                .is_some_and(|(ty, _)| named(ty) == RECORD_SCALAR)
        })
    }

    /// The variables of the operation `operation_name` selects in
    /// `document` that are declared `JSON` (records and patches).
    pub fn record_variables(
        document: &ExecutableDocument,
        operation_name: Option<&str>,
    ) -> HashSet<String> {
        selected(document, operation_name)
            .map(|operation| {
                operation
                    .variable_definitions
                    .iter()
                    .filter(|d| named(&d.node.var_type.node) == RECORD_SCALAR)
                    .map(|d| d.node.name.node.to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The name of the root type of `operation`s of this kind.
    pub fn root(&self, operation: OperationType) -> &str {
        match operation {
            OperationType::Mutation => &self.mutation,
            _ => &self.query,
        }
    }

    /// Checks the `Int`s among the literal arguments of `document`, as
    /// validation must ("Values of Correct Type", spec §5.6.1):
    /// async-graphql's validation lets an `Int` literal outside 32 bits
    /// through, and execution then fails with a field error, as if the
    /// server had failed. Errors: the first literal that does not fit, with
    /// its position and the code `invalid_argument`, before anything runs.
    /// Values holding variables are [`InputTypes::check`]'s.
    pub fn check_literals(&self, document: &ExecutableDocument) -> Result<(), ServerError> {
        let mut check = |seen: Seen<'_, '_>| {
            let Seen::Field(on, field, definition) = seen else {
                return Ok(());
            };
            for (name, value) in &field.arguments {
                let (Some((ty, _)), Some(value)) = (
                    definition.arguments.get(name.node.as_str()),
                    value.node.clone().into_const(),
                ) else {
                    continue;
                };
                if let Some(problem) = self.int_out_of_range(ty, &value) {
                    let mut error = invalid(
                        format!(
                            "Argument `{}` of `{on}.{}` {problem}.",
                            name.node, field.name.node
                        ),
                        name.pos,
                    );
                    error
                        .extensions
                        .get_or_insert_with(Default::default)
                        .set("code", "invalid_argument");
                    return Err(error);
                }
            }
            Ok(())
        };
        // Fragments are walked once, where they are defined.
        for (_, operation) in document.operations.iter() {
            let root = self.root(operation.node.ty);
            let set = &operation.node.selection_set.node;
            self.walk(None, root, set, &mut HashSet::new(), &mut check)?;
        }
        for fragment in document.fragments.values() {
            let on = fragment.node.type_condition.node.on.node.as_str();
            let set = &fragment.node.selection_set.node;
            self.walk(None, on, set, &mut HashSet::new(), &mut check)?;
        }
        Ok(())
    }

    /// Calls `visit` with every field of `selections` (on type `on`) the
    /// schema knows, with its definition, and with the directives of every
    /// selection, depth first. With `document`, fragment spreads are
    /// followed (once each: `spread`), so that one operation is seen whole;
    /// without, they are left to be walked where they are defined. Unknown
    /// types and fields are the validation's to report.
    fn walk<'a>(
        &self,
        document: Option<&'a ExecutableDocument>,
        on: &str,
        selections: &'a SelectionSet,
        spread: &mut HashSet<&'a str>,
        visit: &mut dyn FnMut(Seen<'a, '_>) -> Result<(), ServerError>,
    ) -> Result<(), ServerError> {
        for selection in &selections.items {
            visit(Seen::Directives(&selection.node.directives()[..]))?;
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let Some(definition) = self
                        .outputs
                        .get(on)
                        .and_then(|fields| fields.get(field.name.node.as_str()))
                    else {
                        continue;
                    };
                    visit(Seen::Field(on, field, definition))?;
                    let set = &field.selection_set.node;
                    self.walk(document, &definition.returns, set, spread, visit)?;
                }
                Selection::InlineFragment(fragment) => {
                    let fragment = &fragment.node;
                    let on = fragment
                        .type_condition
                        .as_ref()
                        .map_or(on, |condition| condition.node.on.node.as_str());
                    self.walk(document, on, &fragment.selection_set.node, spread, visit)?;
                }
                Selection::FragmentSpread(name) => {
                    let name = &name.node.fragment_name.node;
                    if let Some(fragment) = document.and_then(|d| d.fragments.get(name))
                        && spread.insert(name.as_str())
                    {
                        let fragment = &fragment.node;
                        visit(Seen::Directives(&fragment.directives))?;
                        let on = fragment.type_condition.node.on.node.as_str();
                        self.walk(document, on, &fragment.selection_set.node, spread, visit)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Checks that every variable is used where its declared type fits
    /// (spec §5.8.5 "All Variable Usages Are Allowed"): `$k: String` may not
    /// stand for a `String!` argument (unless it has a default), nor
    /// `$r: String!` for a `JSON!` one. async-graphql's own rule compares
    /// the types the wrong way round and let such documents run, with an
    /// execution error where the variable was null. Errors: the first
    /// usage that is not allowed, code `invalid_query`, before anything
    /// runs.
    pub fn check_variable_usages<'a>(
        &self,
        document: &'a ExecutableDocument,
    ) -> Result<(), ServerError> {
        for (_, operation) in document.operations.iter() {
            let operation = &operation.node;
            let root = match operation.ty {
                OperationType::Mutation => &self.mutation,
                _ => &self.query,
            };
            let mut usages = Vec::new();
            let mut collect = |seen: Seen<'a, '_>| {
                match seen {
                    Seen::Directives(list) => directive_usages(list, &mut usages),
                    Seen::Field(_, field, definition) => {
                        for (name, value) in &field.arguments {
                            if let Some((ty, defaulted)) =
                                definition.arguments.get(name.node.as_str())
                            {
                                self.usages_of(&value.node, ty, *defaulted, value.pos, &mut usages);
                            }
                        }
                    }
                }
                Ok(())
            };
            let set = &operation.selection_set.node;
            self.walk(Some(document), root, set, &mut HashSet::new(), &mut collect)?;
            for usage in usages {
                // An undefined variable is the validation's to report.
                let Some(definition) = operation
                    .variable_definitions
                    .iter()
                    .map(|d| &d.node)
                    .find(|d| d.name.node.as_str() == usage.name)
                else {
                    continue;
                };
                let variable = &definition.var_type.node;
                let non_null_default = definition
                    .default_value
                    .as_ref()
                    .is_some_and(|v| !matches!(v.node, Value::Null));
                if !usage_allowed(variable, non_null_default, &usage.location, usage.defaulted) {
                    let mut error = ServerError::new(
                        format!(
                            "Variable `${}` of type `{variable}` is used in position expecting type `{}`.",
                            usage.name, usage.location
                        ),
                        Some(usage.pos),
                    );
                    error
                        .extensions
                        .get_or_insert_with(Default::default)
                        .set("code", "invalid_query");
                    return Err(error);
                }
            }
        }
        Ok(())
    }

    /// The variables in `value`, given for a place of type `ty`.
    fn usages_of<'a>(
        &self,
        value: &'a async_graphql_value::Value,
        ty: &Type,
        defaulted: bool,
        pos: Pos,
        out: &mut Vec<Usage<'a>>,
    ) {
        use async_graphql_value::Value;
        match (value, &ty.base) {
            (Value::Variable(name), _) => out.push(Usage {
                name: name.as_str(),
                location: ty.clone(),
                defaulted,
                pos,
            }),
            (Value::List(items), BaseType::List(item)) => {
                for value in items {
                    self.usages_of(value, item, false, pos, out);
                }
            }
            (Value::Object(given), BaseType::Named(name)) => {
                if let Some(InputKind::Object(fields)) = self.inputs.get(name.as_str()) {
                    for (field, ty, has_default) in fields {
                        if let Some(value) = given.get(field.as_str()) {
                            self.usages_of(value, ty, *has_default, pos, out);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// Coerces the request's variables against the operation it runs.
    /// Errors: the first variable that does not fit, with its position in
    /// the document and the code `invalid_variable`.
    pub fn check(
        &self,
        document: &ExecutableDocument,
        operation_name: Option<&str>,
        variables: &Variables,
    ) -> Result<(), ServerError> {
        // Without a selectable operation there is nothing to coerce: the
        // executor reports the unknown or ambiguous operation itself.
        let Some(operation) = selected(document, operation_name) else {
            return Ok(());
        };
        for definition in &operation.variable_definitions {
            let definition = &definition.node;
            let name = definition.name.node.as_str();
            let ty = &definition.var_type.node;
            let problem = match variables.get(&definition.name.node) {
                None if definition.default_value.is_none() && !ty.nullable => {
                    Some("was not provided".to_owned())
                }
                None => None,
                Some(value) => self.coerce(ty, value).err(),
            };
            if let Some(problem) = problem {
                return Err(invalid(
                    format!("Variable `${name}` of type `{ty}` {problem}."),
                    definition.name.pos,
                ));
            }
        }
        Ok(())
    }

    /// Why `value`, given for `ty`, holds a number where an `Int` is
    /// expected that is not one (beyond 32 bits or fractional), if it does.
    /// Only that: every other fault of a literal (an unknown enum value or
    /// field, a wrong type) async-graphql's validation reports itself, with
    /// its own wording and code.
    fn int_out_of_range(&self, ty: &Type, value: &Value) -> Option<String> {
        match (&ty.base, value) {
            (BaseType::List(item), Value::List(items)) => {
                items.iter().enumerate().find_map(|(i, v)| {
                    self.int_out_of_range(item, v)
                        .map(|why| format!("at [{i}]: {why}"))
                })
            }
            (BaseType::List(item), other) => self.int_out_of_range(item, other),
            (BaseType::Named(name), Value::Number(_)) if name.as_str() == "Int" => {
                self.coerce_named(name, value).err()
            }
            (BaseType::Named(name), Value::Object(given)) => match self.inputs.get(name.as_str()) {
                Some(InputKind::Object(fields)) => fields.iter().find_map(|(field, ty, _)| {
                    given
                        .get(field.as_str())
                        .and_then(|v| self.int_out_of_range(ty, v))
                        .map(|why| format!("at `{field}`: {why}"))
                }),
                _ => None,
            },
            _ => None,
        }
    }

    /// Input coercion of `value` to `ty` (spec §3.5 and §3.9–3.12).
    fn coerce(&self, ty: &Type, value: &Value) -> Result<(), String> {
        if matches!(value, Value::Null) {
            return if ty.nullable {
                Ok(())
            } else {
                Err("must not be null".to_owned())
            };
        }
        match &ty.base {
            BaseType::List(item) => match value {
                Value::List(items) => items.iter().enumerate().try_for_each(|(i, v)| {
                    self.coerce(item, v)
                        .map_err(|why| format!("at [{i}]: {why}"))
                }),
                // A single value is coerced to a list of one (§3.11).
                other => self.coerce(item, other),
            },
            BaseType::Named(name) => self.coerce_named(name, value),
        }
    }

    fn coerce_named(&self, name: &str, value: &Value) -> Result<(), String> {
        let fits = match (name, value) {
            ("Int", Value::Number(n)) => n.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
            ("Int", _) => false,
            ("Float", Value::Number(n)) => n.as_f64().is_some_and(f64::is_finite),
            ("Float", _) => false,
            ("String", v) => matches!(v, Value::String(_)),
            ("Boolean", v) => matches!(v, Value::Boolean(_)),
            ("ID", Value::Number(n)) => n.is_i64() || n.is_u64(),
            ("ID", v) => matches!(v, Value::String(_)),
            ("Date" | "DateTime" | "UUID", Value::String(s)) => {
                super::scalars::fits(name, s).unwrap_or(false)
            }
            ("Date" | "DateTime" | "UUID", _) => false,
            _ => return self.coerce_defined(name, value),
        };
        if fits {
            Ok(())
        } else {
            Err(format!(
                "expected {}, got {}",
                expected(name),
                describe(value)
            ))
        }
    }

    fn coerce_defined(&self, name: &str, value: &Value) -> Result<(), String> {
        match self.inputs.get(name) {
            // Unknown names are the document validation's to report.
            None | Some(InputKind::Scalar) => Ok(()),
            Some(InputKind::Enum(values)) => match value {
                Value::String(s) if values.contains(s.as_str()) => Ok(()),
                Value::Enum(name) if values.contains(name.as_str()) => Ok(()),
                Value::String(s) => Err(format!(
                    "`{}` is not a value of `{name}`",
                    quote(&truncate(s, 40))
                )),
                other => Err(format!(
                    "expected a value of `{name}`, got {}",
                    describe(other)
                )),
            },
            Some(InputKind::Object(fields)) => {
                let Value::Object(given) = value else {
                    return Err(format!(
                        "expected an object of `{name}`, got {}",
                        describe(value)
                    ));
                };
                if let Some(unknown) = given
                    .keys()
                    .find(|key| fields.iter().all(|(field, _, _)| field != key.as_str()))
                {
                    return Err(format!(
                        "`{}` is not a field of `{name}`",
                        quote(&truncate(unknown, 40))
                    ));
                }
                fields.iter().try_for_each(|(field, ty, has_default)| {
                    match given.get(field.as_str()) {
                        None if !ty.nullable && !has_default => {
                            Err(format!("lacks the required field `{field}`"))
                        }
                        None => Ok(()),
                        Some(v) => self
                            .coerce(ty, v)
                            .map_err(|why| format!("at `{field}`: {why}")),
                    }
                })
            }
        }
    }
}

/// The variables used by `@skip(if:)` and `@include(if:)`, whose `if` is
/// a `Boolean!` without default.
fn directive_usages<'a>(directives: &'a [Positioned<Directive>], out: &mut Vec<Usage<'a>>) {
    for directive in directives {
        let directive = &directive.node;
        if !matches!(directive.name.node.as_str(), "skip" | "include") {
            continue;
        }
        for (name, value) in &directive.arguments {
            if let (async_graphql_value::Value::Variable(variable), "if") =
                (&value.node, name.node.as_str())
            {
                out.push(Usage {
                    name: variable.as_str(),
                    location: Type {
                        base: BaseType::Named(async_graphql::Name::new("Boolean")),
                        nullable: false,
                    },
                    defaulted: false,
                    pos: value.pos,
                });
            }
        }
    }
}

/// IsVariableUsageAllowed (spec §5.8.5): a nullable variable may stand for
/// a non-null place only if it or the place has a default value.
fn usage_allowed(
    variable: &Type,
    non_null_default: bool,
    location: &Type,
    defaulted: bool,
) -> bool {
    if !location.nullable && variable.nullable {
        if !non_null_default && !defaulted {
            return false;
        }
        return types_compatible(variable, &nullable(location));
    }
    types_compatible(variable, location)
}

/// AreTypesCompatible (spec §5.8.5).
fn types_compatible(variable: &Type, location: &Type) -> bool {
    if !location.nullable {
        return !variable.nullable && types_compatible(&nullable(variable), &nullable(location));
    }
    if !variable.nullable {
        return types_compatible(&nullable(variable), location);
    }
    match (&variable.base, &location.base) {
        (BaseType::List(variable), BaseType::List(location)) => {
            types_compatible(variable, location)
        }
        (BaseType::Named(variable), BaseType::Named(location)) => variable == location,
        _ => false,
    }
}

fn nullable(ty: &Type) -> Type {
    Type {
        base: ty.base.clone(),
        nullable: true,
    }
}

/// The operation a request runs: the named one, or the only one.
pub(super) fn selected<'a>(
    document: &'a ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'a OperationDefinition> {
    match (&document.operations, operation_name) {
        (DocumentOperations::Single(op), None) => Some(&op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| &op.node)
        }
        (operations, Some(name)) => operations
            .iter()
            .find(|(op_name, _)| op_name.is_some_and(|n| n.as_str() == name))
            .map(|(_, op)| &op.node),
        _ => None,
    }
}

/// The named type inside `ty` (`[Offer!]!` → `Offer`).
fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(item) => named(item),
    }
}

fn expected(name: &str) -> &'static str {
    match name {
        "Int" => "an Int (a whole number from -2147483648 to 2147483647)",
        "Float" => "a Float (a finite number)",
        "String" => "a String",
        "Boolean" => "a Boolean (`true` or `false`)",
        "ID" => "an ID (a string or a whole number)",
        "DateTime" => "a DateTime (RFC 3339, e.g. `2024-06-30T12:00:00Z`)",
        "Date" => "a Date (`YYYY-MM-DD`, e.g. `2024-06-30`)",
        "UUID" => "a UUID",
        _ => "a value of this type",
    }
}

/// A short description of a JSON value, quoting at most 40 characters.
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Number(n) => format!("the number {}", truncate(&n.to_string(), 40)),
        Value::String(s) => format!("the string \"{}\"", quote(&truncate(s, 40))),
        Value::Boolean(b) => format!("`{b}`"),
        Value::Binary(_) => "binary data".to_owned(),
        Value::Enum(name) => format!("the enum value `{name}`"),
        Value::List(_) => "a list".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

fn invalid(message: String, pos: Pos) -> ServerError {
    let mut error = ServerError::new(message, Some(pos));
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", "invalid_variable");
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(query: &str, variables: serde_json::Value) -> Result<(), String> {
        let document = async_graphql::parser::parse_query(query).unwrap();
        InputTypes::of_schema()
            .check(&document, None, &Variables::from_json(variables))
            .map_err(|e| e.message)
    }

    #[test]
    fn values_must_fit_the_declared_type() {
        let first = "query($n: Int!) { offers(first: $n) { totalCount } }";
        assert!(check(first, serde_json::json!({"n": 5})).is_ok());
        for bad in [
            serde_json::json!({"n": null}),
            serde_json::json!({}),
            serde_json::json!({"n": "5"}),
            serde_json::json!({"n": 5.5}),
            serde_json::json!({"n": 3_000_000_000_i64}),
        ] {
            assert!(check(first, bad.clone()).is_err(), "{bad} was accepted");
        }
        let optional = "query($n: Int = 3, $m: Int) { offers(first: $n, last: $m) { totalCount } }";
        assert!(check(optional, serde_json::json!({})).is_ok());
        assert!(check(optional, serde_json::json!({"m": null})).is_ok());
    }

    fn literals(query: &str) -> Result<(), String> {
        let document = async_graphql::parser::parse_query(query).unwrap();
        InputTypes::of_schema()
            .check_literals(&document)
            .map_err(|e| e.message)
    }

    #[test]
    fn literal_arguments_must_fit_their_type() {
        assert!(literals("{ offers(first: 5) { totalCount } }").is_ok());
        assert!(literals("{ changes(first: 1000) { hasMore } }").is_ok());
        for bad in [
            "{ changes(first: 26873099273397) { hasMore } }",
            "{ offers(first: -2147483649) { totalCount } }",
            "{ partner(key: \"mags\") { offers(first: 3000000000) { title } } }",
            "query { ...F } fragment F on QueryRoot { offers(last: 9999999999) { totalCount } }",
            "{ ... on QueryRoot { matchOffers(profile: {region: \"05711\", role: SME, budget: ANY, topics: [], limit: 4294967296}) { total } } }",
        ] {
            let message = literals(bad).unwrap_err();
            assert!(message.contains("expected an Int"), "{bad}: {message}");
        }
    }

    #[test]
    fn enums_lists_and_input_objects_are_coerced() {
        let query = "query($f: OfferFilter) { offers(filter: $f) { totalCount } }";
        assert!(check(query, serde_json::json!({"f": {"kind": ["FUNDING"]}})).is_ok());
        // A single value where a list is expected is a list of one.
        assert!(check(query, serde_json::json!({"f": {"kind": "FUNDING"}})).is_ok());
        let message = check(query, serde_json::json!({"f": {"kind": ["GRANT"]}})).unwrap_err();
        assert!(message.contains("not a value of `OfferKind`"), "{message}");
        let message = check(query, serde_json::json!({"f": {"nosuch": 1}})).unwrap_err();
        assert!(
            message.contains("not a field of `OfferFilter`"),
            "{message}"
        );
        assert!(check(query, serde_json::json!({"f": {"openOn": "2024-13-01"}})).is_err());
    }
}
