//! Per-request loaders: reference records (partners, projects, regions,
//! topics) come from the snapshot's items of the generation ([`Held`]);
//! every other relation field of a response is collected and loaded in one
//! batched call per kind (DataLoaders).
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::dto::{Offer, Partner, Project, Region, Topic};
use crate::error::AppError;
use crate::service::resource::{HeldItems, Resource, held_items};
use crate::service::{self, Ctx};
use crate::vocab::Lang;

macro_rules! loader {
    ($(#[$doc:meta])* $name:ident => $value:ty, $fetch:expr) => {
        $(#[$doc])*
        pub struct $name {
            db: DatabaseConnection,
            ctx: Ctx,
        }

        impl Loader<Uuid> for $name {
            type Value = $value;
            type Error = Arc<AppError>;

            async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, $value>, Self::Error> {
                ($fetch)(&self.db, keys, &self.ctx).await.map_err(Arc::new)
            }
        }
    };
}

loader!(
    /// Partners by id.
    PartnerById => Partner, service::resource::by_ids::<service::partners::Partners, _>
);
loader!(
    /// Projects by id.
    ProjectById => Project, service::resource::by_ids::<service::projects::Projects, _>
);
loader!(
    /// Regions by id.
    RegionById => Region, service::resource::by_ids::<service::regions::Regions, _>
);
loader!(
    /// Topics by id.
    TopicById => Topic, service::resource::by_ids::<service::topics::Topics, _>
);
loader!(
    /// Offers by provider (partner id).
    OffersByProvider => Vec<Offer>, service::offers::by_providers
);
loader!(
    /// Offers by project id.
    OffersByProject => Vec<Offer>, service::offers::by_projects
);
loader!(
    /// Offers by topic id (directly tagged).
    OffersByTopic => Vec<Offer>, service::offers::by_topics
);
loader!(
    /// Offers by region id (naming the region directly).
    OffersByRegion => Vec<Offer>, service::offers::by_regions
);
loader!(
    /// Projects by participating partner id.
    ProjectsByPartner => Vec<Project>, service::projects::by_partners
);
loader!(
    /// Direct children by region id.
    RegionChildren => Vec<Region>, service::regions::children_of
);

/// The records of a reference collection (partners, projects, regions,
/// topics) by id: those the snapshot holds from its items of this
/// generation ([`held_items`]) with a lookup, without a batch, a delay or a
/// hydration per request; others (written by another process since the
/// snapshot) through the batching `loader`.
///
/// Rejected: only the DataLoader, which hydrated the same few hundred
/// records anew for every request and waited its batch delay on each
/// (the provider of 20 offers: 15 % of a GraphQL page's CPU, perf).
pub struct Held<R: Resource, L: Loader<Uuid>> {
    db: DatabaseConnection,
    ctx: Ctx,
    items: tokio::sync::OnceCell<Option<HeldItems<R>>>,
    loader: DataLoader<L, HashMapCache>,
}

impl<R, L> Held<R, L>
where
    R: Resource,
    L: Loader<Uuid, Value = R::Item, Error = Arc<AppError>>,
{
    fn new(db: &DatabaseConnection, ctx: &Ctx, loader: L) -> Self {
        Self {
            db: db.clone(),
            ctx: ctx.clone(),
            items: tokio::sync::OnceCell::new(),
            loader: DataLoader::with_cache(loader, tokio::spawn, HashMapCache::default()),
        }
    }

    async fn held(&self) -> Result<Option<&HashMap<Uuid, Arc<R::Item>>>, Arc<AppError>> {
        // Boxed: inline, the hydration's future would be part of every
        // relation resolver's, and nested GraphQL selections recurse
        // through them on the worker's stack (a debug build overflowed).
        let items = self
            .items
            .get_or_try_init(|| Box::pin(held_items::<R, _>(&self.db, &self.ctx)))
            .await
            .map_err(Arc::new)?;
        Ok(items.as_deref())
    }

    /// The record `id`, if it exists.
    pub async fn load_one(&self, id: Uuid) -> Result<Option<Arc<R::Item>>, Arc<AppError>> {
        if let Some(item) = self.held().await?.and_then(|items| items.get(&id)) {
            return Ok(Some(item.clone()));
        }
        Ok(Box::pin(self.loader.load_one(id)).await?.map(Arc::new))
    }

    /// The records of `ids` that exist, by id.
    pub async fn load_many(
        &self,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> Result<HashMap<Uuid, Arc<R::Item>>, Arc<AppError>> {
        let held = self.held().await?;
        let mut found = HashMap::new();
        let mut others = Vec::new();
        for id in ids {
            match held.and_then(|items| items.get(&id)) {
                Some(item) => {
                    found.insert(id, item.clone());
                }
                None => others.push(id),
            }
        }
        if !others.is_empty() {
            let loaded = Box::pin(self.loader.load_many(others)).await?;
            found.extend(loaded.into_iter().map(|(id, item)| (id, Arc::new(item))));
        }
        Ok(found)
    }
}

/// A loader that can load many keys up front (`objects::prefetch`).
pub trait Batch: Sync {
    /// Loads `ids` in one batch, keeping the results for the request.
    fn batch(&self, ids: Vec<Uuid>) -> impl Future<Output = Result<(), Arc<AppError>>> + Send;
}

impl<T: Loader<Uuid, Error = Arc<AppError>>> Batch for DataLoader<T, HashMapCache> {
    async fn batch(&self, ids: Vec<Uuid>) -> Result<(), Arc<AppError>> {
        self.load_many(ids).await.map(drop)
    }
}

impl<R, L> Batch for Held<R, L>
where
    R: Resource,
    L: Loader<Uuid, Value = R::Item, Error = Arc<AppError>>,
{
    async fn batch(&self, ids: Vec<Uuid>) -> Result<(), Arc<AppError>> {
        self.load_many(ids).await.map(drop)
    }
}

/// The loaders of one request, one set per language: a root field's `lang`
/// argument sets the language of its whole subtree, so `offers(lang: EN)` and
/// `offers` may be asked side by side. A set is built when its language is
/// first asked for: most requests need one set, many none (ten loaders a
/// set, built per request). A write drops the sets ([`Loaders::reset`]), so
/// that what a mutation (or a later field of its document) reads after it
/// is not an earlier read's cached copy.
pub struct Loaders {
    db: DatabaseConnection,
    ctx: Ctx,
    sets: std::sync::Mutex<[Option<Arc<LangLoaders>>; 2]>,
}

impl Loaders {
    /// Fresh loaders (and caches) for one request.
    pub fn new(db: &DatabaseConnection, ctx: &Ctx) -> Self {
        Self {
            db: db.clone(),
            ctx: ctx.clone(),
            sets: std::sync::Mutex::default(),
        }
    }

    /// The loaders that produce text in `lang`.
    pub fn get(&self, lang: Lang) -> Arc<LangLoaders> {
        let slot = match lang {
            Lang::De => 0,
            Lang::En => 1,
        };
        // A poisoned lock only means another resolver panicked mid-insert
        // of an `Arc`: the slots are still whole.
        let mut sets = self.sets.lock().unwrap_or_else(|e| e.into_inner());
        sets[slot]
            .get_or_insert_with(|| {
                let mut ctx = self.ctx.clone();
                ctx.lang = lang;
                Arc::new(LangLoaders::new(&self.db, &ctx))
            })
            .clone()
    }

    /// Forgets every cached record: the next read loads afresh.
    pub fn reset(&self) {
        let mut sets = self.sets.lock().unwrap_or_else(|e| e.into_inner());
        *sets = Default::default();
    }
}

/// The loaders of one request for one language.
pub struct LangLoaders {
    pub partner: Held<service::partners::Partners, PartnerById>,
    pub project: Held<service::projects::Projects, ProjectById>,
    pub region: Held<service::regions::Regions, RegionById>,
    pub topic: Held<service::topics::Topics, TopicById>,
    pub offers_by_provider: DataLoader<OffersByProvider, HashMapCache>,
    pub offers_by_project: DataLoader<OffersByProject, HashMapCache>,
    pub offers_by_topic: DataLoader<OffersByTopic, HashMapCache>,
    pub offers_by_region: DataLoader<OffersByRegion, HashMapCache>,
    pub projects_by_partner: DataLoader<ProjectsByPartner, HashMapCache>,
    pub region_children: DataLoader<RegionChildren, HashMapCache>,
}

impl LangLoaders {
    fn new(db: &DatabaseConnection, ctx: &Ctx) -> Self {
        // Cached for the request: prefetched records (see `objects::prefetch`)
        // are then served without another batch.
        fn make<T: Loader<Uuid>>(loader: T) -> DataLoader<T, HashMapCache> {
            DataLoader::with_cache(loader, tokio::spawn, HashMapCache::default())
        }
        let (db, ctx) = (db.clone(), ctx.clone());
        Self {
            partner: Held::new(
                &db,
                &ctx,
                PartnerById {
                    db: db.clone(),
                    ctx: ctx.clone(),
                },
            ),
            project: Held::new(
                &db,
                &ctx,
                ProjectById {
                    db: db.clone(),
                    ctx: ctx.clone(),
                },
            ),
            region: Held::new(
                &db,
                &ctx,
                RegionById {
                    db: db.clone(),
                    ctx: ctx.clone(),
                },
            ),
            topic: Held::new(
                &db,
                &ctx,
                TopicById {
                    db: db.clone(),
                    ctx: ctx.clone(),
                },
            ),
            offers_by_provider: make(OffersByProvider {
                db: db.clone(),
                ctx: ctx.clone(),
            }),
            offers_by_project: make(OffersByProject {
                db: db.clone(),
                ctx: ctx.clone(),
            }),
            offers_by_topic: make(OffersByTopic {
                db: db.clone(),
                ctx: ctx.clone(),
            }),
            offers_by_region: make(OffersByRegion {
                db: db.clone(),
                ctx: ctx.clone(),
            }),
            projects_by_partner: make(ProjectsByPartner {
                db: db.clone(),
                ctx: ctx.clone(),
            }),
            region_children: make(RegionChildren { db, ctx }),
        }
    }
}
