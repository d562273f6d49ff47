//! Full-text search over offers, projects and partners (tantivy).
//!
//! This module is the index only: it stores [`Document`]s and ranks and
//! highlights them. It reads no table; the query layer
//! (`service::store`) turns records into documents and rebuilds the index
//! when the data's generation moves. The index lives in memory (or in
//! `--index-dir`), so SQLite and PostgreSQL give the same results from the
//! same data. We chose a real search library over `LIKE` scans for stemming,
//! folding, typo tolerance and relevance ranking (ARCHITECTURE.md decision 9).

pub mod analyzer;

use std::collections::HashMap;

use tantivy::collector::TopDocs;
use tantivy::query::{
    BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term, doc};
use uuid::Uuid;

use crate::dto::HitKind;
use crate::error::{AppError, AppResult};
use crate::vocab::Lang;

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

/// The data version an index was built from: the change log's newest `seq`
/// (`None` while the log is empty).
pub type DataVersion = Option<i64>;

/// The search index.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    /// Where the index is kept, if not in memory.
    dir: Option<std::path::PathBuf>,
    /// The data version a kept index was built from (read from `dir`).
    stored_version: Option<DataVersion>,
}

/// One record as the index sees it: plain text, built by the query layer.
#[derive(Debug, Clone)]
pub struct Document {
    pub kind: HitKind,
    pub id: Uuid,
    pub slug: String,
    /// Title (offer title, project or partner name), weighted highest.
    pub title_de: String,
    pub title_en: String,
    /// Everything else that should be found: summaries, descriptions,
    /// provider names, topic labels; lines joined with `\n`.
    pub text_de: String,
    pub text_en: String,
}

/// A rebuild in progress: documents are added in chunks, so the documents
/// of all records never sit in memory at once; [`Rebuild::commit`] replaces
/// the index's content.
pub struct Rebuild<'a> {
    index: &'a SearchIndex,
    /// Moved to a blocking thread and back by each step; `None` only
    /// after a step failed.
    writer: Option<IndexWriter<TantivyDocument>>,
    count: usize,
}

impl Rebuild<'_> {
    /// Adds one chunk of documents.
    pub async fn add(&mut self, docs: Vec<Document>) -> AppResult<()> {
        self.count += docs.len();
        let docs: Vec<TantivyDocument> = docs.iter().map(|d| self.index.tantivy(d)).collect();
        let writer = self
            .writer
            .take()
            .ok_or_else(|| internal("rebuild failed"))?;
        self.writer = Some(
            blocking(move || {
                for doc in docs {
                    writer.add_document(doc)?;
                }
                Ok(writer)
            })
            .await?,
        );
        Ok(())
    }

    /// Commits the documents as the index of data version `version`; returns
    /// how many there are.
    pub async fn commit(self, version: DataVersion) -> AppResult<usize> {
        let mut writer = self.writer.ok_or_else(|| internal("rebuild failed"))?;
        blocking(move || writer.commit().map(drop)).await?;
        self.index.reader.reload().map_err(internal)?;
        self.index.keep_version(version);
        Ok(self.count)
    }
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").finish_non_exhaustive()
    }
}

/// Indexing threads of a rebuild. One: a second thread made the 20,000-offer
/// build only slightly faster but doubled the writer's memory, which the
/// allocator keeps after the build.
const WRITER_THREADS: usize = 1;
/// The writer's memory budget (tantivy's minimum per thread is 15 MB).
const WRITER_MEMORY: usize = 20_000_000;

fn hi(id: Uuid) -> u64 {
    (id.as_u128() >> 64) as u64
}

