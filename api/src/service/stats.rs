//! Aggregates for dashboards: counts by category, over the same filters as
//! the lists. Every breakdown is one `GROUP BY` query; the filter is applied
//! as a sub-select, so the database does the counting, not the application.
//! The counts depend on the data and the filter only: each generation of
//! the data computes them once per filter (the snapshot's memo), and each
//! request labels them in its language.
use entity::{offer, offer_region, offer_target_group, offer_topic, partner, project};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Select,
};
use uuid::Uuid;

use super::offers::OfferFilter;
use super::partners::PartnerFilter;
use super::projects::ProjectFilter;
use super::refs::{region_ref, topic_ref};
use super::resource::{ColumnOf, Resource};
use super::{Ctx, offers, partners, projects};
use crate::dto::{Bucket, OfferStats, PartnerStats, ProjectStats};
use crate::error::AppResult;

/// `(key, count)` per value of `column` among the rows of `select`.
async fn group_count<E, C, K>(
    db: &C,
    select: Select<E>,
    column: E::Column,
) -> AppResult<Vec<(K, i64)>>
where
    E: EntityTrait,
    C: ConnectionTrait,
    K: sea_orm::TryGetable,
    (K, i64): sea_orm::TryGetableMany,
{
    Ok(select
        .select_only()
        .column(column)
        // COUNT(*), not COUNT(column): rows where the column is NULL form a bucket too.
        .column_as(Expr::cust("COUNT(*)"), "count")
        .group_by(column)
        .into_tuple::<(K, i64)>()
        .all(db)
        .await?)
}

fn buckets(mut counts: Vec<(String, String, i64)>) -> Vec<Bucket> {
    counts.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    counts
        .into_iter()
        .map(|(key, label, count)| Bucket {
            key,
            label,
            count: u64::try_from(count).unwrap_or(0),
        })
        .collect()
}

/// Vocabulary buckets: the stored value is key and label.
fn plain(counts: Vec<(Option<String>, i64)>) -> Vec<Bucket> {
    buckets(
        counts
            .into_iter()
            .map(|(key, n)| {
                let key = key.unwrap_or_else(|| "none".to_owned());
                (key.clone(), key, n)
            })
            .collect(),
    )
}

/// Link rows of the offers selected by `ids` (all rows without it).
fn of_offers<E: EntityTrait>(
    select: Select<E>,
    offer_id: E::Column,
    ids: &Option<sea_orm::sea_query::SelectStatement>,
) -> Select<E> {
    match ids {
        Some(ids) => select.filter(offer_id.in_subquery(ids.clone())),
        None => select,
    }
}

/// The counts behind [`OfferStats`], before labels: the same in every
/// language, so one generation computes them once per filter.
#[derive(Debug)]
struct OfferCounts {
    total: u64,
    by_kind: Vec<(Option<String>, i64)>,
    by_cost: Vec<(Option<String>, i64)>,
    by_group: Vec<(Option<String>, i64)>,
    by_topic: Vec<(Uuid, i64)>,
    by_region: Vec<(Uuid, i64)>,
}

/// Counts the offers `filter` selects: six `GROUP BY`/`COUNT` statements.
async fn count_offers<C: ConnectionTrait>(
    db: &C,
    filter: &OfferFilter,
    ctx: &Ctx,
) -> AppResult<OfferCounts> {
    let condition = offers::condition(db, filter, ctx, offers::Access::All).await?;
    let matching = || offer::Entity::find().filter(condition.clone());
    let ids = || {
        Query::select()
            .column(offer::Column::Id)
            .from(offer::Entity)
            .cond_where(condition.clone())
            .to_owned()
    };
    // Without a filter every offer counts: the link tables are counted as
    // they are. `offer_id IN (SELECT id FROM offers)` would give the same
    // numbers but makes SQLite build a temporary index of every id first
    // (18–33 ms per table on 20,000 offers, against 2–4 ms).
    let only = (!condition.is_empty()).then(ids);
    Ok(OfferCounts {
        total: matching().count(db).await?,
        by_kind: group_count(db, matching(), offer::Column::Kind).await?,
        by_cost: group_count(db, matching(), offer::Column::Cost).await?,
        by_group: group_count(
            db,
            of_offers(
                offer_target_group::Entity::find(),
                offer_target_group::Column::OfferId,
                &only,
            ),
            offer_target_group::Column::TargetGroup,
        )
        .await?,
        by_topic: group_count(
            db,
            of_offers(
                offer_topic::Entity::find(),
                offer_topic::Column::OfferId,
                &only,
            ),
            offer_topic::Column::TopicId,
        )
        .await?,
        by_region: group_count(
            db,
            of_offers(
                offer_region::Entity::find(),
                offer_region::Column::OfferId,
                &only,
            ),
            offer_region::Column::RegionId,
        )
        .await?,
    })
}

