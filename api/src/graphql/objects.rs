//! Relation fields of the DTOs in GraphQL, resolved through the loaders.
use async_graphql::{ComplexObject, Context, ErrorExtensions, Result};
use std::sync::Arc;

use uuid::Uuid;

use super::loaders::{LangLoaders, Loaders};
use super::scalars::Json;
use crate::dto::{
    Meeting, MeetingParticipant, Offer, Participant, Partner, Project, Region, Topic,
};
use crate::error::AppError;
use crate::vocab::Lang;

/// Assumed length of a relation list (which has no page size) when costing
/// a query: nesting such lists multiplies, so deep fan-outs hit the limit.
const LIST_COST: usize = 20;

/// Most offers an offer relation list (`Partner.offers`, `Project.offers`,
/// `Region.offers`, `Topic.offers`) returns, and its default `first`.
///
/// These lists are not connections; on 20,000 generated offers a topic had
/// thousands, and `regions(first: 100) { nodes { offers { description } } }`
/// answered 80 bytes with 9.6 MB. All offers of a topic, region, provider
/// or project are paged with the root `offers(filter: …)` connection.
/// Rejected alternative: turning the lists into connections, which breaks
/// every client of the schema; that is for a contract revision.
const RELATION_OFFERS: i32 = crate::service::offers::RELATION_LIMIT as i32;

/// The page size of an offer relation list: `first` within 1..=[`RELATION_OFFERS`].
fn relation_page(first: Option<i32>) -> Result<usize> {
    match first {
        None => Ok(RELATION_OFFERS as usize),
        Some(n) if (1..=RELATION_OFFERS).contains(&n) => Ok(n as usize),
        Some(n) => Err(crate::error::AppError::invalid_parameter(
            "first",
            format!("must be between 1 and {RELATION_OFFERS}, got {n}"),
        )
        .extend()),
    }
}

/// The cost of an offer relation list: its page size times its selection.
fn relation_cost(first: Option<i32>, child: usize) -> usize {
    (first.unwrap_or(RELATION_OFFERS).clamp(1, RELATION_OFFERS) as usize).saturating_mul(child)
}

/// The first `first` offers of a relation list.
macro_rules! offers_of {
    ($ctx:expr, $lang:expr, $loader:ident, $id:expr, $first:expr) => {{
        let page = relation_page($first)?;
        let loaded: Result<Vec<Offer>> = list_of!($ctx, $lang, $loader, $id);
        let mut offers = loaded?;
        offers.truncate(page);
        Ok(offers)
    }};
}

fn loaders(ctx: &Context<'_>, lang: Lang) -> Result<std::sync::Arc<LangLoaders>> {
    Ok(ctx.data::<std::sync::Arc<Loaders>>()?.get(lang))
}

/// Loads the records `refs` (a list of refs) name through `loader`, keeping
/// their order and dropping missing ones.
macro_rules! many {
    ($ctx:expr, $lang:expr, $loader:ident, $refs:expr) => {{
        let ids: Vec<Uuid> = $refs.iter().map(|r| r.id).collect();
        let found = loaders($ctx, $lang)?
            .$loader
            .load_many(ids.iter().copied())
            .await
            .map_err(|e| e.extend())?;
        Ok(ids.iter().filter_map(|id| found.get(id).cloned()).collect())
    }};
}

macro_rules! one {
    ($ctx:expr, $lang:expr, $loader:ident, $id:expr) => {{
        match $id {
            Some(id) => loaders($ctx, $lang)?
                .$loader
                .load_one(id)
                .await
                .map_err(|e| e.extend()),
            None => Ok(None),
        }
    }};
}

macro_rules! list_of {
    ($ctx:expr, $lang:expr, $loader:ident, $id:expr) => {{
        Ok(loaders($ctx, $lang)?
            .$loader
            .load_one($id)
            .await
            .map_err(|e| e.extend())?
            .unwrap_or_default())
    }};
}

#[ComplexObject]
impl Offer {
    /// The record's version: pass it as `ifMatch` to a mutation so that
    /// it fails if someone changed the record since (REST: `ETag`).
    async fn etag(&self) -> String {
        crate::service::import::edit::etag(self.updated_at)
    }

