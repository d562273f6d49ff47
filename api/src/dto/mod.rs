//! Public response types: the contract of the REST API and GraphQL.
//!
//! DTOs are built from entities by the service layer; they never expose a
//! database column directly (ARCHITECTURE.md decision 2). Human text is
//! resolved to one language per response (`?lang=` / `Accept-Language`), with
//! German as the fallback.

/// Defines the page type of a list: `items`, `next_cursor` and the opt-in
/// `total`, the same shape for every collection (and one [`Page`] impl).
macro_rules! page_type {
    ($page:ident, $item:ty, $doc:literal, $items:literal, $total:literal) => {
        // Literal docs: utoipa reads `#[doc = "…"]`, not `concat!`.
        #[doc = $doc]
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $page {
            #[doc = $items]
            pub items: Vec<$item>,
            /// Pass as `cursor` to get the next page; `null` on the last page.
            pub next_cursor: Option<String>,
            #[doc = $total]
            #[serde(skip_serializing_if = "Option::is_none")]
            #[schema(nullable = false)]
            pub total: Option<u64>,
        }

        impl super::Page for $page {
            type Item = $item;

            fn new(items: Vec<$item>, next_cursor: Option<String>, total: Option<u64>) -> Self {
                Self {
                    items,
                    next_cursor,
                    total,
                }
            }

            fn next_cursor(&self) -> Option<&str> {
                self.next_cursor.as_deref()
            }
        }
    };
}
use page_type;

/// A record with a version: its `updated_at`, from which its `ETag` derives
/// (`service::import::edit::etag`).
pub trait Versioned {
    /// When the record (its fields or links) last changed.
    fn updated_at(&self) -> chrono::DateTime<chrono::Utc>;
}

/// Defines a public record type: its own fields, then what every record
/// carries at the end — `source`, for sourced facts `verified` and `note`,
/// `created_at`, `updated_at`, and the response language (not serialised).
macro_rules! record {
    // What every record ends with, after its own fields and its source.
    (@common $(#[$meta:meta])* pub struct $name:ident { $($fields:tt)* }) => {
        $(#[$meta])*
        pub struct $name {
            $($fields)*
            /// When this record was created here.
            #[graphql(name = "createdAt", skip, derived(name = "gql_created_at", into = "crate::graphql::scalars::DateTime", owned))]
            pub created_at: chrono::DateTime<chrono::Utc>,
            /// When this record last changed here.
            #[graphql(name = "updatedAt", skip, derived(name = "gql_updated_at", into = "crate::graphql::scalars::DateTime", owned))]
            pub updated_at: chrono::DateTime<chrono::Utc>,
            /// Language the text fields are in; nested GraphQL fields follow it.
            #[serde(skip)]
            #[graphql(skip)]
            pub lang: crate::vocab::Lang,
        }

        impl $crate::dto::Versioned for $name {
            fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
                self.updated_at
            }
        }
    };
    (verified($source:literal, $note:literal) $(#[$meta:meta])* pub struct $name:ident { $($fields:tt)* }) => {
        super::record!(@common $(#[$meta])* pub struct $name {
            $($fields)*
            #[doc = $source]
            pub source: String,
            /// Whether the facts were found in the cited sources.
            pub verified: bool,
            #[doc = $note]
            pub note: Option<String>,
        });
    };
    (verified $(#[$meta:meta])* pub struct $name:ident { $($fields:tt)* }) => {
        super::record!(verified("Citation of the source(s).", "Editorial note.") $(#[$meta])* pub struct $name { $($fields)* });
    };
    ($(#[$meta:meta])* pub struct $name:ident { $($fields:tt)* }) => {
        super::record!(@common $(#[$meta])* pub struct $name {
            $($fields)*
            /// Citation of the source(s).
            pub source: String,
        });
    };
}
use record;

/// A list page of one collection (see each `…Page` type).
pub trait Page: serde::Serialize {
    /// What the page lists.
    type Item;
    /// A page of `items`; `next_cursor` is `None` on the last page, `total`
    /// is `Some` only when asked for.
    fn new(items: Vec<Self::Item>, next_cursor: Option<String>, total: Option<u64>) -> Self;
    /// The cursor of the next page.
    fn next_cursor(&self) -> Option<&str>;
}

mod change;
mod meeting;
mod offer;
mod partner;
mod project;
mod refs;
mod region;
mod root;
mod search;
mod stats;
mod topic;

pub use change::{AuditEntry, AuditPage, Change, ChangeFeed, ChangeOp};
pub use meeting::{Meeting, MeetingPage, MeetingParticipant};
pub use offer::{Offer, OfferPage};
pub use partner::{Contact, Partner, PartnerPage, Person};
pub use project::{Participant, Project, ProjectPage};
pub use refs::{PartnerRef, PersonRef, ProjectRef, RegionRef, TopicRef};
pub use region::{Region, RegionPage};
pub use root::{Counts, Downloads, Health, Links, Overview, Readiness};
pub use search::{HitKind, SearchHit, SearchPage};
pub use stats::{Bucket, OfferStats, PartnerStats, ProjectStats, Stats};
pub use topic::{Topic, TopicPage};
