//! `/api/v1/regions`
use super::{collection, tags};
use crate::dto::{Region, RegionPage};
use crate::service::regions::{RegionFilter, Regions};

collection! {
    resource: Regions,
    page: RegionPage,
    item: Region,
    tag: tags::REGIONS,
    path: "/regions",
    item_path: "/regions/{key}",
    filter: [RegionFilter],
    /// List regions: Germany, NRW, its five Regierungsbezirke, 53 districts and
    /// the economic regions (OWL, Metropole Ruhr, Südwestfalen …).
    ///
    /// Each region carries its official key (ARS), NUTS code, parent, members and
    /// the economic regions it belongs to.
    ///
    /// Sort fields: `name` (default), `created_at`, `updated_at`.
    list: list_regions,
    list_ok: "One page of regions.",
    /// Get one region by id, slug, official key (ARS) or NUTS code.
    get: get_region,
    item_ok: "The region.",
    key: "The region's id, slug, official key (e.g. `05711`) or NUTS code (e.g. `DEA41`).",
    example: "05711",
    not_found: "No region has this key.",
}
