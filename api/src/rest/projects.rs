//! `/api/v1/projects`
use super::{collection, tags};
use crate::dto::{Project, ProjectPage};
use crate::service::projects::{ProjectFilter, Projects};

collection! {
    resource: Projects,
    page: ProjectPage,
    item: Project,
    tag: tags::PROJECTS,
    path: "/projects",
    item_path: "/projects/{key}",
    filter: [ProjectFilter],
    /// List projects: the alliance, pilot projects (Arbeit 2020), clusters
    /// (it's OWL), networks, programmes and portals.
    ///
    /// Each project embeds its region and its participants with their roles.
    ///
    /// Sort fields: `name` (default), `created_at`, `updated_at`.
    list: list_projects,
    list_ok: "One page of projects.",
    /// Get one project by id or slug.
    get: get_project,
    item_ok: "The project.",
    key: "The project's id (UUID) or slug.",
    example: "arbeit-2020",
    not_found: "No project has this id or slug.",
}
