//! Linked data per record: `Accept: application/ld+json` on an item
//! returns it as JSON-LD in the schema.org vocabulary, for search engines
//! and linked-data tools.
//!
//! Each public type says what it is in schema.org terms ([`LinkedData`]);
//! the triples are written by the same serialiser as the catalogue, as
//! expanded JSON-LD (an array of node objects with full IRIs, no
//! `@context`), which every JSON-LD processor reads without the network.
//! Rejected: a remote `@context` (`https://schema.org`), which a consumer
//! must fetch to expand; compacting by hand, a JSON-LD algorithm of our own.
//! `@id` is the record's URI, and the records it names (an offer's
//! provider, the regions it serves) are linked by theirs, so following a
//! link lands on the record's own JSON-LD.
//!
//! Mapping (schema.org 29): partners are `GovernmentOrganization`
//! (ministries), `WorkersUnion`, `CollegeOrUniversity`,
//! `ResearchOrganization`, `Corporation` or `Organization`; offers are
//! `Service`s with `provider`, `areaServed`, `audience`, `category` and an
//! `Offer` for their validity; meetings are `Event`s; regions are
//! `AdministrativeArea`s (a `Place`) with their official key (ARS) as
//! `identifier`; projects `Project`s; topics `DefinedTerm`s.
use oxrdf::NamedNode;
use oxrdfio::{JsonLdProfileSet, RdfFormat};

use super::rdf::{self, Graph, Subject};
use crate::dto::{
    Meeting, Offer, Partner, PartnerRef, Project, Region, RegionRef, Topic, TopicRef,
};
use crate::error::AppResult;
use crate::service::Ctx;
use crate::vocab::{Cost, Lang, PartnerKind, TargetGroup};

/// The schema.org namespace.
pub const SCHEMA: &str = "https://schema.org/";
/// SKOS, for a topic's broader topic (schema.org has no such property).
const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";

/// The JSON-LD media type (W3C JSON-LD 1.1 §C).
pub const MEDIA_TYPE: &str = "application/ld+json";

/// A public record that can describe itself in schema.org terms.
pub trait LinkedData {
    /// Adds the record's triples to `g`: texts in `ctx`'s language,
    /// records named by their URIs.
    ///
    /// Errors: [`crate::error::AppError::Unexpected`] if a URI is not an
    /// IRI (only on a bug: URIs are made from the checked base URL).
    fn describe(&self, g: &mut Graph, ctx: &Ctx) -> AppResult<()>;
}

/// `record` as a JSON-LD document.
///
/// Errors: those of [`LinkedData::describe`] and of the serialiser.
pub fn json_ld<T: LinkedData>(record: &T, ctx: &Ctx) -> AppResult<Vec<u8>> {
    let mut g = Graph::default();
    record.describe(&mut g, ctx)?;
    let format = RdfFormat::JsonLd {
        profile: JsonLdProfileSet::empty(),
    };
    rdf::serialize(
        &g.into_triples(),
        format,
        &[
            ("schema", SCHEMA),
            ("skos", SKOS),
            ("xsd", "http://www.w3.org/2001/XMLSchema#"),
        ],
    )
}

/// Text in the response language.
fn text(g: &mut Graph, subject: &impl Subject, property: &str, value: &str, lang: Lang) {
    if !value.trim().is_empty() {
        g.tagged(subject, SCHEMA, property, value, lang.as_str());
    }
}

/// A web address a source gave, as `schema:url` (skipped if not an IRI).
fn url(g: &mut Graph, subject: &impl Subject, value: Option<&str>) {
    if let Some(node) = value.and_then(|v| g.node_or_skip(v)) {
        g.link(subject, SCHEMA, "url", &node);
    }
}

