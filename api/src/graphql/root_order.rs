//! Root fields answered in the order they were asked.
//!
//! The GraphQL spec (§6.3 "CollectFields", §7.2.2 "Serialized Map
//! Ordering") asks that the response's keys follow the order of the
//! selection set. Our root types are async-graphql `MergedObject`s (one part
//! per collection), which collect their fields part by part: `{ topics
//! offers }` came back as `{ offers, topics }`. This extension notes the
//! operation's root response keys before execution and puts the answer's
//! `data` in that order. Rejected: one hand-written root object, which
//! would lose the per-collection modules; nested objects are plain
//! `Object`s and keep their order already.
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextPrepareRequest,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Request, Response, ServerResult, Value};

/// The extension's factory: one [`RootOrderExtension`] per operation.
pub struct RootOrder;

impl ExtensionFactory for RootOrder {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RootOrderExtension::default())
    }
}

#[derive(Default)]
struct RootOrderExtension {
    /// The operation's root response keys (alias, else name), in order.
    keys: Mutex<Vec<Name>>,
}

/// The response keys of `set`, fragments expanded, in document order.
fn collect(document: &ExecutableDocument, set: &SelectionSet, keys: &mut Vec<Name>, depth: u8) {
    // Fragment cycles are refused by validation; the bound only keeps a
    // document that reaches here before validation finite.
    if depth > 16 {
        return;
    }
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                let key = field.node.response_key().node.clone();
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
            Selection::InlineFragment(fragment) => {
                collect(document, &fragment.node.selection_set.node, keys, depth + 1);
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                    collect(document, &fragment.node.selection_set.node, keys, depth + 1);
                }
            }
        }
    }
}

#[async_trait::async_trait]
impl Extension for RootOrderExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let wanted = request.operation_name.clone();
        // Parsed (or taken from the kept documents) by `StableCodes` already.
        if let Ok(document) = request.parsed_query() {
            let operation = document.operations.iter().find(|(name, _)| match &wanted {
                Some(wanted) => name.is_some_and(|n| n.as_str() == wanted),
                None => true,
            });
            if let Some((_, operation)) = operation {
                let mut keys = Vec::new();
                collect(document, &operation.node.selection_set.node, &mut keys, 0);
                if let Ok(mut kept) = self.keys.lock() {
                    *kept = keys;
                }
            }
        }
        next.run(ctx, request).await
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        let keys = self.keys.lock().map(|k| k.clone()).unwrap_or_default();
        if let Value::Object(data) = &mut response.data
            && data.len() > 1
        {
            let mut ordered = async_graphql::indexmap::IndexMap::with_capacity(data.len());
            for key in keys {
                if let Some(value) = data.shift_remove(&key) {
                    ordered.insert(key, value);
                }
            }
            ordered.extend(std::mem::take(data));
            *data = ordered;
        }
        response
    }
}
