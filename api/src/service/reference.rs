//! Reference data: the region graph and topic tree every `region` and
//! `topic` key is resolved against, and the partners and projects other
//! records name as refs, held once per generation in the store's snapshot.
use std::collections::HashMap;

use entity::{contact, partner, person, project, project_participant};
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};
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
    /// The contacts of each partner, by slug.
    pub contacts: HashMap<Uuid, Vec<contact::Model>>,
    /// The people of each partner, by name.
    pub people: HashMap<Uuid, Vec<person::Model>>,
    /// The participants of each project.
    pub participants: HashMap<Uuid, Vec<project_participant::Model>>,
}

impl Reference {
    /// Reads the region, topic, partner, project, contact, people and
    /// project participant tables (eight queries).
    pub async fn load<C: ConnectionTrait>(db: &C) -> AppResult<Self> {
        let partners = partner::Entity::find().all(db).await?;
        let projects = project::Entity::find().all(db).await?;
        let mut contacts: HashMap<Uuid, Vec<contact::Model>> = HashMap::new();
        for c in contact::Entity::find()
            .order_by_asc(contact::Column::Slug)
            .all(db)
            .await?
        {
            contacts.entry(c.partner_id).or_default().push(c);
        }
        let mut people: HashMap<Uuid, Vec<person::Model>> = HashMap::new();
        for p in person::Entity::find()
            .order_by_asc(person::Column::Name)
            .all(db)
            .await?
        {
            if let Some(partner_id) = p.partner_id {
                people.entry(partner_id).or_default().push(p);
            }
        }
        let mut participants: HashMap<Uuid, Vec<project_participant::Model>> = HashMap::new();
        for p in project_participant::Entity::find().all(db).await? {
            participants.entry(p.project_id).or_default().push(p);
        }
        Ok(Self {
            regions: RegionGraph::load(db).await?,
            topics: TopicTree::load(db).await?,
            partners: partners.into_iter().map(|m| (m.id, m)).collect(),
            projects: projects.into_iter().map(|m| (m.id, m)).collect(),
            contacts,
            people,
            participants,
        })
    }
}