/// Offers counted by topic, region, kind, target group and cost. The counts
/// are computed once per generation of the data and filter
/// ([`super::store::Memo`]); topic and region names come from the
/// snapshot's reference data.
#[tracing::instrument(name = "service.stats.offers", skip_all)]
pub async fn offer_stats<C: ConnectionTrait>(
    db: &C,
    filter: &OfferFilter,
    ctx: &Ctx,
) -> AppResult<OfferStats> {
    let snapshot = ctx.snapshot().await?;
    let counts = snapshot
        .memo
        .get_or_compute(
            "stats.offers",
            format!("{filter:?}"),
            count_offers(db, filter, ctx),
        )
        .await?;
    let reference = &snapshot.reference;
    Ok(OfferStats {
        total: counts.total,
        by_topic: buckets(
            counts
                .by_topic
                .iter()
                .filter_map(|(id, n)| {
                    let t = reference.topics.get(*id)?;
                    Some((t.slug.clone(), topic_ref(t, ctx).label, *n))
                })
                .collect(),
        ),
        by_region: buckets(
            counts
                .by_region
                .iter()
                .filter_map(|(id, n)| {
                    let r = reference.regions.get(*id)?;
                    Some((r.slug.clone(), region_ref(r, ctx).name, *n))
                })
                .collect(),
        ),
        by_kind: plain(counts.by_kind.clone()),
        by_target_group: plain(counts.by_group.clone()),
        by_cost: plain(counts.by_cost.clone()),
    })
}

/// The counts behind [`PartnerStats`] and [`ProjectStats`]: a total and
/// two breakdowns.
#[derive(Debug)]
struct Counts {
    total: u64,
    first: Vec<(Option<String>, i64)>,
    second: Vec<(Option<String>, i64)>,
}

/// Counts the rows of `select` in total and by `first` and `second`.
async fn count_by<E: EntityTrait<Model: Sync>, C: ConnectionTrait>(
    db: &C,
    select: Select<E>,
    (first, second): (E::Column, E::Column),
) -> AppResult<Counts> {
    Ok(Counts {
        total: select.clone().count(db).await?,
        first: group_count(db, select.clone(), first).await?,
        second: group_count(db, select, second).await?,
    })
}

/// The [`Counts`] of the rows of `R` that `filter` selects, by `columns`,
/// once per generation and filter (memo `kind`).
async fn memo_counts<R, C>(
    kind: &'static str,
    db: &C,
    filter: &R::Filter,
    ctx: &Ctx,
    columns: (ColumnOf<R>, ColumnOf<R>),
) -> AppResult<std::sync::Arc<Counts>>
where
    R: Resource<Entity: EntityTrait<Model: Sync>, Filter: std::fmt::Debug>,
    C: ConnectionTrait,
{
    let compute = async {
        let select = R::filtered(db, filter, ctx, None).await?;
        count_by(db, select, columns).await
    };
    let snapshot = ctx.snapshot().await?;
    let key = format!("{filter:?}");
    snapshot.memo.get_or_compute(kind, key, compute).await
}

/// Partners counted by alliance group and kind (once per generation and
/// filter).
#[tracing::instrument(name = "service.stats.partners", skip_all)]
pub async fn partner_stats<C: ConnectionTrait>(
    db: &C,
    filter: &PartnerFilter,
    ctx: &Ctx,
) -> AppResult<PartnerStats> {
    let columns = (partner::Column::AllianceGroup, partner::Column::Kind);
    let counts =
        memo_counts::<partners::Partners, _>("stats.partners", db, filter, ctx, columns).await?;
    Ok(PartnerStats {
        total: counts.total,
        by_alliance_group: plain(counts.first.clone()),
        by_kind: plain(counts.second.clone()),
    })
}

/// Projects counted by kind and status (once per generation and filter).
#[tracing::instrument(name = "service.stats.projects", skip_all)]
pub async fn project_stats<C: ConnectionTrait>(
    db: &C,
    filter: &ProjectFilter,
    ctx: &Ctx,
) -> AppResult<ProjectStats> {
    let columns = (project::Column::Kind, project::Column::Status);
    let counts =
        memo_counts::<projects::Projects, _>("stats.projects", db, filter, ctx, columns).await?;
    Ok(ProjectStats {
        total: counts.total,
        by_kind: plain(counts.first.clone()),
        by_status: plain(counts.second.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_ordered_by_count_then_key() {
        let b = buckets(vec![
            ("b".into(), "B".into(), 2),
            ("a".into(), "A".into(), 2),
            ("c".into(), "C".into(), 5),
        ]);
        let keys: Vec<&str> = b.iter().map(|b| b.key.as_str()).collect();
        assert_eq!(keys, ["c", "a", "b"]);
    }

    #[test]
    fn a_missing_value_is_counted_as_none() {
        let b = plain(vec![(None, 3), (Some("government".into()), 4)]);
        assert_eq!(b[1].key, "none");
        assert_eq!(b[1].count, 3);
    }
}
