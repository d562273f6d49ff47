//! The service root: counts per collection and readiness.
use entity::prelude::*;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::dto::Counts;
use crate::error::{AppError, AppResult};

/// Number of records per collection (six `COUNT(*)` queries).
#[tracing::instrument(name = "service.overview.counts", skip_all)]
pub async fn counts<C: ConnectionTrait>(db: &C) -> AppResult<Counts> {
    Ok(Counts {
        partners: Partner::find().count(db).await?,
        regions: Region::find().count(db).await?,
        topics: Topic::find().count(db).await?,
        projects: Project::find().count(db).await?,
        offers: Offer::find().count(db).await?,
        meetings: Meeting::find().count(db).await?,
    })
}

/// Pings the database; `Unavailable` (503) if it does not answer.
pub async fn ping(db: &DatabaseConnection) -> AppResult<()> {
    db.ping().await.map_err(AppError::Unavailable)
}
