//! Reference data: the region graph and topic tree every `region` and
//! `topic` key is resolved against, and the partners and projects other
//! records name as refs, held once per generation in the store's snapshot.
use std::collections::HashMap;

use entity::{partner, project};
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use super::regions::RegionGraph;
use super::topics::TopicTree;
use crate::error::AppResult;

/// Reference data every filter resolves keys against and every page names
/// its related records from: small, read whole.
///
/// Why partners and projects too: an offer page named its provider and
/// project with two queries per page (issue 12: statements per page, not
/// per relation); hundreds of partners cost well under a megabyte.
#[derive(Debug, Default)]
pub struct Reference {
    /// Regions with parents, children, members and memberships.
    pub regions: RegionGraph,
    /// Topics with their narrower topics.
    pub topics: TopicTree,
    /// Every partner, by id.
    pub partners: HashMap<Uuid, partner::Model>,
    /// Every project, by id.
    pub projects: HashMap<Uuid, project::Model>,
}

impl Reference {
    /// Reads the region, topic, partner and project tables (five queries).
    pub async fn load<C: ConnectionTrait>(db: &C) -> AppResult<Self> {
        let partners = partner::Entity::find().all(db).await?;
        let projects = project::Entity::find().all(db).await?;
        Ok(Self {
            regions: RegionGraph::load(db).await?,
            topics: TopicTree::load(db).await?,
            partners: partners.into_iter().map(|m| (m.id, m)).collect(),
            projects: projects.into_iter().map(|m| (m.id, m)).collect(),
        })
    }
}