/// The node of the record at `uri`: its schema.org `class`, its key (the
/// slug, as `identifier` or a topic's `termCode`), its name and the
/// citation of its sources.
fn record(
    g: &mut Graph,
    uri: &str,
    class: &str,
    (key_property, key): (&str, &str),
    (name, source): (&str, &str),
    ctx: &Ctx,
) -> AppResult<NamedNode> {
    let node = g.node(uri)?;
    g.a(&node, SCHEMA, class);
    g.plain(&node, SCHEMA, key_property, key);
    text(g, &node, "name", name, ctx.lang);
    g.plain(&node, SCHEMA, "citation", source);
    Ok(node)
}

/// `node property region` for each of `regions`.
fn places<'a>(
    g: &mut Graph,
    node: &NamedNode,
    property: &str,
    regions: impl IntoIterator<Item = &'a RegionRef>,
    ctx: &Ctx,
) -> AppResult<()> {
    for region in regions {
        let place = region_ref(g, region, ctx)?;
        g.link(node, SCHEMA, property, &place);
    }
    Ok(())
}

/// A partner named by another record: its URI, type and name.
fn partner_ref(g: &mut Graph, partner: &PartnerRef, ctx: &Ctx) -> AppResult<NamedNode> {
    let node = g.node(&ctx.uri("partners", partner.id))?;
    g.a(&node, SCHEMA, organisation_type(partner.kind));
    text(g, &node, "name", &partner.name, ctx.lang);
    Ok(node)
}

/// A region named by another record: a `Place` with its name and keys.
fn region_ref(g: &mut Graph, region: &RegionRef, ctx: &Ctx) -> AppResult<NamedNode> {
    let node = g.node(&ctx.uri("regions", region.id))?;
    g.a(&node, SCHEMA, "AdministrativeArea");
    text(g, &node, "name", &region.name, ctx.lang);
    for key in [&region.ars, &region.nuts].into_iter().flatten() {
        g.plain(&node, SCHEMA, "identifier", key);
    }
    Ok(node)
}

/// A topic named by another record.
fn topic_ref(g: &mut Graph, topic: &TopicRef, ctx: &Ctx) -> AppResult<NamedNode> {
    let node = g.node(&ctx.uri("topics", topic.id))?;
    g.a(&node, SCHEMA, "DefinedTerm");
    text(g, &node, "name", &topic.label, ctx.lang);
    Ok(node)
}

/// The schema.org type of a kind of organisation.
fn organisation_type(kind: PartnerKind) -> &'static str {
    match kind {
        PartnerKind::Ministry => "GovernmentOrganization",
        PartnerKind::Union => "WorkersUnion",
        PartnerKind::University => "CollegeOrUniversity",
        PartnerKind::ResearchInstitute => "ResearchOrganization",
        PartnerKind::Company => "Corporation",
        PartnerKind::BusinessAssociation
        | PartnerKind::Chamber
        | PartnerKind::Cluster
        | PartnerKind::Other => "Organization",
    }
}

/// Who an offer is for, in words.
fn audience(group: TargetGroup, lang: Lang) -> &'static str {
    match (group, lang) {
        (TargetGroup::Sme, Lang::De) => "Kleine und mittlere Unternehmen",
        (TargetGroup::Sme, Lang::En) => "Small and medium-sized enterprises",
        (TargetGroup::WorksCouncil, Lang::De) => "Betriebs- und Personalräte",
        (TargetGroup::WorksCouncil, Lang::En) => "Works councils",
        (TargetGroup::Employees, Lang::De) => "Beschäftigte",
        (TargetGroup::Employees, Lang::En) => "Employees",
        (TargetGroup::Founders, Lang::De) => "Gründerinnen und Gründer",
        (TargetGroup::Founders, Lang::En) => "Founders",
        (TargetGroup::Universities, Lang::De) => "Hochschulen",
        (TargetGroup::Universities, Lang::En) => "Universities",
        (TargetGroup::LargeCompanies, Lang::De) => "Große Unternehmen",
        (TargetGroup::LargeCompanies, Lang::En) => "Large companies",
    }
}