    /// Who provides the offer (every offer has a provider, as in REST).
    async fn provider(&self, ctx: &Context<'_>) -> Result<Arc<Partner>> {
        let found: Option<Arc<Partner>> = one!(ctx, self.lang, partner, Some(self.provider.id))?;
        // The foreign key keeps the provider while an offer names it: a
        // missing one is a broken database, reported as an internal error.
        found.ok_or_else(|| {
            AppError::Unexpected(anyhow::anyhow!(
                "offer {} names provider {}, which does not exist",
                self.id,
                self.provider.id
            ))
            .extend()
        })
    }

    /// The project the offer belongs to.
    async fn project(&self, ctx: &Context<'_>) -> Result<Option<Arc<Project>>> {
        one!(ctx, self.lang, project, self.project.as_ref().map(|p| p.id))
    }

    /// Topics the offer is tagged with.
    #[graphql(complexity = "LIST_COST * child_complexity")]
    async fn topics(&self, ctx: &Context<'_>) -> Result<Vec<Arc<Topic>>> {
        many!(ctx, self.lang, topic, self.topics)
    }

    /// Regions the offer serves (and with them everything inside them).
    #[graphql(complexity = "LIST_COST * child_complexity")]
    async fn regions(&self, ctx: &Context<'_>) -> Result<Vec<Arc<Region>>> {
        many!(ctx, self.lang, region, self.regions)
    }
}

#[ComplexObject]
impl Partner {
    /// The record's version: pass it as `ifMatch` to a mutation so that
    /// it fails if someone changed the record since (REST: `ETag`).
    async fn etag(&self) -> String {
        crate::service::import::edit::etag(self.updated_at)
    }

    /// Home region.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Arc<Region>>> {
        one!(ctx, self.lang, region, self.region.as_ref().map(|r| r.id))
    }

    /// Offers this partner provides, by title.
    #[graphql(complexity = "relation_cost(first, child_complexity)")]
    async fn offers(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many offers, 1 to 100 (default 100), by title. All of them: the root `offers(filter: …)` connection."
        )]
        first: Option<i32>,
    ) -> Result<Vec<Offer>> {
        offers_of!(ctx, self.lang, offers_by_provider, self.id, first)
    }

    /// Projects this partner takes part in, by name.
    #[graphql(complexity = "LIST_COST * child_complexity")]
    async fn projects(&self, ctx: &Context<'_>) -> Result<Vec<Project>> {
        list_of!(ctx, self.lang, projects_by_partner, self.id)
    }
}

#[ComplexObject]
impl Participant {
    /// The participating partner.
    async fn partner(&self, ctx: &Context<'_>) -> Result<Option<Arc<Partner>>> {
        one!(ctx, self.lang, partner, Some(self.partner.id))
    }
}

#[ComplexObject]
impl Project {
    /// The record's version: pass it as `ifMatch` to a mutation so that
    /// it fails if someone changed the record since (REST: `ETag`).
    async fn etag(&self) -> String {
        crate::service::import::edit::etag(self.updated_at)
    }

    /// Region the project covers.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Arc<Region>>> {
        one!(ctx, self.lang, region, self.region.as_ref().map(|r| r.id))
    }

    /// Partners and their roles (initiators and leads first).
    async fn participants(&self) -> Vec<Participant> {
        self.participants.clone()
    }

    /// Offers belonging to the project, by title.
    #[graphql(complexity = "relation_cost(first, child_complexity)")]
    async fn offers(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many offers, 1 to 100 (default 100), by title. All of them: the root `offers(filter: …)` connection."
        )]
        first: Option<i32>,
    ) -> Result<Vec<Offer>> {
        offers_of!(ctx, self.lang, offers_by_project, self.id, first)
    }

    /// Further sourced facts (funding, instruments, dates …) as a JSON object.
    async fn facts(&self) -> Json {
        Json(self.facts.clone())
    }
}

#[ComplexObject]
impl Region {
    /// The record's version: pass it as `ifMatch` to a mutation so that
    /// it fails if someone changed the record since (REST: `ETag`).
    async fn etag(&self) -> String {
        crate::service::import::edit::etag(self.updated_at)
    }

