//! Bulk downloads: a whole collection (or what a filter keeps) as one CSV,
//! NDJSON or JSON file, streamed.
//!
//! The records are read page by page with the API's own keyset paging
//! ([`resource::list`], pages of [`PAGE`] records), rendered and sent before
//! the next page is read, so the server holds one page however large the
//! collection: memory stays flat (`bench/RESULTS.md`). The pages come from
//! the request's snapshot, so every record is written once even while the
//! data changes. They are the same records, with the same values and
//! language rules, as `GET /api/v1/{collection}`.
//!
//! Rejected: building the file in memory and caching it (a 20,000-offer CSV
//! is tens of megabytes per language and filter), and files written by a
//! nightly job (stale between runs, and one more thing to operate).
use std::sync::Arc;

use actix_web::web::Bytes;
use futures_util::Stream;
use sea_orm::DatabaseConnection;

use super::table::{self, Column};
use crate::error::{AppError, AppResult};
use crate::service::Ctx;
use crate::service::page::{Cursor, PageRequest, Sort};
use crate::service::resource::{self, Resource};

/// Records read and written per step.
pub const PAGE: u64 = 500;

/// The file formats of a download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// RFC 4180 CSV, UTF-8, with a header row (see [`table`]).
    Csv,
    /// Newline-delimited JSON: one record per line.
    NdJson,
    /// One JSON array of the records.
    Json,
}

impl FileFormat {
    /// Every format, in the order the catalogue lists them.
    pub const ALL: [FileFormat; 3] = [FileFormat::Csv, FileFormat::NdJson, FileFormat::Json];

    /// The file extension, e.g. `csv`.
    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Csv => "csv",
            FileFormat::NdJson => "ndjson",
            FileFormat::Json => "json",
        }
    }

    /// The format of an extension, if it is one of ours.
    pub fn of_extension(extension: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.extension() == extension)
    }

    /// The `Content-Type` (RFC 4180 §3's `header` parameter for CSV).
    pub fn content_type(self) -> &'static str {
        match self {
            FileFormat::Csv => "text/csv; charset=utf-8; header=present",
            FileFormat::NdJson => "application/x-ndjson",
            FileFormat::Json => "application/json",
        }
    }
}

/// What one download reads: the collection's filter and order, in the
/// request's language and snapshot.
pub struct Job<R: Resource> {
    /// The connection pool.
    pub db: DatabaseConnection,
    /// Which records.
    pub filter: R::Filter,
    /// In which order.
    pub sort: Sort<R::Entity>,
    /// Language, base URL and snapshot.
    pub ctx: Ctx,
    /// The CSV columns of `R::Item`.
    pub columns: Arc<[Column]>,
}

/// Where a download stands between two pages.
enum Step {
    /// Pages written; the next starts after this cursor.
    After(Cursor),
    /// Everything written.
    Done,
}

/// The file as a stream of chunks, one per page (the header row or `[`
/// with the first). The first page is read here, before the answer
/// starts, so a filter the collection refuses is an error the caller can
/// answer with a problem. A failure after that ends the stream with the
/// error, which cuts the response off: a client sees a broken transfer,
/// never a file that looks complete.
///
/// Errors: those of [`resource::list`] for the first page.
pub async fn stream<R>(
    job: Job<R>,
    format: FileFormat,
) -> AppResult<impl Stream<Item = AppResult<Bytes>> + 'static>
where
    R: Resource<Filter: 'static>,
{
    let job = Arc::new(job);
    let (first, next) = page(&job, None, true, format).await?;
    let rest = futures_util::stream::unfold(next, move |step| {
        let job = job.clone();
        async move {
            let Step::After(cursor) = step else {
                return None;
            };
            match page(&job, Some(cursor), false, format).await {
                Ok((bytes, next)) => Some((Ok(bytes), next)),
                Err(err) => Some((Err(err), Step::Done)),
            }
        }
    });
    Ok(futures_util::StreamExt::chain(
        futures_util::stream::once(std::future::ready(Ok(first))),
        rest,
    ))
}

/// One page rendered, and where the next starts.
async fn page<R: Resource>(
    job: &Job<R>,
    after: Option<Cursor>,
    first: bool,
    format: FileFormat,
) -> AppResult<(Bytes, Step)> {
    let request = PageRequest {
        limit: PAGE,
        after,
        ..PageRequest::default()
    };
    let listing =
        resource::list::<R, _>(&job.db, &job.filter, &job.sort, &request, &job.ctx).await?;
    let next = match listing.next_cursor.as_deref().and_then(Cursor::decode) {
        Some(cursor) => Step::After(cursor),
        None => Step::Done,
    };
    let last = matches!(next, Step::Done);
    let bytes = render(&listing.items, &job.columns, format, first, last)?;
    Ok((Bytes::from(bytes), next))
}

/// `items` in `format`; `first` and `last` say whether they open or close
/// the file (header row, brackets).
///
/// Errors: [`AppError::Unexpected`] if a record does not serialise.
pub fn render<T: serde::Serialize>(
    items: &[T],
    columns: &[Column],
    format: FileFormat,
    first: bool,
    last: bool,
) -> AppResult<Vec<u8>> {
    let unexpected = |e: serde_json::Error| AppError::Unexpected(e.into());
    let mut out = Vec::with_capacity(items.len() * 1024 + 64);
    match format {
        FileFormat::Csv => {
            let mut writer = csv::WriterBuilder::new()
                // RFC 4180 §2: lines end in CRLF.
                .terminator(csv::Terminator::CRLF)
                .from_writer(&mut out);
            let csv_error = |e: csv::Error| AppError::Unexpected(e.into());
            if first {
                writer
                    .write_record(columns.iter().map(|c| c.name.as_str()))
                    .map_err(csv_error)?;
            }
            for item in items {
                let value = serde_json::to_value(item).map_err(unexpected)?;
                writer
                    .write_record(table::row(&value, columns))
                    .map_err(csv_error)?;
            }
            writer.flush().map_err(|e| AppError::Unexpected(e.into()))?;
        }
        FileFormat::NdJson => {
            for item in items {
                serde_json::to_writer(&mut out, item).map_err(unexpected)?;
                out.push(b'\n');
            }
        }
        FileFormat::Json => {
            if first {
                out.push(b'[');
            }
            for (i, item) in items.iter().enumerate() {
                if !(first && i == 0) {
                    out.push(b',');
                }
                out.push(b'\n');
                serde_json::to_writer(&mut out, item).map_err(unexpected)?;
            }
            if last {
                out.extend_from_slice(b"\n]\n");
            }
        }
    }
    Ok(out)
}