fn lo(id: Uuid) -> u64 {
    id.as_u128() as u64
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

/// Most hits a search ranks before filters and paging apply.
pub const MAX_HITS: usize = 1000;

/// How much more a record holding every term of the query scores (see
/// `Index::query`); tuned on the judged set (`tests/judged/queries.json`).
const ALL_TERMS_BOOST: f32 = 1.0;

/// How much a pair of query words side by side in a field adds, per weight
/// of the field (see `Index::query`).
const PHRASE_BOOST: f32 = 1.0;

fn internal(err: impl std::fmt::Display) -> AppError {
    AppError::Unexpected(anyhow::anyhow!("search index: {err}"))
}

impl SearchIndex {
    /// An empty in-memory index.
    pub fn new() -> AppResult<Self> {
        Self::open(None)
    }

    /// An index in `dir` (kept across restarts, so a restart with unchanged
    /// data skips the rebuild), or in memory without one. A directory that
    /// cannot be opened as this index (missing, corrupt, another schema) is
    /// emptied and rebuilt: never fatal.
    pub fn open(dir: Option<&std::path::Path>) -> AppResult<Self> {
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
        Ok(Self {
            index,
            reader,
            fields,
            dir: dir.map(std::path::Path::to_path_buf),
            stored_version: version,
        })
    }

    /// The data version a kept index (in `--index-dir`) was built from, if
    /// it was opened from one; `None` for a new or in-memory index.
    pub fn stored_version(&self) -> Option<DataVersion> {
        self.stored_version
    }

    /// Brings the index to data version `version` in place: removes the
    /// documents of the records `remove` (by id) and adds `add` (the
    /// current documents of those that still exist), in one commit, then
    /// lets tantivy merge the segments this leaves. Returns how many
    /// documents were added. For a few changed records this costs
    /// milliseconds where a rebuild reads every record (seconds on 20,000
    /// offers).
    pub async fn update(
        &self,
        remove: Vec<Uuid>,
        add: Vec<Document>,
        version: DataVersion,
    ) -> AppResult<usize> {
        let index = self.index.clone();
        let id = self.fields.id;
        let docs: Vec<TantivyDocument> = add.iter().map(|d| self.tantivy(d)).collect();
        let count = docs.len();
        blocking(move || {
            let mut writer =
                index.writer_with_num_threads::<TantivyDocument>(WRITER_THREADS, WRITER_MEMORY)?;
            // Deletes apply to what was added before them: the new
            // documents below survive their own record's delete.
            for record in remove {
                writer.delete_term(Term::from_field_text(id, &record.to_string()));
            }
            for doc in docs {
                writer.add_document(doc)?;
            }
            writer.commit()?;
            writer.wait_merging_threads()
        })
        .await?;
        self.reader.reload().map_err(internal)?;
        self.keep_version(version);
        Ok(count)
    }

    /// Notes the data version of a kept index (best effort: without the
    /// file, the next start rebuilds once more).
    fn keep_version(&self, version: DataVersion) {
        if let Some(dir) = &self.dir
            && let Ok(text) = serde_json::to_string(&version)
        {
            let _ = std::fs::write(dir.join(VERSION_FILE), text);
        }
    }

    /// Starts replacing the index's content.
    pub async fn rebuild(&self) -> AppResult<Rebuild<'_>> {
        let index = self.index.clone();
        let writer = blocking(move || {
            let writer =
                index.writer_with_num_threads::<TantivyDocument>(WRITER_THREADS, WRITER_MEMORY)?;
            writer.delete_all_documents()?;
            Ok(writer)
        })
        .await?;
        Ok(Rebuild {
            index: self,
            writer: Some(writer),
            count: 0,
        })
    }

    fn tantivy(&self, d: &Document) -> TantivyDocument {
        let f = self.fields;
        doc!(
            f.kind => d.kind.as_str(),
            f.id => d.id.to_string(),
            f.kind_code => d.kind.code(),
            f.id_hi => hi(d.id),
            f.id_lo => lo(d.id),
            f.slug => d.slug.clone(),
            f.title_de => d.title_de.clone(),
            f.title_en => d.title_en.clone(),
            f.text_de => d.text_de.clone(),
            f.text_en => d.text_en.clone(),
        )
    }

    /// The query for `text`: every analyzed term may match exactly (titles
    /// weigh more) or, for terms of 5 or more letters, within one edit. A
    /// record that holds every term of a query of several terms scores
    /// [`ALL_TERMS_BOOST`] times more: a title holding one term often ("it's
    /// OWL" for "IT-Sicherheit") must not outrank a text holding them all.
    /// Rejected: requiring every term (`AND`), which loses the records that
    /// hold all but an inflected or misspelt one.
    ///
    /// Two neighbouring words of the query that stand side by side in a
    /// title or text ("IT-Sicherheit", "Künstliche Intelligenz") add
    /// [`PHRASE_BOOST`].
    fn query(&self, text: &str) -> Option<Box<dyn Query>> {
        let positioned = analyzer::positioned_terms(text);
        let terms: Vec<Box<dyn Query>> = positioned
            .iter()
            .map(|(_, term)| self.term_query(term, true))
            .collect();
        if terms.len() < 2 {
            return terms.into_iter().next();
        }
        // Exact terms only: the fuzzy automata cost more than the rest of
        // the query (bench/RESULTS.md), and a record holding every word
        // misspelt is rare.
        let all = BooleanQuery::new(
            positioned
                .iter()
                .map(|(_, term)| (Occur::Must, self.term_query(term, false)))
                .collect(),
        );
        let f = self.fields;
        let phrases = positioned.windows(2).flat_map(|pair| {
            let ((p1, t1), (p2, t2)) = (&pair[0], &pair[1]);
            [(f.title_de, 3.0), (f.text_de, 1.0)].map(|(field, boost)| {
                let phrase = PhraseQuery::new_with_offset(vec![
                    (0, Term::from_field_text(field, t1)),
                    (p2.saturating_sub(*p1), Term::from_field_text(field, t2)),
                ]);
                let q: Box<dyn Query> =
                    Box::new(BoostQuery::new(Box::new(phrase), boost * PHRASE_BOOST));
                (Occur::Should, q)
            })
        });
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            terms.into_iter().map(|q| (Occur::Should, q)).collect();
        clauses.extend(phrases);
        clauses.push((
            Occur::Should,
            Box::new(BoostQuery::new(Box::new(all), ALL_TERMS_BOOST)),
        ));
        Some(Box::new(BooleanQuery::new(clauses)))
    }

    /// One analyzed term in any text field, exactly or (5+ letters, if
    /// `fuzzy`) within one edit, weighted by field.
    fn term_query(&self, term: &str, fuzzy: bool) -> Box<dyn Query> {
        let f = self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, boost) in [
            (f.title_de, 3.0),
            (f.title_en, 2.0),
            (f.text_de, 1.0),
            (f.text_en, 0.7),
        ] {
            let t = Term::from_field_text(field, term);
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(t.clone(), IndexRecordOption::WithFreqs)),
                    boost,
                )),
            ));
            if fuzzy && term.chars().count() >= 5 {
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(FuzzyTermQuery::new(t, 1, true)),
                        boost * 0.3,
                    )),
                ));
            }
        }
        Box::new(BooleanQuery::new(clauses))
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
        // Equal scores in id order, not in the order the records were
        // indexed: a record re-indexed after a write lands in a newer
        // segment, and the same data must rank the same however it was built.
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
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
            let title = text(title_field);
            let mut title_html = whole_html(title.trim(), &titles.snippet_from_doc(&doc));
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

    /// Ids of every record of `kind` matching `text`, best first (for `q`
    /// on lists, totals and stats). Not capped at [`MAX_HITS`]: `q` is a
    /// filter there, and a cap made `q` with another filter miss matches
    /// ranked below the first thousand.
    pub fn ids(&self, text: &str, kind: HitKind) -> AppResult<Vec<Uuid>> {
        let every = usize::try_from(self.reader.searcher().num_docs()).unwrap_or(MAX_HITS);
        Ok(self
            .rank(text, &[kind], every.max(1))?
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

/// `text` (the whole title) as HTML with the snippet's highlights: a snippet
/// alone is the fragment from the first to the last matching word, which
/// cuts a title's start and its closing punctuation ("… (TBS NRW").
fn whole_html(text: &str, snippet: &tantivy::snippet::Snippet) -> String {
    if snippet.is_empty() {
        return String::new();
    }
    let offset = snippet.fragment_range().start;
    let mut html = String::with_capacity(text.len() + 16);
    let mut done = 0;
    let mut ranges: Vec<_> = snippet.highlighted().to_vec();
    ranges.sort_by_key(|r| r.start);
    for range in ranges {
        let (start, end) = (range.start + offset, range.end + offset);
        let (Some(before), Some(word)) = (text.get(done..start), text.get(start..end)) else {
            continue; // overlapping or outside the text: skip rather than cut a character
        };
        html.push_str(&html_escape(before));
        html.push_str("<b>");
        html.push_str(&html_escape(word));
        html.push_str("</b>");
        done = end;
    }
    html.push_str(&html_escape(text.get(done..).unwrap_or_default()));
    html
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
