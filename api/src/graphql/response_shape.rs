//! The response in the shape the GraphQL spec gives it: keys in the order
//! they were asked, and the `null` of a failed field where the spec puts
//! it.
//!
//! - **Order** (§6.3 "CollectFields", §7.2.2 "Serialized Map Ordering"): a
//!   response's keys follow the selection set. async-graphql collects the
//!   fields of `MergedObject`s (our roots) part by part and, for every other
//!   object, as their resolvers finish (a `FuturesUnordered`), so
//!   `{ slug offers { slug } name }` came back as `slug, name, offers`.
//! - **Null propagation** (§6.4.4 "Handling Field Errors"): a field that
//!   failed is `null` when its type is nullable; when it is non-null, its
//!   parent is `null` instead, up to the nearest nullable place (`data`
//!   at the top). async-graphql left the failed field out of its object,
//!   so a client could not tell it from a field that was never asked for.
//!
//! This extension keeps the operation's document before execution and
//! walks the answer with it once, typed by the schema's own SDL
//! ([`InputTypes`]; the schema has no interfaces or unions, so every
//! selection's type is known statically). A key missing from an object
//! counts as failed only where an error's `path` names it: fields left out
//! by `@skip`/`@include` stay absent. Rejected: patching async-graphql's
//! executor (upstream issue 612 keeps the order as is), which would mean a
//! fork to keep up.
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextPrepareRequest,
};
use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{BaseType, ExecutableDocument, Selection, SelectionSet, Type};
use async_graphql::{Name, PathSegment, Request, Response, ServerResult, Value};

use super::variables::InputTypes;

/// The extension's factory: one [`ResponseShapeExtension`] per operation.
pub struct ResponseShape;

impl ExtensionFactory for ResponseShape {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ResponseShapeExtension::default())
    }
}

#[derive(Default)]
struct ResponseShapeExtension {
    /// The document and the name of the operation to run.
    operation: Mutex<Option<(ExecutableDocument, Option<String>)>>,
}

/// One response key of a selection set: the field it answers and the
/// selection sets below it (one per occurrence, merged as CollectFields
/// merges them).
struct Collected<'a> {
    key: &'a Name,
    field: &'a str,
    below: Vec<&'a SelectionSet>,
}

/// The response keys of `sets`, fragments expanded, in document order.
fn collect<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    fields: &mut Vec<Collected<'a>>,
    depth: u8,
) {
    // Fragment cycles are refused by validation; the bound only keeps a
    // document that reaches here unvalidated finite.
    if depth > 16 {
        return;
    }
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                let field = &field.node;
                let key = &field.response_key().node;
                match fields.iter_mut().find(|f| f.key == key) {
                    Some(known) => known.below.push(&field.selection_set.node),
                    None => fields.push(Collected {
                        key,
                        field: field.name.node.as_str(),
                        below: vec![&field.selection_set.node],
                    }),
                }
            }
            Selection::InlineFragment(fragment) => {
                collect(
                    document,
                    &fragment.node.selection_set.node,
                    fields,
                    depth + 1,
                );
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                    collect(
                        document,
                        &fragment.node.selection_set.node,
                        fields,
                        depth + 1,
                    );
                }
            }
        }
    }
}

/// One walk of a response.
struct Walk<'a> {
    document: &'a ExecutableDocument,
    types: &'a InputTypes,
    /// The `path`s of the response's errors.
    failed: Vec<&'a [PathSegment]>,
    path: Vec<PathSegment>,
}

impl Walk<'_> {
    /// Orders object `value` of type `on` as `sets` ask, and completes its
    /// failed fields; `false` if it must be `null` (a non-null field in it
    /// failed).
    fn object(&mut self, on: &str, sets: &[&SelectionSet], value: &mut Value) -> bool {
        let Value::Object(map) = value else {
            return true;
        };
        let mut fields = Vec::new();
        for set in sets {
            collect(self.document, set, &mut fields, 0);
        }
        let mut ordered = IndexMap::with_capacity(map.len());
        for field in &fields {
            let ty = self.types.output_type(on, field.field);
            self.path.push(PathSegment::Field(field.key.to_string()));
            let keep = match map.swap_remove(field.key) {
                Some(mut inner) => {
                    let keep = ty.is_none_or(|ty| self.value(ty, &field.below, &mut inner));
                    ordered.insert(field.key.clone(), inner);
                    keep
                }
                None if self.failed.contains(&self.path.as_slice()) => {
                    ordered.insert(field.key.clone(), Value::Null);
                    ty.is_none_or(|ty| ty.nullable)
                }
                // Not asked for after all (`@skip`, `@include`).
                None => true,
            };
            self.path.pop();
            if !keep {
                return false;
            }
        }
        ordered.extend(std::mem::take(map));
        *map = ordered;
        true
    }

    /// Whether an error's path lies strictly below the current one.
    fn failed_below(&self) -> bool {
        self.failed
            .iter()
            .any(|p| p.len() > self.path.len() && p.starts_with(&self.path))
    }

    /// Completes `value` of type `ty`: `false` if it must be `null`.
    fn value(&mut self, ty: &Type, below: &[&SelectionSet], value: &mut Value) -> bool {
        // async-graphql answers an object none of whose fields came back
        // (they all failed) with `null`: it is the object, to complete.
        if value == &Value::Null
            && matches!(ty.base, BaseType::Named(_))
            && below.iter().any(|set| !set.items.is_empty())
            && self.failed_below()
        {
            *value = Value::Object(IndexMap::new());
        }
        let keep = match (&ty.base, &mut *value) {
            (_, Value::Null) => !self.failed.contains(&self.path.as_slice()),
            (BaseType::List(item), Value::List(items)) => {
                let mut keep = true;
                for (index, inner) in items.iter_mut().enumerate() {
                    self.path.push(PathSegment::Index(index));
                    if !self.value(item, below, inner) {
                        *inner = Value::Null;
                        keep &= item.nullable;
                    }
                    self.path.pop();
                }
                keep
            }
            (BaseType::Named(name), Value::Object(_)) => self.object(name.as_str(), below, value),
            _ => true,
        };
        if !keep {
            *value = Value::Null;
        }
        keep || ty.nullable
    }
}

#[async_trait::async_trait]
impl Extension for ResponseShapeExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        // Parsed (or taken from the kept documents) by `StableCodes` already;
        // the operation is picked in `execute`, as the executor picks it.
        if let Ok(document) = request.parsed_query() {
            let kept = (document.clone(), request.operation_name.clone());
            if let Ok(mut operation) = self.operation.lock() {
                *operation = Some(kept);
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
        let Some((document, name)) = self.operation.lock().ok().and_then(|mut o| o.take()) else {
            return response;
        };
        let Some(operation) = super::variables::selected(&document, name.as_deref()) else {
            return response;
        };
        let types = InputTypes::of_schema();
        let failed = response.errors.iter().map(|e| e.path.as_slice()).collect();
        let mut walk = Walk {
            document: &document,
            types,
            failed,
            path: Vec::new(),
        };
        let root = types.root(operation.ty);
        // As below: a root none of whose fields came back is `null`.
        if response.data == Value::Null && walk.failed_below() {
            response.data = Value::Object(IndexMap::new());
        }
        if !walk.object(root, &[&operation.selection_set.node], &mut response.data) {
            response.data = Value::Null;
        }
        response
    }
}
