//! Building RDF graphs as [`oxrdf`] triples and writing them with
//! [`oxrdfio`]: what the catalogue and the JSON-LD of a record share.
use chrono::{DateTime, NaiveDate, Utc};
use oxrdf::vocab::{rdf, xsd};
use oxrdf::{BlankNode, Literal, NamedNode, NamedOrBlankNode, Term, Triple};
use oxrdfio::{RdfFormat, RdfSerializer};

use crate::error::{AppError, AppResult};

/// Writes `triples` in `format` with `prefixes` (prefix, namespace IRI).
///
/// Errors: [`AppError::Unexpected`] if a serialiser fails (it writes to
/// memory, so only on a term it cannot express).
pub fn serialize(
    triples: &[Triple],
    format: RdfFormat,
    prefixes: &[(&str, &str)],
) -> AppResult<Vec<u8>> {
    let unexpected = |e: std::io::Error| AppError::Unexpected(e.into());
    let mut serializer = RdfSerializer::from_format(format);
    for (prefix, namespace) in prefixes {
        serializer = serializer
            .with_prefix(*prefix, *namespace)
            .map_err(|e| AppError::Unexpected(e.into()))?;
    }
    let mut writer = serializer.for_writer(Vec::with_capacity(16 * 1024));
    for triple in triples {
        writer.serialize_triple(triple).map_err(unexpected)?;
    }
    writer.finish().map_err(unexpected)
}

/// A graph being built: triples in the order they are added, so that a
/// subject's triples stay together (the serialisers group them).
#[derive(Debug, Default)]
pub struct Graph {
    triples: Vec<Triple>,
}

/// A subject: an IRI or a blank node.
pub type Node = NamedOrBlankNode;

impl Graph {
    /// The triples added.
    pub fn into_triples(self) -> Vec<Triple> {
        self.triples
    }

    /// `iri` as a node.
    ///
    /// Errors: [`AppError::Unexpected`] if `iri` is not an absolute IRI
    /// (the base URL and settings are checked at start, records' URLs
    /// on import, so only on a bug).
    pub fn node(&self, iri: &str) -> AppResult<NamedNode> {
        NamedNode::new(iri).map_err(|e| AppError::Unexpected(anyhow::anyhow!("IRI {iri}: {e}")))
    }

    /// `iri` as a node, or `None` if it is not an absolute IRI (a web
    /// address a source gave, which is not ours to refuse).
    pub fn node_or_skip(&self, iri: &str) -> Option<NamedNode> {
        NamedNode::new(iri).ok()
    }

    /// A new blank node.
    pub fn blank(&self) -> BlankNode {
        BlankNode::default()
    }

    fn push(&mut self, subject: &impl Subject, ns: &str, local: &str, object: impl Into<Term>) {
        let predicate = NamedNode::new_unchecked(format!("{ns}{local}"));
        self.triples
            .push(Triple::new(subject.node(), predicate, object));
    }

    /// `subject a ns:class`.
    pub fn a(&mut self, subject: &impl Subject, ns: &str, class: &str) {
        let class = NamedNode::new_unchecked(format!("{ns}{class}"));
        self.triples
            .push(Triple::new(subject.node(), rdf::TYPE, class));
    }

    /// `subject ns:local object` for a node.
    pub fn link(&mut self, subject: &impl Subject, ns: &str, local: &str, object: &impl Subject) {
        let object: Term = match object.node() {
            NamedOrBlankNode::NamedNode(n) => n.into(),
            NamedOrBlankNode::BlankNode(b) => b.into(),
        };
        self.push(subject, ns, local, object);
    }

    /// A plain string literal.
    pub fn plain(&mut self, subject: &impl Subject, ns: &str, local: &str, value: &str) {
        self.push(subject, ns, local, Literal::new_simple_literal(value));
    }

    /// A literal in language `lang` (a valid tag: `de`, `en`).
    pub fn tagged(
        &mut self,
        subject: &impl Subject,
        ns: &str,
        local: &str,
        value: &str,
        lang: &str,
    ) {
        let literal = Literal::new_language_tagged_literal_unchecked(value, lang);
        self.push(subject, ns, local, literal);
    }

    /// German and English text.
    pub fn text(&mut self, subject: &impl Subject, ns: &str, local: &str, (de, en): (&str, &str)) {
        self.tagged(subject, ns, local, de, "de");
        self.tagged(subject, ns, local, en, "en");
    }

    /// An `xsd:boolean`.
    pub fn boolean(&mut self, subject: &impl Subject, ns: &str, local: &str, value: bool) {
        self.push(subject, ns, local, Literal::from(value));
    }

    /// An `xsd:integer`.
    pub fn integer(&mut self, subject: &impl Subject, ns: &str, local: &str, value: i64) {
        self.push(subject, ns, local, Literal::from(value));
    }

    /// An `xsd:date`.
    pub fn date(&mut self, subject: &impl Subject, ns: &str, local: &str, day: NaiveDate) {
        let literal = Literal::new_typed_literal(day.format("%Y-%m-%d").to_string(), xsd::DATE);
        self.push(subject, ns, local, literal);
    }

    /// An `xsd:dateTime` in UTC, to the second.
    pub fn time(&mut self, subject: &impl Subject, ns: &str, local: &str, at: DateTime<Utc>) {
        let text = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        self.push(
            subject,
            ns,
            local,
            Literal::new_typed_literal(text, xsd::DATE_TIME),
        );
    }
}

/// What can be a subject: an IRI or a blank node.
pub trait Subject {
    /// As a subject.
    fn node(&self) -> Node;
}

impl Subject for NamedNode {
    fn node(&self) -> Node {
        self.clone().into()
    }
}

impl Subject for BlankNode {
    fn node(&self) -> Node {
        self.clone().into()
    }
}
