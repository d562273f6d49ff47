//! Public response types: the contract of the REST API (and, later, GraphQL).
//!
//! DTOs are built from entities by the service layer; they never expose a
//! database column directly (ARCHITECTURE.md decision 2). Human text is
//! resolved to one language per response (`?lang=` / `Accept-Language`), with
//! German as the fallback.

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

pub use meeting::{Meeting, MeetingPage, MeetingParticipant};
pub use offer::{Offer, OfferPage};
pub use partner::{Contact, Partner, PartnerPage, Person};
pub use project::{Participant, Project, ProjectPage};
pub use refs::{PartnerRef, PersonRef, ProjectRef, RegionRef, TopicRef};
pub use region::{Region, RegionPage};
pub use root::{Counts, Health, Links, Overview, Readiness};
pub use search::{SearchHit, SearchPage};
pub use stats::{Bucket, OfferStats, PartnerStats, ProjectStats, Stats};
pub use topic::{Topic, TopicPage};
