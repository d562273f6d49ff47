//! `/api/v1/meetings`
use super::{collection, tags};
use crate::dto::{Meeting, MeetingPage};
use crate::service::meetings::Meetings;

collection! {
    resource: Meetings,
    page: MeetingPage,
    item: Meeting,
    tag: tags::MEETINGS,
    path: "/meetings",
    item_path: "/meetings/{key}",
    filter: [],
    /// List the alliance's meetings, newest first.
    ///
    /// Sort fields: `date` (default `-date`), `created_at`, `updated_at`.
    list: list_meetings,
    list_ok: "One page of meetings.",
    /// Get one meeting by id or slug.
    get: get_meeting,
    item_ok: "The meeting.",
    key: "The meeting's id (UUID) or slug.",
    example: "zweite-sitzung-2016-11-21",
    not_found: "No meeting has this id or slug.",
}
