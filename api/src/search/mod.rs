//! Full-text search over offers, projects and partners (tantivy).
//!
//! The index is built from the database at start-up and kept current by a
//! cheap data-version check (row counts and latest `updated_at` of the indexed
//! tables) before searches: an import by another process (`lotse import`) is
//! picked up within `refresh_interval`. The index lives in memory, so SQLite
//! and PostgreSQL give the same results from the same data. We chose a real
//! search library over `LIKE` scans for stemming, folding, typo tolerance and
//! relevance ranking (ARCHITECTURE.md decision 9).

pub mod analyzer;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use entity::{offer, offer_topic, partner, project, topic};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term, doc};
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::service::matching::MatchCorpus;
use crate::vocab::Lang;

/// What a hit is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema, async_graphql::Enum,
)]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    Offer,
    Project,
    Partner,
}

impl HitKind {
    fn as_str(self) -> &'static str {
        match self {
            HitKind::Offer => "offer",
            HitKind::Project => "project",
            HitKind::Partner => "partner",
        }
    }

    /// The kind as stored in the `kind_code` fast field.
    fn code(self) -> u64 {
        match self {
            HitKind::Offer => 0,
            HitKind::Project => 1,
            HitKind::Partner => 2,
        }
    }

    fn from_code(code: u64) -> Option<Self> {
        [HitKind::Offer, HitKind::Project, HitKind::Partner]
            .into_iter()
            .find(|k| k.code() == code)
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "offer" => Some(HitKind::Offer),
            "project" => Some(HitKind::Project),
            "partner" => Some(HitKind::Partner),
            _ => None,
        }
    }
}

impl std::str::FromStr for HitKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        HitKind::parse(text).ok_or_else(|| {
            format!("unknown value `{text}`; expected one of: offer, project, partner")
        })
    }
}

/// A ranked match, before highlighting.
#[derive(Debug, Clone, Copy)]
pub struct Ranked {
    pub kind: HitKind,
    pub id: Uuid,
    pub score: f32,
    address: tantivy::DocAddress,
}

/// One ranked hit, highlighted.
#[derive(Debug, Clone)]
pub struct Hit {
    pub kind: HitKind,
    pub id: Uuid,
    pub slug: String,
    pub score: f32,
    /// Title with matched terms in `<b>…</b>` (HTML-escaped otherwise).
    pub title_html: String,
    /// A passage of the text with matched terms in `<b>…</b>`.
    pub snippet_html: String,
}

#[derive(Clone, Copy)]
struct Fields {
    kind: Field,
    id: Field,
    /// Kind code and the id's two halves as fast fields: ranking reads
    /// these columns instead of decompressing stored documents, which took
    /// 57% of a search's CPU (perf, 20,000 offers).
    kind_code: Field,
    id_hi: Field,
    id_lo: Field,
    slug: Field,
    title_de: Field,
    title_en: Field,
    text_de: Field,
    text_en: Field,
}

/// The data's generation: the newest `seq` of the change log (`None` while
/// it is empty).
type DataVersion = Option<i64>;

struct Freshness {
    version: Option<DataVersion>,
    checked: Option<Instant>,
    /// The matching corpus of `version`; built with the index, because both
    /// are views of the same data and go stale together.
    corpus: Option<Arc<MatchCorpus>>,
}

/// The search index.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    refresh_interval: Duration,
    /// Where the index is kept, if not in memory.
    dir: Option<std::path::PathBuf>,
    freshness: Mutex<Freshness>,
    /// Counts the data versions seen: response caches key on it.
    generation: AtomicU64,
    /// When the data version was last checked, in ms since `born` (`u64::MAX`:
    /// never): lets [`SearchIndex::generation`] skip the lock while recent.
    checked_ms: AtomicU64,
    born: Instant,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").finish_non_exhaustive()
    }
}

/// Offers read and indexed per step of a rebuild.
const CHUNK: u64 = 2000;
/// Indexing threads of a rebuild. One: a second thread made the 20,000-offer
/// build only slightly faster but doubled the writer's memory, which the
/// allocator keeps after the build.
const WRITER_THREADS: usize = 1;
/// The writer's memory budget (tantivy's minimum per thread is 15 MB).
const WRITER_MEMORY: usize = 20_000_000;

/// Provider names and topic labels that offers' documents include.
struct Names {
    partners: HashMap<Uuid, (String, Option<String>)>,
    topics: HashMap<Uuid, topic::Model>,
    topics_of: HashMap<Uuid, Vec<Uuid>>,
}