impl LinkedData for Offer {
    fn describe(&self, g: &mut Graph, ctx: &Ctx) -> AppResult<()> {
        let node = record(
            g,
            &self.uri,
            "Service",
            ("identifier", &self.slug),
            (&self.title, &self.source),
            ctx,
        )?;
        let description = self.description.as_deref().unwrap_or(&self.summary);
        text(g, &node, "description", description, ctx.lang);
        g.plain(&node, SCHEMA, "serviceType", self.kind.as_str());
        url(g, &node, self.url.as_deref());
        let provider = partner_ref(g, &self.provider, ctx)?;
        g.link(&node, SCHEMA, "provider", &provider);
        places(g, &node, "areaServed", &self.regions, ctx)?;
        for group in &self.target_groups {
            let audience_node = g.blank();
            g.link(&node, SCHEMA, "audience", &audience_node);
            let kind = match group {
                TargetGroup::Sme | TargetGroup::LargeCompanies | TargetGroup::Founders => {
                    "BusinessAudience"
                }
                _ => "Audience",
            };
            g.a(&audience_node, SCHEMA, kind);
            g.tagged(
                &audience_node,
                SCHEMA,
                "audienceType",
                audience(*group, ctx.lang),
                ctx.lang.as_str(),
            );
        }
        for topic in &self.topics {
            let term = topic_ref(g, topic, ctx)?;
            g.link(&node, SCHEMA, "category", &term);
        }
        if let Some(project) = &self.project {
            let project_node = g.node(&ctx.uri("projects", project.id))?;
            g.a(&project_node, SCHEMA, "Project");
            text(g, &project_node, "name", &project.name, ctx.lang);
            g.link(&node, SCHEMA, "isRelatedTo", &project_node);
        }
        if self.cost == Cost::Free {
            g.boolean(&node, SCHEMA, "isAccessibleForFree", true);
        }
        if self.valid_from.is_some()
            || self.valid_until.is_some()
            || self.application_deadline.is_some()
        {
            let offer = g.blank();
            g.link(&node, SCHEMA, "offers", &offer);
            g.a(&offer, SCHEMA, "Offer");
            if let Some(day) = self.valid_from {
                g.date(&offer, SCHEMA, "validFrom", day);
            }
            if let Some(day) = self.valid_until {
                g.date(&offer, SCHEMA, "validThrough", day);
            }
            if let Some(day) = self.application_deadline {
                g.date(&offer, SCHEMA, "availabilityEnds", day);
            }
        }
        Ok(())
    }
}

impl LinkedData for Partner {
    fn describe(&self, g: &mut Graph, ctx: &Ctx) -> AppResult<()> {
        let node = record(
            g,
            &self.uri,
            organisation_type(self.kind),
            ("identifier", &self.slug),
            (&self.name, &self.source),
            ctx,
        )?;
        if let Some(short) = &self.short_name {
            g.plain(&node, SCHEMA, "alternateName", short);
        }
        if let Some(description) = &self.description {
            text(g, &node, "description", description, ctx.lang);
        }
        url(g, &node, self.website.as_deref());
        places(g, &node, "location", &self.region, ctx)?;
        for contact in &self.contacts {
            let point = g.blank();
            g.link(&node, SCHEMA, "contactPoint", &point);
            g.a(&point, SCHEMA, "ContactPoint");
            text(g, &point, "name", &contact.label, ctx.lang);
            g.plain(&point, SCHEMA, "contactType", contact.kind.as_str());
            if let Some(email) = &contact.email {
                g.plain(&point, SCHEMA, "email", email);
            }
            if let Some(phone) = &contact.phone {
                g.plain(&point, SCHEMA, "telephone", phone);
            }
            url(g, &point, contact.url.as_deref());
        }
        for person in &self.people {
            let role = g.blank();
            g.link(&node, SCHEMA, "member", &role);
            g.a(&role, SCHEMA, "OrganizationRole");
            g.plain(&role, SCHEMA, "roleName", &person.role);
            if let Some(year) = person.year {
                g.integer(&role, SCHEMA, "startDate", i64::from(year));
            }
            let someone = g.node(&ctx.uri("people", person.id))?;
            g.a(&someone, SCHEMA, "Person");
            g.plain(&someone, SCHEMA, "name", &person.name);
            g.link(&role, SCHEMA, "member", &someone);
        }
        Ok(())
    }
}

