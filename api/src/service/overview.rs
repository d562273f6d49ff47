//! The service root: counts per collection and readiness.
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::dto::Counts;
use crate::error::{AppError, AppResult};
use crate::service::resource::Resource;

/// `Counts { partners: Partners::Entity::find().count(db).await?, … }`.
macro_rules! count_collections {
    ($( $name:ident { resource: $resource:ty, $($description:tt)* } )*) => {
        /// Number of records per collection (one `COUNT(*)` each).
        #[tracing::instrument(name = "service.overview.counts", skip_all)]
        pub async fn counts<C: ConnectionTrait>(db: &C) -> AppResult<Counts> {
            Ok(Counts {
                $($name: <$resource as Resource>::Entity::find().count(db).await?,)*
            })
        }
    };
}
crate::service::for_each_collection!(count_collections);

/// Pings the database; `Unavailable` (503) if it does not answer within
/// `timeout`.
pub async fn ping(db: &DatabaseConnection, timeout: std::time::Duration) -> AppResult<()> {
    match tokio::time::timeout(timeout, db.ping()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(err)) => Err(AppError::Unavailable(err)),
        Err(_) => Err(AppError::Unavailable(sea_orm::DbErr::ConnectionAcquire(
            sea_orm::ConnAcquireErr::Timeout,
        ))),
    }
}
