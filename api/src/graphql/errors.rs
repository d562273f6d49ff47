//! Errors with stable codes in `extensions.code`, the same codes as the REST
//! problems (ARCHITECTURE.md decision 6).
use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ErrorExtensions, ServerError, ServerResult, ValidationResult, Variables};

use crate::error::AppError;

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
        .field_errors()
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
    })
}

impl ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        gql_error(self)
    }
}

/// Sets a stable `code` on parse and validation errors (limits included),
/// caps aliases, which the complexity limit alone would let through when they
/// select cheap fields, and caps nesting depth (see [`depth_of`]).
pub struct StableCodes {
    pub max_aliases: usize,
    pub max_depth: usize,
}

impl ExtensionFactory for StableCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(StableCodesExtension {
            max_aliases: self.max_aliases,
            max_depth: self.max_depth,
        })
    }
}

struct StableCodesExtension {
    max_aliases: usize,
    max_depth: usize,
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

/// The deepest nesting of fields in any operation of `document`, with
/// fragments expanded and `ofType` hops not counted; `None` when fragment
/// spreads nest deeper than [`MAX_SPREAD_NESTING`].
///
/// Why not async-graphql's `limit_depth`: it counts every `ofType` hop, so the
/// standard introspection query of graphql-js (GraphiQL, graphql-codegen,
/// Apollo tooling: nine nested `ofType`) is "nested too deep" under any limit
/// that still protects the server. Rejected alternative: exempting all
/// introspection fields, as graphql-depth-limit does: `__Type.fields.type`
/// cycles, and every level of it fans out over all types' fields.
///
/// Each fragment's depth is computed once, so repeated spreads cost nothing.
pub fn depth_of(document: &ExecutableDocument) -> Option<usize> {
    let mut walk = DepthWalk {
        document,
        fragment_depths: HashMap::new(),
        active: Vec::new(),
    };
    document
        .operations
        .iter()
        .try_fold(0, |deepest, (_, operation)| {
            Some(deepest.max(walk.set(&operation.node.selection_set.node)?))
        })
}

struct DepthWalk<'a> {
    document: &'a ExecutableDocument,
    fragment_depths: HashMap<&'a str, usize>,
    /// Fragments being expanded: guards against cycles (which validation
    /// rejects later with its own message) and unbounded spread chains.
    active: Vec<&'a str>,
}

impl<'a> DepthWalk<'a> {
    fn set(&mut self, set: &'a SelectionSet) -> Option<usize> {
        set.items.iter().try_fold(0, |deepest, selection| {
            let depth = match &selection.node {
                Selection::Field(field) => {
                    let own = usize::from(field.node.name.node.as_str() != TYPE_WRAPPER_FIELD);
                    own + self.set(&field.node.selection_set.node)?
                }
                Selection::InlineFragment(fragment) => {
                    self.set(&fragment.node.selection_set.node)?
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment(spread.node.fragment_name.node.as_str())?
                }
            };
            Some(deepest.max(depth))
        })
    }

    fn fragment(&mut self, name: &'a str) -> Option<usize> {
        if let Some(depth) = self.fragment_depths.get(name) {
            return Some(*depth);
        }
        // Unknown fragments and cycles are validation errors, reported later.
        let Some(fragment) = self.document.fragments.get(name) else {
            return Some(0);
        };
        if self.active.contains(&name) {
            return Some(0);
        }
        if self.active.len() >= MAX_SPREAD_NESTING {
            return None;
        }
        self.active.push(name);
        let depth = self.set(&fragment.node.selection_set.node);
        self.active.pop();
        let depth = depth?;
        self.fragment_depths.insert(name, depth);
        Some(depth)
    }
}

#[async_trait::async_trait]
impl Extension for StableCodesExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next
            .run(ctx, query, variables)
            .await
            .map_err(|e| with_code(e, "parse_error"))?;
        let aliases = aliases_in(&document);
        if aliases > self.max_aliases {
            return Err(with_code(
                ServerError::new(
                    format!(
                        "Query has {aliases} aliases; at most {} are allowed.",
                        self.max_aliases
                    ),
                    None,
                ),
                "too_many_aliases",
            ));
        }
        // The same message and code async-graphql's own depth limit uses.
        if depth_of(&document).is_none_or(|depth| depth > self.max_depth) {
            return Err(with_code(
                ServerError::new("Query is nested too deep.", None),
                "query_too_deep",
            ));
        }
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
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
