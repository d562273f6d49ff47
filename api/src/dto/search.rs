use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// What a search hit is: the kinds of records the full-text index holds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema, async_graphql::Enum,
)]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    /// A transfer or support offer.
    Offer,
    /// A project, network or programme.
    Project,
    /// A partner organisation.
    Partner,
}

impl HitKind {
    /// The kind's name, as in `type=offer`.
    pub fn as_str(self) -> &'static str {
        match self {
            HitKind::Offer => "offer",
            HitKind::Project => "project",
            HitKind::Partner => "partner",
        }
    }

    /// The kind as stored in the index's `kind_code` fast field.
    pub fn code(self) -> u64 {
        match self {
            HitKind::Offer => 0,
            HitKind::Project => 1,
            HitKind::Partner => 2,
        }
    }

    /// The kind of a `kind_code`.
    pub fn from_code(code: u64) -> Option<Self> {
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

/// One search hit.
#[derive(Debug, Clone, Serialize, ToSchema, async_graphql::SimpleObject)]
pub struct SearchHit {
    /// What the hit is.
    #[serde(rename = "type")]
    #[graphql(name = "type")]
    pub kind: HitKind,
    /// Stable id.
    #[graphql(
        name = "id",
        skip,
        derived(name = "gql_id", into = "crate::graphql::scalars::Uuid", owned)
    )]
    pub id: Uuid,
    /// Human key.
    #[schema(example = "tbs-beratung")]
    pub slug: String,
    /// Canonical URI of the record.
    #[schema(format = "uri")]
    pub uri: String,
    /// Relevance (BM25; higher is better; comparable within one result only).
    pub score: f32,
    /// Title, HTML-escaped, with matched terms in `<b>…</b>`.
    #[schema(example = "TBS-Beratung für <b>Betriebsräte</b>")]
    pub title: String,
    /// A passage of the text, HTML-escaped, with matched terms in `<b>…</b>`.
    pub snippet: String,
}

/// One page of search hits, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchPage {
    /// The hits on this page.
    pub items: Vec<SearchHit>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// Number of hits (of the best 1000 ranked) matching the filters.
    pub total: u64,
}
