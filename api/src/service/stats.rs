//! Aggregates for dashboards: counts by category, over the same filters as
//! the lists. Partner and project breakdowns are one `GROUP BY` query each;
//! offers are counted from the snapshot's corpus with the list's own
//! selection (`service::selection`), so a count and a list never disagree.
//! The counts depend on the data and the filter only: each generation of
//! the data computes them once per filter (the snapshot's memo), and each
//! request labels them in its language.
use std::collections::HashMap;

use entity::{partner, project};
use sea_orm::sea_query::Expr;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, QuerySelect, Select};
use uuid::Uuid;

use super::offers::OfferFilter;
use super::partners::PartnerFilter;
use super::projects::ProjectFilter;
use super::refs::{region_ref, topic_ref};
use super::resource::{ColumnOf, Resource};
use super::selection::OfferSelection;
use super::{Ctx, partners, projects};
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

/// Counts the offers `filter` selects, from the snapshot's corpus (the
/// selection of `service::selection`, as for the list): no statement.
async fn count_offers(filter: &OfferFilter, ctx: &Ctx) -> AppResult<OfferCounts> {
    let selection = OfferSelection::resolve(filter, ctx).await?;
    let snapshot = ctx.snapshot().await?;
    fn add<K: std::hash::Hash + Eq>(counts: &mut HashMap<K, i64>, key: K) {
        *counts.entry(key).or_default() += 1;
    }
    let (mut kinds, mut costs, mut groups) = (HashMap::new(), HashMap::new(), HashMap::new());
    let (mut topics, mut regions) = (HashMap::new(), HashMap::new());
    let mut total = 0;
    for offer in selection.of(&snapshot.corpus) {
        total += 1;
        add(&mut kinds, offer.kind.as_str());
        add(&mut costs, offer.cost.as_str());
        for group in offer.target_groups.iter() {
            add(&mut groups, group.as_str());
        }
        for topic in &offer.topics {
            add(&mut topics, *topic);
        }
        for (region, _) in &offer.regions {
            add(&mut regions, *region);
        }
    }
    let named = |counts: HashMap<&str, i64>| -> Vec<(Option<String>, i64)> {
        (counts.into_iter())
            .map(|(key, n)| (Some(key.to_owned()), n))
            .collect()
    };
    Ok(OfferCounts {
        total,
        by_kind: named(kinds),
        by_cost: named(costs),
        by_group: named(groups),
        by_topic: topics.into_iter().collect(),
        by_region: regions.into_iter().collect(),
    })
}

/// Offers counted by topic, region, kind, target group and cost. The counts
/// are computed once per generation of the data and filter
/// ([`super::store::Memo`]); topic and region names come from the
/// snapshot's reference data.
#[tracing::instrument(name = "service.stats.offers", skip_all)]
pub async fn offer_stats(filter: &OfferFilter, ctx: &Ctx) -> AppResult<OfferStats> {
    let snapshot = ctx.snapshot().await?;
    let counts = snapshot
        .memo
        .get_or_compute(
            "stats.offers",
            format!("{filter:?}"),
            count_offers(filter, ctx),
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
