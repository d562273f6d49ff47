//! SeaORM entities of the Lotse database.
//!
//! These types mirror the tables created by the `migration` crate and nothing
//! more: they are *not* the public contract. The API's public shapes live in
//! `api::dto`, so a column can be renamed without breaking a client
//! (ARCHITECTURE.md, decision 2). Relations are expressed in the service layer
//! with explicit, batched `IN (…)` queries instead of SeaORM `Related` joins,
//! which keeps the number of statements per page constant and visible.

pub mod api_key;
pub mod change;
pub mod contact;
pub mod meeting;
pub mod meeting_participant;
pub mod offer;
pub mod offer_region;
pub mod offer_target_group;
pub mod offer_topic;
pub mod partner;
pub mod person;
pub mod project;
pub mod project_participant;
pub mod region;
pub mod region_member;
pub mod seed_version;
pub mod topic;

pub mod prelude {
    //! Short names for every entity, e.g. `Partner::find()`.
    pub use super::api_key::Entity as ApiKey;
    pub use super::change::Entity as Change;
    pub use super::contact::Entity as Contact;
    pub use super::meeting::Entity as Meeting;
    pub use super::meeting_participant::Entity as MeetingParticipant;
    pub use super::offer::Entity as Offer;
    pub use super::offer_region::Entity as OfferRegion;
    pub use super::offer_target_group::Entity as OfferTargetGroup;
    pub use super::offer_topic::Entity as OfferTopic;
    pub use super::partner::Entity as Partner;
    pub use super::person::Entity as Person;
    pub use super::project::Entity as Project;
    pub use super::project_participant::Entity as ProjectParticipant;
    pub use super::region::Entity as Region;
    pub use super::region_member::Entity as RegionMember;
    pub use super::topic::Entity as Topic;
}
