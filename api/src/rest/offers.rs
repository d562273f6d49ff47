//! `/api/v1/offers`
use super::{collection, tags};
use crate::dto::{Offer, OfferPage};
use crate::service::offers::{OfferFilter, Offers};

collection! {
    resource: Offers,
    page: OfferPage,
    item: Offer,
    tag: tags::OFFERS,
    path: "/offers",
    item_path: "/offers/{key}",
    filter: [OfferFilter],
    /// List transfer and support offers.
    ///
    /// Each offer embeds its provider, project, topics and regions, so one request
    /// fills a portal page. Filters combine with AND; comma-separated values within
    /// one filter mean "any of". `region` follows the hierarchy: asking for
    /// Bielefeld (`05711`) also finds offers for OWL, the Regierungsbezirk Detmold,
    /// all of NRW and Germany, and asking for a region also finds offers for places
    /// inside it. `topic` includes narrower topics.
    ///
    /// Sort fields: `title` (default), `created_at`, `updated_at`; prefix `-` for
    /// descending. For incremental sync use `updated_since` with `sort=updated_at`.
    list: list_offers,
    list_ok: "One page of offers; `Link: <…>; rel=\"next\"` points to the next page.",
    /// Get one offer by id or slug.
    get: get_offer,
    item_ok: "The offer.",
    key: "The offer's id (UUID) or slug.",
    example: "tbs-beratung",
    not_found: "No offer has this id or slug.",
}
