use serde::Serialize;
use utoipa::ToSchema;

/// One bar of a chart: a key, its label and how many records have it.
#[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
pub struct Bucket {
    /// Slug (topics, regions) or vocabulary value (kinds, groups …).
    #[schema(example = "industrie-40")]
    pub key: String,
    /// Human label in the response language.
    #[schema(example = "Industrie 4.0")]
    pub label: String,
    /// Number of matching records with this key.
    #[schema(example = 7)]
    pub count: u64,
}

/// Offers counted by topic, region, kind, target group and cost. An offer
/// with several topics (regions, target groups) counts once in each.
#[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
pub struct OfferStats {
    /// Number of matching offers.
    pub total: u64,
    /// By topic (as tagged, not expanded to broader topics), most first.
    pub by_topic: Vec<Bucket>,
    /// By region named as served (not expanded through the hierarchy), most first.
    pub by_region: Vec<Bucket>,
    /// By kind, most first.
    pub by_kind: Vec<Bucket>,
    /// By target group, most first.
    pub by_target_group: Vec<Bucket>,
    /// By cost class, most first.
    pub by_cost: Vec<Bucket>,
}

/// Partners counted by alliance group and kind.
#[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
pub struct PartnerStats {
    /// Number of matching partners.
    pub total: u64,
    /// By alliance group (`none` for partners without a confirmed group).
    pub by_alliance_group: Vec<Bucket>,
    /// By kind.
    pub by_kind: Vec<Bucket>,
}

/// Projects counted by kind and status.
#[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
pub struct ProjectStats {
    /// Number of matching projects.
    pub total: u64,
    /// By kind.
    pub by_kind: Vec<Bucket>,
    /// By status.
    pub by_status: Vec<Bucket>,
}

/// All aggregates, unfiltered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Stats {
    pub offers: OfferStats,
    pub partners: PartnerStats,
    pub projects: ProjectStats,
}
