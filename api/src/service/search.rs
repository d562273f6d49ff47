//! `GET /api/v1/search`: ranked hits over offers, projects and partners.
use std::collections::{HashMap, HashSet};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::{offer, offer_topic, partner, project};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Ctx;
use super::offers::{self, OfferFilter};
use super::reference::Reference;
use crate::dto::{HitKind, SearchHit, SearchPage};
use crate::error::{AppError, AppResult};
use crate::search::{DataVersion, Document, MAX_HITS, SearchIndex};

/// A parsed search request.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// The words to look for.
    pub q: String,
    /// Kinds of records to return; all when empty.
    pub types: Vec<HitKind>,
    /// Offer filters; when any is set, only offers are returned.
    pub filter: OfferFilter,
    /// Hits per page.
    pub limit: u64,
    /// Hits to skip (from the cursor).
    pub offset: u64,
}

/// A search cursor: the query it was issued for and the offset of the next hit.
#[derive(Serialize, Deserialize)]
pub(crate) struct SearchCursor {
    pub(crate) q: String,
    pub(crate) o: u64,
}

/// Whether any offer filter besides `q` is set (then only offers are
/// searched). The destructuring is exhaustive on purpose: a new filter field
/// does not compile until it is considered here.
pub(crate) fn has_offer_filters(f: &OfferFilter) -> bool {
    let OfferFilter {
        topic,
        region,
        target_group,
        kind,
        cost,
        provider,
        project,
        open_on,
        q: _,
        updated_since,
    } = f;
    !(topic.is_empty()
        && region.is_empty()
        && target_group.is_empty()
        && kind.is_empty()
        && cost.is_empty()
        && provider.is_empty()
        && project.is_empty()
        && open_on.is_none()
        && updated_since.is_none())
}

impl SearchRequest {
    /// Checks the words and the offer filters (the same for REST and
    /// GraphQL).
    pub fn validate(&self) -> AppResult<()> {
        crate::limits::check_filter(Some(&self.q), &[], &[])?;
        self.filter.validate()
    }
}

/// The cursor of the position after `offset` hits of the search for `q`.
pub fn cursor_at(q: &str, offset: u64) -> String {
    let cursor = SearchCursor {
        q: q.to_owned(),
        o: offset,
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cursor).unwrap_or_default())
}

