//! `/api/v1/partners`
use super::{collection, tags};
use crate::dto::{Partner, PartnerPage};
use crate::service::partners::{PartnerFilter, Partners};

collection! {
    resource: Partners,
    page: PartnerPage,
    item: Partner,
    tag: tags::PARTNERS,
    path: "/partners",
    item_path: "/partners/{key}",
    filter: [PartnerFilter],
    /// List partners: ministries, unions, chambers, universities, companies …
    ///
    /// Each partner embeds its home region, organisational contacts and the office
    /// holders named in the sources. `region` follows the region hierarchy.
    ///
    /// Sort fields: `name` (default), `created_at`, `updated_at`.
    list: list_partners,
    list_ok: "One page of partners.",
    /// Get one partner by id or slug.
    get: get_partner,
    item_ok: "The partner.",
    key: "The partner's id (UUID) or slug.",
    example: "mags",
    not_found: "No partner has this id or slug.",
}
