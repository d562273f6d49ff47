//! Parsed and checked GraphQL documents, kept by their text.
//!
//! Dashboards send the same few documents again and again with other
//! variables. Only documents that passed validation once are kept. Parsing one (async-graphql's pest grammar) was 7.8 % of the
//! server's CPU on the peer race's list query (perf, 2026-12-01, see
//! bench/RESULTS.md); a kept document is cloned instead, and the bounds of
//! [`super::guard`] and [`super::errors`] that depend on the document alone
//! (token scan, depth, aliases, expanded size, literal values) are not
//! checked again. Variables are checked on every request, and
//! async-graphql's validation still runs on every request: it has no hook
//! to reuse a result, and its complexity depends on the variables.
//!
//! Rejected: Automatic Persisted Queries (async-graphql's `apollo_persisted_queries`):
//! they save the client's upload, not the server's parse, and need clients
//! that speak the protocol.
use std::sync::Arc;

use async_graphql::parser::types::ExecutableDocument;
use quick_cache::Weighter;
use quick_cache::sync::Cache;

/// Total length of the document texts kept. A parsed document takes up to
/// ~100 times its text (a document of 4,000 one-letter fields: 8 KB of text,
/// ~0.7 MB parsed), so this bounds the cache to ~13 MB; dashboards' documents
/// are 0.1–2 KB, so it holds 64 or more of them.
const TEXT_BYTES: u64 = 128 * 1024;

/// Documents that passed the document-only checks, by their exact text.
pub struct Documents {
    kept: Cache<Arc<str>, Arc<ExecutableDocument>, ByLength>,
}

#[derive(Clone)]
struct ByLength;

impl Weighter<Arc<str>, Arc<ExecutableDocument>> for ByLength {
    fn weight(&self, text: &Arc<str>, _: &Arc<ExecutableDocument>) -> u64 {
        // Never zero: quick_cache never evicts zero-weight entries.
        text.len().max(1) as u64
    }
}

impl Default for Documents {
    fn default() -> Self {
        // Item estimate: documents of ~1 KB.
        Self {
            kept: Cache::with_weighter(128, TEXT_BYTES, ByLength),
        }
    }
}

impl Documents {
    /// The kept document of `text`, if it was checked before.
    pub fn get(&self, text: &str) -> Option<ExecutableDocument> {
        self.kept.get(text).map(|document| (*document).clone())
    }

    /// Number of documents kept (`lotse_graphql_documents` in `/metrics`).
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    /// Whether no document is kept.
    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// Keeps `document`, parsed from `text`, checked and validated.
    pub fn keep(&self, text: &str, document: ExecutableDocument) {
        self.kept.insert(Arc::from(text), Arc::new(document));
    }
}
