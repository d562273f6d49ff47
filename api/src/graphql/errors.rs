//! Errors with stable codes in `extensions.code`, the same codes as the REST
//! problems (ARCHITECTURE.md decision 6).
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

/// Sets a stable `code` on parse and validation errors (limits included), and
/// caps aliases, which the complexity limit alone would let through when they
/// select cheap fields.
pub struct StableCodes {
    pub max_aliases: usize,
}

impl ExtensionFactory for StableCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(StableCodesExtension {
            max_aliases: self.max_aliases,
        })
    }
}

struct StableCodesExtension {
    max_aliases: usize,
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
