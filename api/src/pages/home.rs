//! `/` for browsers: what Lotse is and for whom, live counts, the latest
//! changes, where to go next, and examples that work against this instance.
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use super::Frame;
use crate::dto::{ChangeOp, Overview};
use crate::error::AppResult;
use crate::service::Ctx;
use crate::service::changes::{self, RecentChange};
use crate::state::AppState;
use crate::vocab::Lang;

/// Changes listed on the page.
const LATEST: u64 = 10;

/// One collection's line in the counts table.
struct Count {
    collection: &'static str,
    title: &'static str,
    count: u64,
}

/// One line of the latest changes.
struct Line {
    when: String,
    /// `when` as RFC 3339, for the `<time>` element's `datetime`.
    datetime: String,
    collection: String,
    label: String,
    /// The record's URL, for a record that still exists.
    href: Option<String>,
    deleted: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home<'a> {
    frame: Frame,
    base: &'a str,
    overview: &'a Overview,
    counts: Vec<Count>,
    changes: Vec<Line>,
}

/// The page, from the root's `overview` and the change log.
pub async fn page(
    state: &AppState,
    req: &HttpRequest,
    ctx: &Ctx,
    overview: Overview,
) -> AppResult<HttpResponse> {
    let en = ctx.lang == Lang::En;
    let counts_json = serde_json::to_value(&overview.counts).unwrap_or_default();
    let counts = crate::publish::DATASETS
        .iter()
        .map(|d| Count {
            collection: d.collection,
            title: if en { d.title.1 } else { d.title.0 },
            count: counts_json
                .get(d.collection)
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0),
        })
        .collect();
    let changes = changes::latest(&state.reader, LATEST, ctx.lang)
        .await?
        .into_iter()
        .map(|c| line(&state.base_url, c, ctx.lang))
        .collect();
    let frame = Frame::new(req, ctx.lang);
    let body = super::render(&Home {
        frame,
        base: &state.base_url,
        overview: &overview,
        counts,
        changes,
    })?;
    Ok(super::html(ctx.lang, body))
}

/// A change as the page lists it: the collection by its title, an offer
/// linked to its page, any other record to its API item.
fn line(base: &str, change: RecentChange, lang: Lang) -> Line {
    let deleted = change.op == ChangeOp::Delete;
    let href = match change.collection.as_str() {
        _ if deleted => None,
        "offers" => Some(format!("/offers/{}?lang={}", change.id, lang.as_str())),
        collection => Some(format!("{base}/api/v1/{collection}/{}", change.id)),
    };
    let collection = crate::publish::DATASETS
        .iter()
        .find(|d| d.collection == change.collection)
        .map_or(change.collection.clone(), |d| {
            lang.pick(d.title.0, Some(d.title.1)).to_owned()
        });
    Line {
        when: change.changed_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        datetime: change
            .changed_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        label: change.label.unwrap_or_else(|| change.id.to_string()),
        href,
        collection,
        deleted,
    }
}