    /// The region one level up.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Arc<Region>>> {
        one!(ctx, self.lang, region, self.parent.as_ref().map(|r| r.id))
    }

    /// Regions one level down, by name.
    #[graphql(complexity = "LIST_COST * child_complexity")]
    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<Region>> {
        list_of!(ctx, self.lang, region_children, self.id)
    }

    /// Member districts (economic regions, Regierungsbezirke).
    #[graphql(complexity = "LIST_COST * child_complexity")]
    async fn members(&self, ctx: &Context<'_>) -> Result<Vec<Arc<Region>>> {
        many!(ctx, self.lang, region, self.members)
    }

    /// Economic regions this region belongs to.
    #[graphql(complexity = "LIST_COST * child_complexity")]
    async fn member_of(&self, ctx: &Context<'_>) -> Result<Vec<Arc<Region>>> {
        many!(ctx, self.lang, region, self.member_of)
    }

    /// Offers that name this region among the regions they serve. For offers
    /// available here through the hierarchy, use `offers(filter: {region: …})`.
    #[graphql(complexity = "relation_cost(first, child_complexity)")]
    async fn offers(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many offers, 1 to 100 (default 100), by title. All of them: the root `offers(filter: …)` connection."
        )]
        first: Option<i32>,
    ) -> Result<Vec<Offer>> {
        offers_of!(ctx, self.lang, offers_by_region, self.id, first)
    }
}

#[ComplexObject]
impl Topic {
    /// The record's version: pass it as `ifMatch` to a mutation so that
    /// it fails if someone changed the record since (REST: `ETag`).
    async fn etag(&self) -> String {
        crate::service::import::edit::etag(self.updated_at)
    }

    /// The broader topic.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Arc<Topic>>> {
        one!(ctx, self.lang, topic, self.parent.as_ref().map(|t| t.id))
    }

    /// Offers tagged with exactly this topic, by title.
    #[graphql(complexity = "relation_cost(first, child_complexity)")]
    async fn offers(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many offers, 1 to 100 (default 100), by title. All of them: the root `offers(filter: …)` connection."
        )]
        first: Option<i32>,
    ) -> Result<Vec<Offer>> {
        offers_of!(ctx, self.lang, offers_by_topic, self.id, first)
    }
}

#[ComplexObject]
impl Meeting {
    /// The record's version: pass it as `ifMatch` to a mutation so that
    /// it fails if someone changed the record since (REST: `ETag`).
    async fn etag(&self) -> String {
        crate::service::import::edit::etag(self.updated_at)
    }

    /// The hosting partner.
    async fn host(&self, ctx: &Context<'_>) -> Result<Option<Arc<Partner>>> {
        one!(ctx, self.lang, partner, self.host.as_ref().map(|p| p.id))
    }

    /// Who took part, and how.
    async fn participants(&self) -> Vec<MeetingParticipant> {
        self.participants.clone()
    }
}

#[ComplexObject]
impl MeetingParticipant {
    /// The partner, where the participant is one.
    async fn partner(&self, ctx: &Context<'_>) -> Result<Option<Arc<Partner>>> {
        one!(ctx, self.lang, partner, self.partner.as_ref().map(|p| p.id))
    }
}

/// Loads, in one batch per relation, what the selection will ask of a page's
/// nodes. DataLoaders batch by a short timer, and under load the keys of one
/// page can straddle two batches; loading them up front makes the statement
/// count of a page independent of timing and page size.
pub mod prefetch {
    use async_graphql::{Context, ErrorExtensions, Result};
    use uuid::Uuid;

    use super::LangLoaders;
    use crate::dto::{Meeting, Offer, Partner, Project, Region, Topic};
    use crate::graphql::loaders::Batch;

    // Takes a Vec, not an iterator: a borrowed iterator held across the await
    // trips the compiler's Send inference for async-graphql's resolvers.
    async fn load(loader: &impl Batch, mut ids: Vec<Uuid>) -> Result<()> {
        ids.sort_unstable();
        ids.dedup();
        if !ids.is_empty() {
            loader.batch(ids).await.map_err(|e| e.extend())?;
        }
        Ok(())
    }

    /// The loaders of the page's language (all items of a page share it).
    fn loaders<T>(
        ctx: &Context<'_>,
        items: &[T],
        lang: fn(&T) -> crate::vocab::Lang,
    ) -> Result<std::sync::Arc<LangLoaders>> {
        let lang = items.first().map_or(crate::vocab::Lang::De, lang);
        super::loaders(ctx, lang)
    }

    fn selected(ctx: &Context<'_>, field: &str) -> bool {
        ctx.look_ahead()
            .field("edges")
            .field("node")
            .field(field)
            .exists()
    }

