//! `/offers/{key}`: one offer as a page for people (the finder links
//! here): what it is, for whom, where, what it costs, until when, who
//! provides it and where to apply, with a link to the same record in the
//! API. The record is `GET /api/v1/offers/{key}`'s
//! ([`crate::service::resource::get`]); 404 (an error page) for a key no
//! offer has.
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::Frame;
use super::words::{cost_label, day, group_label, kind_label};
use crate::dto::Offer;
use crate::error::AppResult;
use crate::service::offers::Offers;
use crate::state::AppState;
use crate::vocab::Lang;

#[derive(Template)]
#[template(path = "offer.html")]
struct OfferPage {
    frame: Frame,
    offer: Offer,
    kind: String,
    cost: &'static str,
    groups: Vec<&'static str>,
    from: Option<String>,
    until: Option<String>,
    deadline: Option<String>,
    /// Whether it is open today (started, not ended, deadline not passed).
    open: bool,
}

/// `GET /offers/{key}?lang=…`: the page of the offer with this id or slug.
pub async fn page(
    state: web::Data<AppState>,
    key: web::Path<String>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let lang = super::lang(&req);
    let en = lang == Lang::En;
    let ctx = state.ctx(&req, Some(lang));
    let offer = crate::service::resource::get::<Offers, _>(&state.reader, &key, &ctx).await?;
    let today = chrono::Utc::now().date_naive();
    let open = offer.valid_from.is_none_or(|d| d <= today)
        && offer.valid_until.is_none_or(|d| d >= today)
        && offer.application_deadline.is_none_or(|d| d >= today);
    let body = super::render(&OfferPage {
        frame: Frame::new(&req, lang),
        kind: kind_label(offer.kind.as_str(), en)
            .unwrap_or(offer.kind.as_str())
            .to_owned(),
        cost: cost_label(offer.cost, en),
        groups: offer
            .target_groups
            .iter()
            .map(|g| group_label(*g, en))
            .collect(),
        from: offer.valid_from.map(|d| day(d, en)),
        until: offer.valid_until.map(|d| day(d, en)),
        deadline: offer.application_deadline.map(|d| day(d, en)),
        open,
        offer,
    })?;
    Ok(super::html(lang, body))
}
