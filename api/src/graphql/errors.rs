//! Errors with stable codes in `extensions.code`, the same codes as the REST
//! problems (ARCHITECTURE.md decision 6).
use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest,
    NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{
    ErrorExtensions, Request, ServerError, ServerResult, ValidationResult, Variables,
};

use super::documents::Documents;
use super::variables::InputTypes;
use super::{Limits, guard};

use crate::error::AppError;

/// The complexity spent so far by the operations of one HTTP request; the
/// route adds one to every operation of a batch.
#[derive(Debug, Default)]
pub struct BatchBudget(pub std::sync::atomic::AtomicUsize);

/// An [`AppError`] as a GraphQL error: message, `code`, and for validation
/// errors the offending `fields`. Internal errors are logged, not shown.
pub fn gql_error(err: &AppError) -> async_graphql::Error {
    use actix_web::ResponseError;
    let message = if err.status_code().is_server_error() {
        tracing::error!(error = ?err, "GraphQL resolver failed");
        err.detail()
    } else if err.field_errors().is_empty() {
        err.to_string()
    } else {
        err.detail()
    };
    let code = err.code();
    let fields: Vec<async_graphql::Value> = err
        .listed_errors()
        .iter()
        .map(|f| {
            let mut map = async_graphql::indexmap::IndexMap::new();
            map.insert(async_graphql::Name::new("field"), f.field.clone().into());
            map.insert(
                async_graphql::Name::new("message"),
                f.message.clone().into(),
            );
            async_graphql::Value::Object(map)
        })
        .collect();
    async_graphql::Error::new(message).extend_with(|_, ext| {
        ext.set("code", code);
        if !fields.is_empty() {
            ext.set("errors", async_graphql::Value::List(fields.clone()));
        }
        if let AppError::PreconditionFailed { current } = err {
            ext.set("etag", current.as_str());
        }
    })
}

impl ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        gql_error(self)
    }
}

/// Sets a stable `code` on parse and validation errors (limits included),
/// caps aliases, which the complexity limit alone would let through when they
/// select cheap fields, and caps nesting depth and expanded size (see [`shape_of`]).
///
/// Its `prepare_request` hook is where untrusted documents are bounded
/// before async-graphql parses and validates them (see [`super::guard`]).
pub struct StableCodes {
    limits: Limits,
    /// Shared by every request's extension.
    documents: Arc<Documents>,
}

impl StableCodes {
    /// The extension enforcing `limits`, keeping documents in `documents`.
    pub fn new(limits: Limits, documents: Arc<Documents>) -> Self {
        Self { limits, documents }
    }
}

impl ExtensionFactory for StableCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(StableCodesExtension {
            limits: self.limits,
            documents: self.documents.clone(),
            pending: std::sync::Mutex::default(),
        })
    }
}

struct StableCodesExtension {
    limits: Limits,
    documents: Arc<Documents>,
    /// This request's document, parsed and checked, until validation has
    /// passed: only valid documents are kept, so that invalid ones (cheap to
    /// vary) cannot fill the cache.
    pending: std::sync::Mutex<Option<(String, ExecutableDocument)>>,
}

fn with_code(mut error: ServerError, code: &str) -> ServerError {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code);
    }
    error
}