impl Names {
    async fn load<C: ConnectionTrait>(db: &C) -> AppResult<Self> {
        let partners = partner::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, (p.name, p.short_name)))
            .collect();
        let topics = topic::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        let mut topics_of: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for link in offer_topic::Entity::find().all(db).await? {
            topics_of
                .entry(link.offer_id)
                .or_default()
                .push(link.topic_id);
        }
        Ok(Self {
            partners,
            topics,
            topics_of,
        })
    }
}

fn hi(id: Uuid) -> u64 {
    (id.as_u128() >> 64) as u64
}

fn lo(id: Uuid) -> u64 {
    id.as_u128() as u64
}

fn join(parts: &[Option<&str>]) -> String {
    parts
        .iter()
        .flatten()
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs tantivy's blocking work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> tantivy::Result<T> + Send + 'static,
) -> AppResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(internal)?
        .map_err(internal)
}

async fn add_all(
    writer: IndexWriter<TantivyDocument>,
    docs: Vec<TantivyDocument>,
) -> AppResult<IndexWriter<TantivyDocument>> {
    blocking(move || {
        for doc in docs {
            writer.add_document(doc)?;
        }
        Ok(writer)
    })
    .await
}

/// Most hits a search ranks before filters and paging apply.
pub const MAX_HITS: usize = 1000;

fn internal(err: impl std::fmt::Display) -> AppError {
    AppError::Unexpected(anyhow::anyhow!("search index: {err}"))
}

impl SearchIndex {
    /// An empty in-memory index; `refresh_interval` bounds how stale it may be.
    pub fn new(refresh_interval: Duration) -> AppResult<Arc<Self>> {
        Self::open(refresh_interval, None)
    }

