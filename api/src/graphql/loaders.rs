//! Per-request DataLoaders: every relation field of a response is collected
//! and loaded in one batched call per kind.
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::dto::{Offer, Partner, Project, Region, Topic};
use crate::error::AppError;
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

/// The loaders of one request, one set per language: a root field's `lang`
/// argument sets the language of its whole subtree, so `offers(lang: EN)` and
/// `offers` may be asked side by side. A set is built when its language is
/// first asked for: most requests need one set, many none (ten loaders a
/// set, built per request).
pub struct Loaders {
    db: DatabaseConnection,
    ctx: Ctx,
    de: OnceLock<LangLoaders>,
    en: OnceLock<LangLoaders>,
}

impl Loaders {
    /// Fresh loaders (and caches) for one request.
    pub fn new(db: &DatabaseConnection, ctx: &Ctx) -> Self {
        Self {
            db: db.clone(),
            ctx: ctx.clone(),
            de: OnceLock::new(),
            en: OnceLock::new(),
        }
    }

    /// The loaders that produce text in `lang`.
    pub fn get(&self, lang: Lang) -> &LangLoaders {
        let set = match lang {
            Lang::De => &self.de,
            Lang::En => &self.en,
        };
        set.get_or_init(|| {
            let mut ctx = self.ctx.clone();
            ctx.lang = lang;
            LangLoaders::new(&self.db, &ctx)
        })
    }
}

/// The loaders of one request for one language.
pub struct LangLoaders {
    pub partner: DataLoader<PartnerById, HashMapCache>,
    pub project: DataLoader<ProjectById, HashMapCache>,
    pub region: DataLoader<RegionById, HashMapCache>,
    pub topic: DataLoader<TopicById, HashMapCache>,
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
            partner: make(PartnerById {
                db: db.clone(),
                ctx: ctx.clone(),
            }),
            project: make(ProjectById {
                db: db.clone(),
                ctx: ctx.clone(),
            }),
            region: make(RegionById {
                db: db.clone(),
                ctx: ctx.clone(),
            }),
            topic: make(TopicById {
                db: db.clone(),
                ctx: ctx.clone(),
            }),
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