impl LinkedData for Region {
    fn describe(&self, g: &mut Graph, ctx: &Ctx) -> AppResult<()> {
        let node = g.node(&self.uri)?;
        g.a(&node, SCHEMA, "AdministrativeArea");
        text(g, &node, "name", &self.name, ctx.lang);
        g.plain(&node, SCHEMA, "additionalType", self.kind.as_str());
        for key in [&self.ars, &self.nuts].into_iter().flatten() {
            g.plain(&node, SCHEMA, "identifier", key);
        }
        let containing = self.parent.iter().chain(&self.member_of);
        places(g, &node, "containedInPlace", containing, ctx)?;
        places(g, &node, "containsPlace", &self.members, ctx)?;
        g.plain(&node, SCHEMA, "citation", &self.source);
        Ok(())
    }
}

impl LinkedData for Topic {
    fn describe(&self, g: &mut Graph, ctx: &Ctx) -> AppResult<()> {
        let node = record(
            g,
            &self.uri,
            "DefinedTerm",
            ("termCode", &self.slug),
            (&self.label, &self.source),
            ctx,
        )?;
        if let Some(description) = &self.description {
            text(g, &node, "description", description, ctx.lang);
        }
        if let Some(parent) = &self.parent {
            let broader = topic_ref(g, parent, ctx)?;
            g.link(&node, SKOS, "broader", &broader);
        }
        Ok(())
    }
}

impl LinkedData for Project {
    fn describe(&self, g: &mut Graph, ctx: &Ctx) -> AppResult<()> {
        let node = record(
            g,
            &self.uri,
            "Project",
            ("identifier", &self.slug),
            (&self.name, &self.source),
            ctx,
        )?;
        let description = self.description.as_deref().unwrap_or(&self.summary);
        text(g, &node, "description", description, ctx.lang);
        url(g, &node, self.website.as_deref());
        if let Some(day) = self.start_date {
            g.date(&node, SCHEMA, "foundingDate", day);
        }
        places(g, &node, "areaServed", &self.region, ctx)?;
        for participant in &self.participants {
            let partner = partner_ref(g, &participant.partner, ctx)?;
            let role = g.blank();
            g.link(&node, SCHEMA, "member", &role);
            g.a(&role, SCHEMA, "OrganizationRole");
            g.plain(&role, SCHEMA, "roleName", participant.role.as_str());
            g.link(&role, SCHEMA, "member", &partner);
        }
        Ok(())
    }
}

impl LinkedData for Meeting {
    fn describe(&self, g: &mut Graph, ctx: &Ctx) -> AppResult<()> {
        let node = record(
            g,
            &self.uri,
            "Event",
            ("identifier", &self.slug),
            (&self.title, &self.source),
            ctx,
        )?;
        text(g, &node, "description", &self.summary, ctx.lang);
        g.date(&node, SCHEMA, "startDate", self.date);
        let place = g.blank();
        g.link(&node, SCHEMA, "location", &place);
        g.a(&place, SCHEMA, "Place");
        g.plain(&place, SCHEMA, "name", &self.place);
        if let Some(host) = &self.host {
            let organizer = partner_ref(g, host, ctx)?;
            g.link(&node, SCHEMA, "organizer", &organizer);
        }
        for participant in &self.participants {
            if let Some(partner) = &participant.partner {
                let attendee = partner_ref(g, partner, ctx)?;
                g.link(&node, SCHEMA, "attendee", &attendee);
            }
            if let Some(person) = &participant.person {
                let someone = g.node(&ctx.uri("people", person.id))?;
                g.a(&someone, SCHEMA, "Person");
                g.plain(&someone, SCHEMA, "name", &person.name);
                g.link(&node, SCHEMA, "attendee", &someone);
            }
        }
        Ok(())
    }
}
