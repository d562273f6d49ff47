//! Reference data: the region graph and topic tree every `region` and
//! `topic` key is resolved against, held once per generation in the
//! store's snapshot.
use sea_orm::ConnectionTrait;

use super::regions::RegionGraph;
use super::topics::TopicTree;
use crate::error::AppResult;

/// Reference data every filter resolves keys against: small, read whole.
#[derive(Debug, Default)]
pub struct Reference {
    /// Regions with parents, children, members and memberships.
    pub regions: RegionGraph,
    /// Topics with their narrower topics.
    pub topics: TopicTree,
}

impl Reference {
    /// Reads the region and topic tables (three queries).
    pub async fn load<C: ConnectionTrait>(db: &C) -> AppResult<Self> {
        Ok(Self {
            regions: RegionGraph::load(db).await?,
            topics: TopicTree::load(db).await?,
        })
    }
}
