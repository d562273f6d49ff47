//! `GET /api/v1/search`: ranked hits over offers, projects and partners.
use crate::ops::observe::timed_search;
use std::collections::{HashMap, HashSet};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::{offer, offer_topic, partner, project};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Ctx;
use super::offers::OfferFilter;
use super::reference::Reference;
use super::selection::OfferSelection;
use crate::dto::{HitKind, SearchHit, SearchPage};
use crate::error::{AppError, AppResult};
use crate::search::{DataVersion, Document, MAX_HITS, Ranked, SearchIndex};
use sha2::{Digest as _, Sha256};

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
    /// Where the previous page ended (from its cursor); `None` for the
    /// first page. Read with [`read_cursor`].
    pub after: Option<SearchCursor>,
}

/// A search cursor: the last hit a client was shown, and which hits it had
/// been shown up to there.
///
/// Why not an offset (the earlier format, `{"q":…,"o":3}`): when a record
/// is added, changed or removed between two pages, the hits move and an
/// offset repeats or skips some. Why not a position by score (score and id
/// of the last hit, "the hits ranked after it"): BM25 scores depend on the
/// whole index (document frequencies, average lengths), so after any write
/// every score moves, and a hit already shown may now score below the old
/// position (repeated) or one not yet shown above it (skipped), silently.
/// Why not a cursor tied to the data version and refused after every write:
/// most writes leave a given search's first pages alone, and such a cursor
/// sends every client back to page 1 anyway. So the cursor names the last
/// hit (kind and id) and carries a digest of the set of hits shown so far;
/// the next page continues after that hit in the current ranking only if
/// exactly the hits shown rank up to it now — then no hit is repeated and
/// none that still matches is skipped — and is otherwise a 409
/// [`AppError::StaleCursor`]: the client starts again.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SearchCursor {
    /// [`SearchRequest::fingerprint`] of the search it was issued for.
    f: String,
    /// The last hit shown: its kind ([`HitKind::code`])
    k: u64,
    /// and its id.
    i: Uuid,
    /// How many hits were shown up to and including it.
    n: u64,
    /// The XOR of the ids of those hits (32 hex digits): a digest of the set
    /// that does not depend on the order and lets one id be taken out.
    h: String,
    /// The parameter that carried it (`cursor` or `after`), for errors.
    #[serde(skip)]
    param: &'static str,
}

/// The cursor format before position cursors: the offset of the next hit.
/// Only recognised, to refuse it with a message that says what to do.
#[derive(Deserialize)]
struct OffsetCursor {
    #[serde(rename = "q")]
    _q: String,
    #[serde(rename = "o")]
    _o: u64,
}

/// The set digest of [`SearchCursor`]: ids XORed (each id is a UUIDv5 or
/// v4, 122 bits of hash or randomness, so two different sets meet by
/// chance with odds of 2⁻¹²²).
fn digest(hits: &[Ranked]) -> u128 {
    hits.iter().fold(0, |d, h| d ^ h.id.as_u128())
}

impl SearchCursor {
    /// The cursors after each of `hits[start..end]`, for the search with
    /// fingerprint `f` ([`SearchRequest::fingerprint`]).
    fn after_each(f: &str, hits: &[Ranked], start: usize, end: usize) -> Vec<String> {
        let mut shown = digest(&hits[..start]);
        let mut cursors = Vec::with_capacity(end - start);
        for (n, last) in hits[start..end].iter().enumerate() {
            shown ^= last.id.as_u128();
            let cursor = SearchCursor {
                f: f.to_owned(),
                k: last.kind.code(),
                i: last.id,
                n: (start + n + 1) as u64,
                h: format!("{shown:032x}"),
                param: "",
            };
            // Serialising strings and numbers cannot fail.
            if let Ok(json) = serde_json::to_vec(&cursor) {
                cursors.push(URL_SAFE_NO_PAD.encode(json));
            }
        }
        cursors
    }

    /// Where the page after this cursor starts in `hits` (the current
    /// ranking): after the last hit shown, if exactly the hits shown rank up
    /// to it; if the last hit shown is gone (deleted, or no longer matching),
    /// after the others, if exactly they rank first. Otherwise hits would be
    /// repeated or skipped: 409 [`AppError::StaleCursor`].
    fn resume(&self, hits: &[Ranked]) -> AppResult<usize> {
        let stale = || AppError::StaleCursor { field: self.param };
        let shown = u128::from_str_radix(&self.h, 16).map_err(|_| stale())?;
        let n = usize::try_from(self.n).map_err(|_| stale())?;
        let last_shown = hits
            .iter()
            .position(|h| h.id == self.i && h.kind.code() == self.k);
        let (start, expected) = match last_shown {
            Some(i) if i + 1 == n => (n, shown),
            Some(_) => return Err(stale()),
            None => (
                n.checked_sub(1).ok_or_else(stale)?,
                shown ^ self.i.as_u128(),
            ),
        };
        match hits.get(..start) {
            Some(before) if digest(before) == expected => Ok(start),
            _ => Err(stale()),
        }
    }
}

