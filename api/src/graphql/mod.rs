//! The GraphQL front-end (async-graphql), for dashboards.
//!
//! Like REST, it is an adapter over [`crate::service`]: root fields take the
//! same filter types (`OfferFilter` is both the REST query parameters and the
//! GraphQL input) and call the same list functions, so both give the same
//! items in the same order. Relations are resolved from the snapshot's
//! reference records or through per-request DataLoaders, so a page of 100
//! offers with providers, topics and regions costs a fixed number of
//! statements, not one per row.
//!
//! The schema is built once at start-up ([`build_schema`]); [`sdl`] needs no
//! database, so `lotse export-schema` and the contract test work offline.

mod connection;
pub mod documents;
mod errors;
pub mod guard;
mod loaders;
mod mutation;
mod objects;
mod order;
mod query;
mod response_shape;
pub mod routes;
pub mod scalars;
mod variables;

use std::sync::Arc;

use async_graphql::{EmptySubscription, Schema, SchemaBuilder};
use sea_orm::DatabaseConnection;

pub use documents::Documents;
pub use errors::gql_error;
pub use mutation::Caller;
pub use query::{MutationRoot, QueryRoot};

/// The Lotse GraphQL schema.
pub type AppSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// Bounds on what one request may ask for. The defaults are far above what an
/// honest dashboard needs and far below what hurts the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of selections (fragments expanded; the `ofType` chain
    /// of introspection does not count).
    pub depth: usize,
    /// Largest query complexity (each field costs 1; a list field costs its
    /// page size times its children). Also the most selections a document
    /// may have once its fragments are expanded, checked before validation.
    pub complexity: usize,
    /// Most aliased fields in one document.
    pub aliases: usize,
    /// Most operations in one batched request.
    pub batch: usize,
    /// Largest document, in bytes (checked before parsing).
    pub document_bytes: usize,
    /// Most tokens in one document (checked before parsing).
    pub tokens: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            depth: 10,
            complexity: 20_000,
            aliases: 64,
            batch: 10,
            document_bytes: 32 * 1024,
            tokens: 4_000,
        }
    }
}

/// The schema without data: enough for SDL export. `documents` keeps the
/// parsed documents of the requests it runs.
pub fn schema_builder(
    limits: Limits,
    documents: Arc<Documents>,
) -> SchemaBuilder<QueryRoot, MutationRoot, EmptySubscription> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    // Depth is checked by `StableCodes`, not `limit_depth`, so that
    // standard introspection queries pass (see `errors::shape_of`).
    .limit_complexity(limits.complexity)
    .extension(errors::StableCodes::new(limits, documents))
    // After `StableCodes`, which bounds and parses the document first.
    .extension(response_shape::ResponseShape)
}

/// The schema the server executes, built once at start-up.
pub fn build_schema(
    db: DatabaseConnection,
    limits: Limits,
    documents: Arc<Documents>,
) -> AppSchema {
    // Read the input types now rather than on the first request.
    variables::InputTypes::of_schema();
    schema_builder(limits, documents)
        .data(db)
        .data(limits)
        .finish()
}

/// The schema in SDL (the committed contract `schema/schema.graphql`).
pub fn sdl() -> String {
    schema_builder(Limits::default(), Arc::default())
        .finish()
        .sdl_with_options(async_graphql::SDLExportOptions::new().include_specified_by())
}