    pub async fn offers(ctx: &Context<'_>, items: &[Offer]) -> Result<()> {
        let l = loaders(ctx, items, |x| x.lang)?;
        if selected(ctx, "provider") {
            load(&l.partner, items.iter().map(|o| o.provider.id).collect()).await?;
        }
        if selected(ctx, "project") {
            load(
                &l.project,
                items
                    .iter()
                    .filter_map(|o| o.project.as_ref().map(|p| p.id))
                    .collect(),
            )
            .await?;
        }
        if selected(ctx, "topics") {
            load(
                &l.topic,
                items
                    .iter()
                    .flat_map(|o| o.topics.iter().map(|t| t.id))
                    .collect(),
            )
            .await?;
        }
        if selected(ctx, "regions") {
            load(
                &l.region,
                items
                    .iter()
                    .flat_map(|o| o.regions.iter().map(|r| r.id))
                    .collect(),
            )
            .await?;
        }
        Ok(())
    }

    pub async fn partners(ctx: &Context<'_>, items: &[Partner]) -> Result<()> {
        let l = loaders(ctx, items, |x| x.lang)?;
        if selected(ctx, "region") {
            load(
                &l.region,
                items
                    .iter()
                    .filter_map(|p| p.region.as_ref().map(|r| r.id))
                    .collect(),
            )
            .await?;
        }
        if selected(ctx, "offers") {
            load(&l.offers_by_provider, items.iter().map(|p| p.id).collect()).await?;
        }
        if selected(ctx, "projects") {
            load(&l.projects_by_partner, items.iter().map(|p| p.id).collect()).await?;
        }
        Ok(())
    }

    pub async fn projects(ctx: &Context<'_>, items: &[Project]) -> Result<()> {
        let l = loaders(ctx, items, |x| x.lang)?;
        if selected(ctx, "region") {
            load(
                &l.region,
                items
                    .iter()
                    .filter_map(|p| p.region.as_ref().map(|r| r.id))
                    .collect(),
            )
            .await?;
        }
        if selected(ctx, "offers") {
            load(&l.offers_by_project, items.iter().map(|p| p.id).collect()).await?;
        }
        if selected(ctx, "participants") {
            load(
                &l.partner,
                items
                    .iter()
                    .flat_map(|p| p.participants.iter().map(|x| x.partner.id))
                    .collect(),
            )
            .await?;
        }
        Ok(())
    }

    pub async fn regions(ctx: &Context<'_>, items: &[Region]) -> Result<()> {
        let l = loaders(ctx, items, |x| x.lang)?;
        let related = items.iter().flat_map(|r| {
            r.parent
                .iter()
                .chain(&r.members)
                .chain(&r.member_of)
                .map(|x| x.id)
        });
        if selected(ctx, "parent") || selected(ctx, "members") || selected(ctx, "memberOf") {
            load(&l.region, related.collect()).await?;
        }
        if selected(ctx, "children") {
            load(&l.region_children, items.iter().map(|r| r.id).collect()).await?;
        }
        if selected(ctx, "offers") {
            load(&l.offers_by_region, items.iter().map(|r| r.id).collect()).await?;
        }
        Ok(())
    }

    pub async fn topics(ctx: &Context<'_>, items: &[Topic]) -> Result<()> {
        let l = loaders(ctx, items, |x| x.lang)?;
        if selected(ctx, "parent") {
            load(
                &l.topic,
                items
                    .iter()
                    .filter_map(|t| t.parent.as_ref().map(|p| p.id))
                    .collect(),
            )
            .await?;
        }
        if selected(ctx, "offers") {
            load(&l.offers_by_topic, items.iter().map(|t| t.id).collect()).await?;
        }
        Ok(())
    }

    pub async fn meetings(ctx: &Context<'_>, items: &[Meeting]) -> Result<()> {
        let l = loaders(ctx, items, |x| x.lang)?;
        if selected(ctx, "host") || selected(ctx, "participants") {
            let partners = items.iter().flat_map(|m| {
                m.host.iter().map(|h| h.id).chain(
                    m.participants
                        .iter()
                        .filter_map(|p| p.partner.as_ref().map(|x| x.id)),
                )
            });
            load(&l.partner, partners.collect()).await?;
        }
        Ok(())
    }
}