/// Reads a search cursor given as parameter `param` (`cursor` in REST,
/// `after` in GraphQL) for `request`. Errors (400, naming `param`): text
/// over [`crate::limits::MAX_CURSOR_LEN`] bytes or not issued by this API,
/// an offset cursor of an earlier version, a cursor of another search (other
/// words, types or filters).
pub fn read_cursor(
    text: &str,
    param: &'static str,
    request: &SearchRequest,
) -> AppResult<SearchCursor> {
    let invalid = |message: &str| AppError::invalid_parameter(param, message);
    let bytes = (text.len() <= crate::limits::MAX_CURSOR_LEN)
        .then(|| URL_SAFE_NO_PAD.decode(text).ok())
        .flatten()
        .ok_or_else(|| invalid("is not a cursor issued by this API"))?;
    let mut cursor: SearchCursor = match serde_json::from_slice(&bytes) {
        Ok(cursor) => cursor,
        Err(_) if serde_json::from_slice::<OffsetCursor>(&bytes).is_ok() => {
            return Err(invalid(
                "is an offset cursor of an earlier version of this API: start again from the first page",
            ));
        }
        Err(_) => return Err(invalid("is not a cursor issued by this API")),
    };
    if cursor.f != request.fingerprint() {
        return Err(invalid(
            "was issued for another search: `q`, the types and the filters must be those of the first page",
        ));
    }
    cursor.param = param;
    Ok(cursor)
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

    /// What a cursor is tied to (16 hex digits of a SHA-256): the analysed
    /// words of `q` (so `Förderung`, `Foerderung` and its decomposed form
    /// are one search), the types and the offer filters.
    fn fingerprint(&self) -> String {
        let mut types: Vec<u64> = self.types.iter().map(|t| t.code()).collect();
        types.sort_unstable();
        types.dedup();
        let filter = OfferFilter {
            q: None,
            ..self.filter.clone()
        };
        let text = format!(
            "{:?}|{types:?}|{filter:?}",
            crate::search::analyzer::positioned_terms(&self.q)
        );
        Sha256::digest(text.as_bytes())
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// One page of a search, with the cursor after each of its hits (GraphQL's
/// edge cursors).
#[derive(Debug)]
pub struct Searched {
    /// The page, as REST serves it.
    pub page: SearchPage,
    /// The cursor after each hit of `page.items`, in order.
    pub cursors: Vec<String>,
}

/// Ranks, filters and pages the hits for `request`.
#[tracing::instrument(name = "service.search", skip_all, fields(q = %request.q))]
pub async fn search(request: &SearchRequest, ctx: &Ctx) -> AppResult<SearchPage> {
    Ok(search_with_cursors(request, ctx).await?.page)
}

/// [`search`], with the cursor after each hit of the page.
pub async fn search_with_cursors(request: &SearchRequest, ctx: &Ctx) -> AppResult<Searched> {
    ctx.snapshot().await?;
    let index = ctx.store.index();
    request.validate()?;
    let offer_filters = has_offer_filters(&request.filter);
    let kinds = if offer_filters {
        vec![HitKind::Offer]
    } else {
        request.types.clone()
    };
    let mut hits = timed_search(|| index.search(&request.q, &kinds, MAX_HITS))?;
    if offer_filters {
        // The index and the corpus are of one snapshot: every hit has facts.
        let selection = OfferSelection::resolve(&request.filter, ctx).await?;
        let snapshot = ctx.snapshot().await?;
        hits.retain(|h| (snapshot.corpus.get(h.id)).is_some_and(|offer| selection.matches(offer)));
    }
    let total = hits.len() as u64;
    let start = match &request.after {
        Some(cursor) => cursor.resume(&hits)?,
        None => 0,
    };
    let end = start.saturating_add(request.limit as usize).min(hits.len());
    let cursors = SearchCursor::after_each(&request.fingerprint(), &hits, start, end);
    let next_cursor = if end < hits.len() {
        cursors.last().cloned()
    } else {
        None
    };
    // Highlighting costs a document read and two snippets per hit: only for
    // the page shown, never for all ranked hits.
    let items = timed_search(|| index.highlight(&request.q, &kinds, &hits[start..end], ctx.lang))?
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
    Ok(Searched {
        page: SearchPage {
            items,
            next_cursor,
            total,
        },
        cursors,
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