fn count_aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|selection| match &selection.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some())
                    + count_aliases(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => count_aliases(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

fn aliases_in(document: &ExecutableDocument) -> usize {
    let in_operations: usize = document
        .operations
        .iter()
        .map(|(_, op)| count_aliases(&op.node.selection_set.node))
        .sum();
    let in_fragments: usize = document
        .fragments
        .values()
        .map(|f| count_aliases(&f.node.selection_set.node))
        .sum();
    in_operations + in_fragments
}

/// The wrapper chain of introspection types (`[Offer!]!` is three `ofType`
/// hops). It cannot fan out (one object per hop) and is bounded by the schema,
/// so it does not count towards the depth.
const TYPE_WRAPPER_FIELD: &str = "ofType";

/// Fragment spreads nested deeper than this are refused as too deep even if
/// they select no fields, so the walk's recursion stays bounded.
const MAX_SPREAD_NESTING: usize = 64;

/// The shape of a document with its fragments expanded: the deepest
/// nesting of fields (`ofType` hops not counted) and the number of
/// selections (fields, spreads and inline fragments).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Shape {
    /// Deepest nesting of fields in any operation.
    pub depth: usize,
    /// Selections once every spread is replaced by its fragment (saturating).
    pub size: usize,
    /// `__schema` and `__type` fields, fragments expanded (saturating).
    pub introspection: usize,
    /// Deepest nesting of introspection list fields (`types`, `fields` …).
    pub introspection_lists: usize,
    /// Aliased fields inside `__schema`/`__type` (saturating).
    pub introspection_aliases: usize,
    /// Whether a fragment spreads itself, directly or through others.
    pub cycle: bool,
}

/// Most `__schema`/`__type` fields in one document. A full `__schema`
/// answer is about 70 KB whatever the query costs, so 64 aliases of it in a
/// batch of 10 answered 14.6 KB with 45 MB; GraphiQL and code generators
/// send one.
pub const MAX_INTROSPECTION: usize = 2;

/// The [`Shape`] of `document`; `None` when fragment spreads nest deeper
/// than [`MAX_SPREAD_NESTING`].
///
/// Why not async-graphql's `limit_depth`: it counts every `ofType` hop, so the
/// standard introspection query of graphql-js (GraphiQL, graphql-codegen,
/// Apollo tooling: nine nested `ofType`) is "nested too deep" under any limit
/// that still protects the server. Rejected alternative: exempting all
/// introspection fields, as graphql-depth-limit does: `__Type.fields.type`
/// cycles, and every level of it fans out over all types' fields.
///
/// Each fragment's shape is computed once, so the walk is linear in the
/// document even when expanding it is exponential (24 fragments each
/// spreading the previous one twice expand to 2^24 selections): that size is
/// what async-graphql's validation would walk, so it is refused first.
pub fn shape_of(document: &ExecutableDocument) -> Option<Shape> {
    let mut walk = ShapeWalk {
        document,
        fragment_shapes: HashMap::new(),
        active: Vec::new(),
    };
    document
        .operations
        .iter()
        .try_fold(Shape::default(), |total, (_, operation)| {
            let shape = walk.set(&operation.node.selection_set.node, false)?;
            Some(total.then(shape))
        })
}

/// Introspection fields that return lists. Each nesting of them multiplies
/// the answer by the number of types, fields or arguments of the schema.
const INTROSPECTION_LISTS: [&str; 8] = [
    "types",
    "fields",
    "inputFields",
    "args",
    "enumValues",
    "interfaces",
    "possibleTypes",
    "directives",
];

/// Deepest nesting of [`INTROSPECTION_LISTS`] in one document: the standard
/// introspection query nests three (`types { fields { args } }`). Four let
/// `types { fields { type { fields { … } } } }` multiply the schema by itself:
/// a 2 KB document was answered with 16 MB.
pub const MAX_INTROSPECTION_LISTS: usize = 3;

impl Shape {
    /// This shape followed by `other` in the same selection set.
    fn then(self, other: Shape) -> Shape {
        Shape {
            depth: self.depth.max(other.depth),
            size: self.size.saturating_add(other.size),
            introspection: self.introspection.saturating_add(other.introspection),
            introspection_lists: self.introspection_lists.max(other.introspection_lists),
            introspection_aliases: self
                .introspection_aliases
                .saturating_add(other.introspection_aliases),
            cycle: self.cycle || other.cycle,
        }
    }
}

struct ShapeWalk<'a> {
    document: &'a ExecutableDocument,
    /// Per fragment and whether it is spread inside introspection.
    fragment_shapes: HashMap<(&'a str, bool), Shape>,
    /// Fragments being expanded: guards against cycles (which validation
    /// rejects later with its own message) and unbounded spread chains.
    active: Vec<&'a str>,
}

impl<'a> ShapeWalk<'a> {
    /// The shape of `set`; `introspecting`: inside `__schema` or `__type`.
    fn set(&mut self, set: &'a SelectionSet, introspecting: bool) -> Option<Shape> {
        set.items
            .iter()
            .try_fold(Shape::default(), |total, selection| {
                let shape = match &selection.node {
                    Selection::Field(field) => {
                        let name = field.node.name.node.as_str();
                        let root = matches!(name, "__schema" | "__type");
                        let inside = introspecting || root;
                        let inner = self.set(&field.node.selection_set.node, inside)?;
                        let own_list = inside && INTROSPECTION_LISTS.contains(&name);
                        let own_alias = introspecting && field.node.alias.is_some();
                        Shape {
                            depth: usize::from(name != TYPE_WRAPPER_FIELD) + inner.depth,
                            size: inner.size,
                            introspection: inner.introspection.saturating_add(usize::from(root)),
                            introspection_lists: inner.introspection_lists + usize::from(own_list),
                            introspection_aliases: inner
                                .introspection_aliases
                                .saturating_add(usize::from(own_alias)),
                            cycle: inner.cycle,
                        }
                    }
                    Selection::InlineFragment(fragment) => {
                        self.set(&fragment.node.selection_set.node, introspecting)?
                    }
                    Selection::FragmentSpread(spread) => {
                        self.fragment(spread.node.fragment_name.node.as_str(), introspecting)?
                    }
                };
                Some(total.then(Shape {
                    size: shape.size.saturating_add(1),
                    ..shape
                }))
            })
    }

    fn fragment(&mut self, name: &'a str, introspecting: bool) -> Option<Shape> {
        if let Some(shape) = self.fragment_shapes.get(&(name, introspecting)) {
            return Some(*shape);
        }
        // Unknown fragments are validation errors, reported later; a cycle is
        // marked and refused by `check_shape`.
        let Some(fragment) = self.document.fragments.get(name) else {
            return Some(Shape::default());
        };
        if self.active.contains(&name) {
            return Some(Shape {
                cycle: true,
                ..Shape::default()
            });
        }
        if self.active.len() >= MAX_SPREAD_NESTING {
            return None;
        }
        self.active.push(name);
        let shape = self.set(&fragment.node.selection_set.node, introspecting);
        self.active.pop();
        let shape = shape?;
        self.fragment_shapes.insert((name, introspecting), shape);
        Some(shape)
    }
}

impl StableCodesExtension {
    /// Aliases, depth and expanded size: the checks that need the parsed
    /// document but must come before async-graphql's validation.
    fn check_shape(&self, document: &ExecutableDocument) -> ServerResult<()> {
        let aliases = aliases_in(document);
        if aliases > self.limits.aliases {
            return Err(with_code(
                ServerError::new(
                    format!(
                        "Query has {aliases} aliases; at most {} are allowed.",
                        self.limits.aliases
                    ),
                    None,
                ),
                "too_many_aliases",
            ));
        }
        let shape = shape_of(document);
        // The same message and code async-graphql's own depth limit uses.
        if shape.is_none_or(|shape| shape.depth > self.limits.depth) {
            return Err(with_code(
                ServerError::new("Query is nested too deep.", None),
                "query_too_deep",
            ));
        }
        if shape.is_some_and(|shape| shape.cycle) {
            // Refused here, not by validation: async-graphql's recursion
            // check walks the cycle first and reports it as a depth error.
            return Err(with_code(
                ServerError::new("A fragment spreads itself (a fragment cycle).", None),
                "invalid_query",
            ));
        }
        if let Some(shape) = shape
            && (shape.introspection_lists > MAX_INTROSPECTION_LISTS
                || shape.introspection_aliases > 0)
        {
            // No introspection tool aliases inside `__schema`; 62 aliases of
            // `description` there made 2 KB answer with 16 MB.
            return Err(with_code(
                ServerError::new(
                    format!(
                        "Introspection may nest at most {MAX_INTROSPECTION_LISTS} lists (`types`, `fields`, `args` …) and use no aliases."
                    ),
                    None,
                ),
                "too_many_introspections",
            ));
        }
        if let Some(shape) = shape
            && shape.introspection > MAX_INTROSPECTION
        {
            return Err(with_code(
                ServerError::new(
                    format!(
                        "Query has {} introspection fields (`__schema`, `__type`); at most {MAX_INTROSPECTION} are allowed.",
                        shape.introspection
                    ),
                    None,
                ),
                "too_many_introspections",
            ));
        }
        if let Some(shape) = shape
            && shape.size > self.limits.complexity
        {
            return Err(with_code(
                ServerError::new(
                    format!(
                        "Query is too complex: {} selections once fragments are expanded; at most {} are allowed.",
                        shape.size, self.limits.complexity
                    ),
                    None,
                ),
                "query_too_complex",
            ));
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Extension for StableCodesExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let types = InputTypes::of_schema();
        if let Some(document) = self.documents.get(&request.query) {
            let records =
                InputTypes::record_variables(&document, request.operation_name.as_deref());
            guard::check_variables(&request.variables, |name| records.contains(name))?;
            InputTypes::of_schema().check(
                &document,
                request.operation_name.as_deref(),
                &request.variables,
            )?;
            request.set_parsed_query(document);
            return next.run(ctx, request).await;
        }
        guard::scan(&request.query, &self.limits)?;
        let operation_name = request.operation_name.clone();
        let variables = request.variables.clone();
        // Safe to parse now: the scan bounded its recursion.
        let document = match request.parsed_query() {
            Ok(document) => document,
            Err(_) => {
                let error = async_graphql::parser::parse_query(&request.query)
                    .err()
                    .map_or_else(
                        || ServerError::new("Syntax error.", None),
                        guard::syntax_error,
                    );
                return Err(with_code(error, "parse_error"));
            }
        };
        self.check_shape(document)?;
        let records = InputTypes::record_variables(document, operation_name.as_deref());
        guard::check_variables(&variables, |name| records.contains(name))?;
        guard::check_document_values(document, &|field, argument| {
            types.is_record_argument(field, argument)
        })?;
        InputTypes::of_schema().check_literals(document)?;
        InputTypes::of_schema().check_variable_usages(document)?;
        InputTypes::of_schema().check(document, operation_name.as_deref(), &variables)?;
        let checked = document.clone();
        if let Ok(mut pending) = self.pending.lock() {
            *pending = Some((request.query.clone(), checked));
        }
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables)
            .await
            .map_err(|e| with_code(e, "parse_error"))
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await;
        if result.is_ok()
            && let Some((text, document)) = self.pending.lock().ok().and_then(|mut p| p.take())
        {
            self.documents.keep(&text, document);
        }
        // The operations of one HTTP request (a batch) share one budget:
        // ten operations of 20,000 each would be ten times the limit.
        if let (Ok(result), Some(budget)) = (&result, ctx.data_opt::<Arc<BatchBudget>>()) {
            let spent = budget
                .0
                .fetch_add(result.complexity, std::sync::atomic::Ordering::AcqRel)
                .saturating_add(result.complexity);
            if spent > self.limits.complexity {
                return Err(vec![with_code(
                    ServerError::new(
                        format!(
                            "Query is too complex: the operations of this request cost {spent} together; at most {} are allowed.",
                            self.limits.complexity
                        ),
                        None,
                    ),
                    "query_too_complex",
                )]);
            }
        }
        result.map_err(|errors| {
            errors
                .into_iter()
                .map(|e| {
                    let code = if e.message.contains("too complex") {
                        "query_too_complex"
                    } else if e.message.contains("nested too deep") {
                        "query_too_deep"
                    } else {
                        "invalid_query"
                    };
                    with_code(e, code)
                })
                .collect()
        })
    }
}
