//! `/` for browsers: what Lotse is and for whom, live counts, the latest
//! changes, where to go next, and examples that work against this instance.
use actix_web::HttpResponse;
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
pub async fn page(state: &AppState, ctx: &Ctx, overview: Overview) -> AppResult<HttpResponse> {
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
        .map(|c| line(&state.base_url, c))
        .collect();
    let frame = Frame {
        lang: ctx.lang.as_str(),
        path: "/",
        license: overview.license.clone(),
        attribution: overview.attribution.clone(),
    };
    let body = super::render(&Home {
        frame,
        base: &state.base_url,
        overview: &overview,
        counts,
        changes,
    })?;
    Ok(super::html(ctx.lang, body))
}

fn line(base: &str, change: RecentChange) -> Line {
    let deleted = change.op == ChangeOp::Delete;
    Line {
        when: change.changed_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        label: change.label.unwrap_or_else(|| change.id.to_string()),
        href: (!deleted).then(|| format!("{base}/api/v1/{}/{}", change.collection, change.id)),
        collection: change.collection,
        deleted,
    }
}