/// A search cursor's content; `None` for text over
/// [`crate::limits::MAX_CURSOR_LEN`] bytes or not issued by [`cursor_at`].
pub(crate) fn decode_cursor(text: &str) -> Option<SearchCursor> {
    if text.len() > crate::limits::MAX_CURSOR_LEN {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The offset a cursor points at, if it was issued for `q`.
pub fn offset_of(cursor: &str, q: &str) -> Result<u64, AppError> {
    let decoded = decode_cursor(cursor).ok_or_else(|| {
        AppError::invalid_parameter("after", "is not a cursor issued by this API")
    })?;
    if decoded.q == q {
        Ok(decoded.o)
    } else {
        Err(AppError::invalid_parameter(
            "after",
            "was issued for another `q`",
        ))
    }
}

/// Ranks, filters and pages the hits for `request`.
#[tracing::instrument(name = "service.search", skip_all, fields(q = %request.q))]
pub async fn search<C: ConnectionTrait>(
    db: &C,
    request: &SearchRequest,
    ctx: &Ctx,
) -> AppResult<SearchPage> {
    ctx.snapshot().await?;
    let index = ctx.store.index();
    request.validate()?;
    let offer_filters = has_offer_filters(&request.filter);
    let kinds = if offer_filters {
        vec![HitKind::Offer]
    } else {
        request.types.clone()
    };
    let mut hits = index.search(&request.q, &kinds, MAX_HITS)?;
    if offer_filters {
        let ids: Vec<Uuid> = hits.iter().map(|h| h.id).collect();
        let condition = offers::condition(db, &request.filter, ctx, offers::Access::Probe).await?;
        let allowed: HashSet<Uuid> = offer::Entity::find()
            .select_only()
            .column(offer::Column::Id)
            .filter(condition)
            .filter(offer::Column::Id.is_in(ids))
            .into_tuple::<Uuid>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        hits.retain(|h| allowed.contains(&h.id));
    }
    let total = hits.len() as u64;
    let start = usize::try_from(request.offset)
        .unwrap_or(usize::MAX)
        .min(hits.len());
    let end = start.saturating_add(request.limit as usize).min(hits.len());
    let next_cursor = (end < hits.len()).then(|| cursor_at(&request.q, end as u64));
    // Highlighting costs a document read and two snippets per hit: only for
    // the page shown, never for all ranked hits.
    let items = index
        .highlight(&request.q, &kinds, &hits[start..end], ctx.lang)?
        .iter()
        .map(|h| SearchHit {
            kind: h.kind,
            id: h.id,
            slug: h.slug.clone(),
            uri: ctx.uri(
                match h.kind {
                    HitKind::Offer => "offers",
                    HitKind::Project => "projects",
                    HitKind::Partner => "partners",
                },
                h.id,
            ),
            score: h.score,
            title: h.title_html.clone(),
            snippet: h.snippet_html.clone(),
        })
        .collect();
    Ok(SearchPage {
        items,
        next_cursor,
        total,
    })
}

/// Offers read and indexed per step of a rebuild.
const CHUNK: u64 = 2000;

/// Reads every searchable record and replaces the index's content with
/// their documents, as of data version `version`; returns how many.
///
/// Offers are read and handed to the index in chunks of [`CHUNK`] (keyset by
/// id), so the rows and documents of all offers never sit in memory at once:
/// what the allocator keeps after a rebuild is bounded by a chunk, not by the
/// data.
pub(crate) async fn rebuild_index<C: ConnectionTrait>(
    db: &C,
    index: &SearchIndex,
    reference: &Reference,
    version: DataVersion,
) -> AppResult<usize> {
    let mut rebuild = index.rebuild().await?;
    let providers = providers(reference);
    let mut others: Vec<Document> = reference.partners.values().map(partner_document).collect();
    others.extend(reference.projects.values().map(project_document));
    rebuild.add(others).await?;
    let mut topics_of: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for link in offer_topic::Entity::find().all(db).await? {
        topics_of
            .entry(link.offer_id)
            .or_default()
            .push(link.topic_id);
    }
    let mut after: Option<Uuid> = None;
    loop {
        let mut chunk = offer::Entity::find()
            .order_by_asc(offer::Column::Id)
            .limit(CHUNK);
        if let Some(last) = after {
            chunk = chunk.filter(offer::Column::Id.gt(last));
        }
        let rows = chunk.all(db).await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.id);
        let docs = rows
            .into_iter()
            .map(|o| offer_document(o, &providers, &topics_of, reference))
            .collect();
        rebuild.add(docs).await?;
    }
    rebuild.commit(version).await
}

/// The records changed since the index's data version, by kind (see
/// [`update_index`]).
#[derive(Debug, Default, Clone)]
pub(crate) struct Changed {
    pub offers: HashSet<Uuid>,
    pub partners: HashSet<Uuid>,
    pub projects: HashSet<Uuid>,
}

/// Brings the index to data version `version` after the records `changed`
/// changed (or were deleted): their documents are replaced, and those of
/// the offers of a changed partner (an offer's document holds its
/// provider's names). `reference` is of `version`. A change of topics
/// (their labels are in offers' documents) needs [`rebuild_index`].
pub(crate) async fn update_index<C: ConnectionTrait>(
    db: &C,
    index: &SearchIndex,
    reference: &Reference,
    changed: &Changed,
    version: DataVersion,
) -> AppResult<usize> {
    let mut offer_ids: HashSet<Uuid> = changed.offers.clone();
    let partners: Vec<Uuid> = changed.partners.iter().copied().collect();
    for chunk in partners.chunks(CHUNK as usize) {
        let provided: Vec<Uuid> = offer::Entity::find()
            .select_only()
            .column(offer::Column::Id)
            .filter(offer::Column::ProviderId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        offer_ids.extend(provided);
    }
    let mut docs: Vec<Document> = (changed.partners.iter())
        .filter_map(|id| reference.partners.get(id))
        .map(partner_document)
        .collect();
    docs.extend(
        (changed.projects.iter())
            .filter_map(|id| reference.projects.get(id))
            .map(project_document),
    );
    let offer_ids: Vec<Uuid> = offer_ids.into_iter().collect();
    let providers = providers(reference);
    for chunk in offer_ids.chunks(CHUNK as usize) {
        let mut topics_of: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for link in offer_topic::Entity::find()
            .filter(offer_topic::Column::OfferId.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            topics_of
                .entry(link.offer_id)
                .or_default()
                .push(link.topic_id);
        }
        let rows = offer::Entity::find()
            .filter(offer::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?;
        docs.extend(
            rows.into_iter()
                .map(|o| offer_document(o, &providers, &topics_of, reference)),
        );
    }
    let remove: Vec<Uuid> = (changed.partners.iter())
        .chain(&changed.projects)
        .chain(&offer_ids)
        .copied()
        .collect();
    index.update(remove, docs, version).await
}

/// Each partner's name and short name, for the documents of its offers.
fn providers(reference: &Reference) -> HashMap<Uuid, (String, Option<String>)> {
    (reference.partners.values())
        .map(|p| (p.id, (p.name.clone(), p.short_name.clone())))
        .collect()
}

/// A partner's document.
fn partner_document(p: &partner::Model) -> Document {
    Document {
        kind: HitKind::Partner,
        id: p.id,
        // The short name is searched with the title's weight and shown
        // as people write it: "Technologieberatungsstelle … (TBS NRW)".
        title_de: match p.short_name.as_deref() {
            Some(short) if !short.is_empty() && short != p.name => {
                format!("{} ({short})", p.name)
            }
            _ => p.name.clone(),
        },
        title_en: p.name_en.clone().unwrap_or_default(),
        text_de: p.description_de.clone().unwrap_or_default(),
        text_en: p.description_en.clone().unwrap_or_default(),
        slug: p.slug.clone(),
    }
}

/// A project's document.
fn project_document(p: &project::Model) -> Document {
    Document {
        kind: HitKind::Project,
        id: p.id,
        title_de: p.name.clone(),
        title_en: p.name_en.clone().unwrap_or_default(),
        text_de: join(&[Some(&p.summary_de), p.description_de.as_deref()]),
        text_en: join(&[p.summary_en.as_deref(), p.description_en.as_deref()]),
        slug: p.slug.clone(),
    }
}

/// An offer's document: its texts plus its provider's names and its topics'
/// labels, so "Digitalisierung" finds offers tagged with that topic.
fn offer_document(
    o: offer::Model,
    providers: &HashMap<Uuid, (String, Option<String>)>,
    topics_of: &HashMap<Uuid, Vec<Uuid>>,
    reference: &Reference,
) -> Document {
    let (provider, short) = providers.get(&o.provider_id).cloned().unwrap_or_default();
    let labels: Vec<_> = topics_of
        .get(&o.id)
        .into_iter()
        .flatten()
        .filter_map(|id| reference.topics.get(*id))
        .collect();
    let labels_de = labels
        .iter()
        .map(|t| t.label_de.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let labels_en = labels
        .iter()
        .filter_map(|t| t.label_en.as_deref())
        .collect::<Vec<_>>()
        .join(", ");
    Document {
        kind: HitKind::Offer,
        id: o.id,
        title_de: o.title_de,
        title_en: o.title_en.unwrap_or_default(),
        text_de: join(&[
            Some(&o.summary_de),
            o.description_de.as_deref(),
            Some(&provider),
            short.as_deref(),
            o.provider_note.as_deref(),
            Some(&labels_de),
        ]),
        text_en: join(&[
            o.summary_en.as_deref(),
            o.description_en.as_deref(),
            Some(&labels_en),
        ]),
        slug: o.slug,
    }
}

fn join(parts: &[Option<&str>]) -> String {
    parts
        .iter()
        .flatten()
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}