    /// An index in `dir` (kept across restarts, so a restart with unchanged
    /// data skips the rebuild), or in memory without one. A directory that
    /// cannot be opened as this index (missing, corrupt, another schema) is
    /// emptied and rebuilt: never fatal.
    pub fn open(refresh_interval: Duration, dir: Option<&std::path::Path>) -> AppResult<Arc<Self>> {
        let mut builder = Schema::builder();
        let text = TextOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(analyzer::GERMAN)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            )
            .set_stored();
        let fields = Fields {
            kind: builder.add_text_field("kind", STRING | STORED),
            id: builder.add_text_field("id", STRING | STORED),
            kind_code: builder.add_u64_field("kind_code", FAST),
            id_hi: builder.add_u64_field("id_hi", FAST),
            id_lo: builder.add_u64_field("id_lo", FAST),
            slug: builder.add_text_field("slug", STORED),
            title_de: builder.add_text_field("title_de", text.clone()),
            title_en: builder.add_text_field("title_en", text.clone()),
            text_de: builder.add_text_field("text_de", text.clone()),
            text_en: builder.add_text_field("text_en", text),
        };
        let schema = builder.build();
        let (index, version) = match dir {
            None => (Index::create_in_ram(schema), None),
            Some(dir) => open_dir(dir, schema)?,
        };
        index
            .tokenizers()
            .register(analyzer::GERMAN, analyzer::german());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(internal)?;
        Ok(Arc::new(Self {
            index,
            reader,
            fields,
            refresh_interval,
            dir: dir.map(std::path::Path::to_path_buf),
            freshness: Mutex::new(Freshness {
                version,
                checked: None,
                corpus: None,
            }),
            generation: AtomicU64::new(0),
            checked_ms: AtomicU64::new(u64::MAX),
            born: Instant::now(),
        }))
    }

    async fn data_version<C: ConnectionTrait>(db: &C) -> AppResult<DataVersion> {
        // One read of the primary key's index; every write logs a change in
        // its own transaction (`service::import::write`), so nothing can
        // change without moving it. Replaced: a poll of row counts and
        // `MAX(updated_at)` of seven tables, which missed meetings,
        // contacts and people (issue 10).
        let sql = "SELECT MAX(seq) FROM changes";
        let row = db
            .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
            .await?
            .ok_or_else(|| internal("no version row"))?;
        Ok(row.try_get_by_index::<Option<i64>>(0)?)
    }

    /// Rebuilds the index if the data changed since the last build (checked at
    /// most once per `refresh_interval`).
    pub async fn ensure_fresh<C: ConnectionTrait>(&self, db: &C) -> AppResult<()> {
        self.fresh(db).await.map(drop)
    }

    /// The matching corpus of the current data (see [`ensure_fresh`](Self::ensure_fresh)).
    pub async fn match_corpus<C: ConnectionTrait>(&self, db: &C) -> AppResult<Arc<MatchCorpus>> {
        self.fresh(db)
            .await?
            .corpus
            .clone()
            .ok_or_else(|| internal("no match corpus"))
    }

    /// A number that changes whenever the indexed data changes (checked at
    /// most once per `refresh_interval`, like the index itself). Within the
    /// interval this is two atomic loads, no lock and no query.
    pub async fn generation<C: ConnectionTrait>(&self, db: &C) -> AppResult<u64> {
        let checked = self.checked_ms.load(Ordering::Acquire);
        let now = self.born.elapsed().as_millis() as u64;
        if checked != u64::MAX
            && now.saturating_sub(checked) < self.refresh_interval.as_millis() as u64
        {
            return Ok(self.generation.load(Ordering::Acquire));
        }
        drop(self.fresh(db).await?);
        Ok(self.generation.load(Ordering::Acquire))
    }

    async fn fresh<C: ConnectionTrait>(
        &self,
        db: &C,
    ) -> AppResult<tokio::sync::MutexGuard<'_, Freshness>> {
        let mut freshness = self.freshness.lock().await;
        if freshness.corpus.is_some()
            && freshness
                .checked
                .is_some_and(|at| at.elapsed() < self.refresh_interval)
        {
            return Ok(freshness);
        }
        let version = Self::data_version(db).await?;
        freshness.checked = Some(Instant::now());
        let index_stale = freshness.version.as_ref() != Some(&version);
        if !index_stale && freshness.corpus.is_some() {
            self.mark_checked();
            return Ok(freshness);
        }
        // The index and the corpus are built side by side: the index's
        // writer works on a blocking thread while the corpus is analysed here.
        let timed = |started: Instant| started.elapsed().as_millis() as u64;
        let index = async {
            let started = Instant::now();
            match index_stale {
                true => self.rebuild(db).await.map(|n| Some((n, timed(started)))),
                false => Ok(None),
            }
        };
        let corpus = async {
            let started = Instant::now();
            MatchCorpus::load(db).await.map(|c| (c, timed(started)))
        };
        let (built, (corpus, corpus_ms)) = tokio::try_join!(index, corpus)?;
        if let Some((documents, elapsed_ms)) = built {
            if let Some(dir) = &self.dir {
                // Best effort: without the file, the next start rebuilds once more.
                if let Ok(text) = serde_json::to_string(&version) {
                    let _ = std::fs::write(dir.join(VERSION_FILE), text);
                }
            }
            tracing::info!(documents, elapsed_ms, "search index built");
        }
        tracing::info!(
            offers = corpus.offers.len(),
            elapsed_ms = corpus_ms,
            "match corpus built"
        );
        freshness.corpus = Some(Arc::new(corpus));
        freshness.version = Some(version);
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.mark_checked();
        Ok(freshness)
    }

    fn mark_checked(&self) {
        let now = self.born.elapsed().as_millis() as u64;
        self.checked_ms.store(now, Ordering::Release);
    }

    /// Reads every indexed record and replaces the index's content.
    ///
    /// Offers are read and handed to the writer in chunks of
    /// [`CHUNK`] (keyset by id), so the rows and documents of all offers
    /// never sit in memory at once: what the allocator keeps after a rebuild
    /// is bounded by a chunk, not by the data.
    async fn rebuild<C: ConnectionTrait>(&self, db: &C) -> AppResult<usize> {
        let index = self.index.clone();
        let mut writer = blocking(move || {
            let writer =
                index.writer_with_num_threads::<TantivyDocument>(WRITER_THREADS, WRITER_MEMORY)?;
            writer.delete_all_documents()?;
            Ok(writer)
        })
        .await?;
        let names = Names::load(db).await?;
        let others = self.other_documents(db).await?;
        let mut count = others.len();
        writer = add_all(writer, others).await?;
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
            let docs: Vec<TantivyDocument> = rows
                .iter()
                .map(|o| self.offer_document(o, &names))
                .collect();
            count += docs.len();
            writer = add_all(writer, docs).await?;
        }
        blocking(move || writer.commit().map(drop)).await?;
        self.reader.reload().map_err(internal)?;
        Ok(count)
    }

    fn offer_document(&self, o: &offer::Model, names: &Names) -> TantivyDocument {
        let f = self.fields;
        let (provider, short) = names
            .partners
            .get(&o.provider_id)
            .cloned()
            .unwrap_or_default();
        let labels: Vec<&topic::Model> = names
            .topics_of
            .get(&o.id)
            .into_iter()
            .flatten()
            .filter_map(|id| names.topics.get(id))
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
        doc!(
            f.kind => "offer",
            f.id => o.id.to_string(),
            f.kind_code => HitKind::Offer.code(),
            f.id_hi => hi(o.id),
            f.id_lo => lo(o.id),
            f.slug => o.slug.clone(),
            f.title_de => o.title_de.clone(),
            f.title_en => o.title_en.clone().unwrap_or_default(),
            f.text_de => join(&[Some(&o.summary_de), o.description_de.as_deref(), Some(&provider), short.as_deref(), o.provider_note.as_deref(), Some(&labels_de)]),
            f.text_en => join(&[o.summary_en.as_deref(), o.description_en.as_deref(), Some(&labels_en)]),
        )
    }

    /// Documents of projects and partners (few: read at once).
    async fn other_documents<C: ConnectionTrait>(&self, db: &C) -> AppResult<Vec<TantivyDocument>> {
        let f = self.fields;
        let mut docs = Vec::new();
        for p in project::Entity::find().all(db).await? {
            docs.push(doc!(
                f.kind => "project",
                f.id => p.id.to_string(),
                f.kind_code => HitKind::Project.code(),
                f.id_hi => hi(p.id),
                f.id_lo => lo(p.id),
                f.slug => p.slug.clone(),
                f.title_de => p.name.clone(),
                f.title_en => p.name_en.clone().unwrap_or_default(),
                f.text_de => join(&[Some(&p.summary_de), p.description_de.as_deref()]),
                f.text_en => join(&[p.summary_en.as_deref(), p.description_en.as_deref()]),
            ));
        }
        for p in partner::Entity::find().all(db).await? {
            docs.push(doc!(
                f.kind => "partner",
                f.id => p.id.to_string(),
                f.kind_code => HitKind::Partner.code(),
                f.id_hi => hi(p.id),
                f.id_lo => lo(p.id),
                f.slug => p.slug.clone(),
                f.title_de => join(&[Some(&p.name), p.short_name.as_deref()]),
                f.title_en => p.name_en.clone().unwrap_or_default(),
                f.text_de => p.description_de.clone().unwrap_or_default(),
                f.text_en => p.description_en.clone().unwrap_or_default(),
            ));
        }
        Ok(docs)
    }

    /// The query for `text`: every analyzed term may match exactly (titles
    /// weigh more) or, for terms of 5 or more letters, within one edit.
    fn query(&self, text: &str) -> Option<Box<dyn Query>> {
        let f = self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for term in analyzer::terms(text) {
            for (field, boost) in [
                (f.title_de, 3.0),
                (f.title_en, 2.0),
                (f.text_de, 1.0),
                (f.text_en, 0.7),
            ] {
                let t = Term::from_field_text(field, &term);
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(TermQuery::new(t.clone(), IndexRecordOption::WithFreqs)),
                        boost,
                    )),
                ));
                if term.chars().count() >= 5 {
                    clauses.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(
                            Box::new(FuzzyTermQuery::new(t, 1, true)),
                            boost * 0.3,
                        )),
                    ));
                }
            }
        }
        if clauses.is_empty() {
            None
        } else {
            Some(Box::new(BooleanQuery::new(clauses)))
        }
    }

    /// The query for `text`, restricted to `kinds` (all if empty).
    fn kinds_query(&self, text: &str, kinds: &[HitKind]) -> Option<Box<dyn Query>> {
        let query = self.query(text)?;
        if kinds.is_empty() {
            return Some(query);
        }
        let kind_clauses = kinds
            .iter()
            .map(|k| {
                let q: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(self.fields.kind, k.as_str()),
                    IndexRecordOption::Basic,
                ));
                (Occur::Should, q)
            })
            .collect();
        Some(Box::new(BooleanQuery::new(vec![
            (Occur::Must, query),
            (Occur::Must, Box::new(BooleanQuery::new(kind_clauses))),
        ])))
    }

    /// Ranks up to `limit` matches (kind, id, score, where), best first,
    /// reading only the kind and id of each: cheap enough for list filters.
    fn rank(&self, text: &str, kinds: &[HitKind], limit: usize) -> AppResult<Vec<Ranked>> {
        let Some(query) = self.kinds_query(text, kinds) else {
            return Ok(Vec::new());
        };
        let searcher = self.reader.searcher();
        let top = searcher
            .search(&query, &TopDocs::with_limit(limit).order_by_score())
            .map_err(internal)?;
        // The three columns of each segment, opened once per search.
        let mut columns: HashMap<u32, [tantivy::columnar::Column<u64>; 3]> = HashMap::new();
        let mut ranked = Vec::with_capacity(top.len());
        for (score, address) in top {
            let cols = match columns.entry(address.segment_ord) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    let fast = searcher.segment_reader(address.segment_ord).fast_fields();
                    e.insert([
                        fast.u64("kind_code").map_err(internal)?,
                        fast.u64("id_hi").map_err(internal)?,
                        fast.u64("id_lo").map_err(internal)?,
                    ])
                }
            };
            let [kind, hi, lo] = cols.each_ref().map(|c| c.first(address.doc_id));
            if let (Some(kind), Some(hi), Some(lo)) = (kind.and_then(HitKind::from_code), hi, lo) {
                ranked.push(Ranked {
                    kind,
                    id: Uuid::from_u128((u128::from(hi) << 64) | u128::from(lo)),
                    score,
                    address,
                });
            }
        }
        Ok(ranked)
    }

    /// Ranks up to `limit` hits of the given kinds (all kinds if empty);
    /// highlights are made by [`SearchIndex::highlight`] for the page shown.
    pub fn search(&self, text: &str, kinds: &[HitKind], limit: usize) -> AppResult<Vec<Ranked>> {
        self.rank(text, kinds, limit)
    }

    /// Slugs, titles and snippets (with `<b>` marks) of `hits`, in `lang`.
    pub fn highlight(
        &self,
        text: &str,
        kinds: &[HitKind],
        hits: &[Ranked],
        lang: Lang,
    ) -> AppResult<Vec<Hit>> {
        let Some(query) = self.kinds_query(text, kinds) else {
            return Ok(Vec::new());
        };
        let f = self.fields;
        let searcher = self.reader.searcher();
        let (title_field, text_field) = match lang {
            Lang::De => (f.title_de, f.text_de),
            Lang::En => (f.title_en, f.text_en),
        };
        let mut titles =
            SnippetGenerator::create(&searcher, &*query, title_field).map_err(internal)?;
        titles.set_max_num_chars(300);
        let mut texts =
            SnippetGenerator::create(&searcher, &*query, text_field).map_err(internal)?;
        texts.set_max_num_chars(200);
        let mut out = Vec::with_capacity(hits.len());
        for hit in hits {
            let doc: TantivyDocument = searcher.doc(hit.address).map_err(internal)?;
            let text = |field: Field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            let mut title_html = titles.snippet_from_doc(&doc).to_html();
            if title_html.is_empty() {
                // No English title, or no match in it: show the German one.
                title_html = html_escape(&text(f.title_de));
            }
            out.push(Hit {
                kind: hit.kind,
                id: hit.id,
                slug: text(f.slug),
                score: hit.score,
                title_html,
                snippet_html: texts.snippet_from_doc(&doc).to_html(),
            });
        }
        Ok(out)
    }

    /// Ids of the records of `kind` matching `text`, best first (for `q` on lists).
    pub fn ids(&self, text: &str, kind: HitKind) -> AppResult<Vec<Uuid>> {
        Ok(self
            .rank(text, &[kind], MAX_HITS)?
            .into_iter()
            .map(|h| h.id)
            .collect())
    }
}

/// The data version the index in a directory was built from.
const VERSION_FILE: &str = "lotse-data-version.json";

/// Opens the index in `dir` with its recorded data version, or empties the
/// directory and creates a fresh index when that fails.
fn open_dir(dir: &std::path::Path, schema: Schema) -> AppResult<(Index, Option<DataVersion>)> {
    std::fs::create_dir_all(dir).map_err(internal)?;
    let opened = tantivy::directory::MmapDirectory::open(dir)
        .ok()
        .and_then(|d| Index::open(d).ok())
        .filter(|index| index.schema() == schema)
        .filter(|index| index.load_metas().is_ok());
    if let Some(index) = opened {
        let version = std::fs::read_to_string(dir.join(VERSION_FILE))
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok());
        return Ok((index, version));
    }
    tracing::warn!(dir = %dir.display(), "search index directory unusable; rebuilding it");
    for entry in std::fs::read_dir(dir).map_err(internal)?.flatten() {
        let path = entry.path();
        let _ = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
    }
    let directory = tantivy::directory::MmapDirectory::open(dir).map_err(internal)?;
    Ok((
        Index::create(directory, schema, Default::default()).map_err(internal)?,
        None,
    ))
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
