//! Root query fields: one object per resource, merged.
use async_graphql::{Context, ErrorExtensions, MergedObject, Object, Result};

use super::connection::{PageConnection, into_connection, page_request};
use crate::error::AppError;
use crate::service::offers::OfferFilter;
use crate::service::page::{Listing, PageRequest, Sort};
use crate::service::partners::PartnerFilter;
use crate::service::projects::ProjectFilter;
use crate::service::resource::{self, Resource};
use crate::service::{self, Ctx};
use crate::vocab::Lang;

/// The root of every query.
#[derive(MergedObject, Default)]
pub struct QueryRoot(
    CollectionQuery,
    StatsQuery,
    SearchQuery,
    MatchQuery,
    ChangesQuery,
);

fn db<'a>(ctx: &Context<'a>) -> Result<&'a sea_orm::DatabaseConnection> {
    ctx.data::<sea_orm::DatabaseConnection>()
}

/// The request's context, with the language of a root field's `lang`
/// argument when given (its whole subtree follows it).
pub(super) fn request_ctx(ctx: &Context<'_>, lang: Option<Lang>) -> Result<Ctx> {
    let mut request = ctx.data::<Ctx>()?.clone();
    if let Some(lang) = lang {
        request.lang = lang;
    }
    Ok(request)
}

/// `Ok(None)` for a missing record: GraphQL reports absence as `null`.
fn optional<T>(result: Result<T, AppError>) -> Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(AppError::NotFound { .. }) => Ok(None),
        Err(err) => Err(err.extend()),
    }
}

/// Complexity of a connection field: its page size times its selection.
/// What an aggregate over all offers, partners or projects costs: about as
/// much as 5,000 plain fields, so four fill the budget of one request (or
/// batch). Measured: one `stats.offers` over 20,000 offers took 0.29 s on
/// SQLite, a page of 100 offers with relations 0.05 s.
const STATS_COST: usize = 5_000;
/// What one full-text search costs (fuzzy terms, ranking) before its page.
const SEARCH_COST: usize = 1_000;
/// What one match costs: every offer is scored.
const MATCH_COST: usize = 2_000;
/// Items a match returns by default (`limit`, at most 100, is what it costs).
const LIST_PAGE: usize = 20;

fn page_cost(first: Option<i32>, last: Option<i32>, child: usize) -> usize {
    let size = first.or(last).unwrap_or(20).clamp(1, 100) as usize;
    size.saturating_mul(child).saturating_add(1)
}

/// The arguments every list field takes besides its filter.
struct ListArgs {
    lang: Option<Lang>,
    order_by: Option<String>,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
}

/// One page of resource `R` for a list field (the same query layer as REST).
async fn list_of<R: Resource>(
    ctx: &Context<'_>,
    filter: R::Filter,
    args: ListArgs,
) -> Result<(Listing<R::Item>, PageRequest)> {
    let (db, mut rctx) = (db(ctx)?, request_ctx(ctx, args.lang)?);
    // Only what was asked: the page reads the columns and link rows of the
    // fields its nodes select, fragments included (issue 12). Directives
    // are not evaluated: a field under `@skip` is read, never the reverse.
    let look_ahead = ctx.look_ahead();
    let fields: Vec<String> = look_ahead
        .field("edges")
        .field("node")
        .selection_fields()
        .into_iter()
        .chain(look_ahead.field("nodes").selection_fields())
        .flat_map(|node| {
            node.selection_set()
                .map(|field| field.name().to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    rctx = rctx.selecting(fields);
    let run = async {
        let sort = Sort::from_arg(R::SORTS, args.order_by.as_deref(), R::DEFAULT_SORT)?;
        let page = page_request(ctx, args.first, args.after, args.last, args.before)?;
        let listing = resource::list::<R, _>(db, &filter, &sort, &page, &rctx).await?;
        Ok::<_, AppError>((listing, page))
    };
    run.await.map_err(|e| e.extend())
}

/// The list and item root fields of one collection. A macro because
/// `#[Object]` needs a literal impl per collection; the work is done by the
/// generic [`list_of`] and [`resource::get`]. A collection without filters
/// (`[]`) has no `filter` argument.
macro_rules! collection_fields {
    ($query:ident, $list:ident, $item:ident, $dto:ty, [$filter:ty], $resource:ty, [$($prefetch:ident)?], $doc:literal) => {
        collection_fields!(@ $query, $list, $item, $dto, $resource, [$($prefetch)?], $doc,
            [#[graphql(desc = "Only records matching every given part (the filters of the REST list).")] filter: Option<$filter>,], filter.unwrap_or_default());
    };
    ($query:ident, $list:ident, $item:ident, $dto:ty, [], $resource:ty, [$($prefetch:ident)?], $doc:literal) => {
        collection_fields!(@ $query, $list, $item, $dto, $resource, [$($prefetch)?], $doc, [], ());
    };
    (@ $query:ident, $list:ident, $item:ident, $dto:ty, $resource:ty, [$($prefetch:ident)?], $doc:literal,
        [$($filter_arg:tt)*], $filter:expr) => {
        #[derive(Default)]
        pub struct $query;

        #[Object]
        impl $query {
            #[doc = $doc]
            #[graphql(complexity = "page_cost(first, last, child_complexity)")]
            #[allow(clippy::too_many_arguments)]
            async fn $list(
                &self,
                ctx: &Context<'_>,
                #[graphql(desc = "Language of the text in this field's result (and everything nested in it); defaults to the request's `Accept-Language` or `?lang=`.")]
                lang: Option<Lang>,
                $($filter_arg)*
                #[graphql(desc = "The order, e.g. `UPDATED_AT_DESC`; ties are broken by id. Default: by name, title or label ascending, meetings newest first.")]
                order_by: Option<super::order::Order<$resource>>,
                #[graphql(desc = "Records from the start, after `after`: 1 to 100 (default 20).")]
                first: Option<i32>,
                #[graphql(desc = "An edge's `cursor` (or `endCursor`): the records after it.")]
                after: Option<String>,
                #[graphql(desc = "Records from the end, before `before`: 1 to 100. A page goes forwards (`first`, `after`) or backwards (`last`, `before`), not both.")]
                last: Option<i32>,
                #[graphql(desc = "An edge's `cursor` (or `startCursor`): the records before it.")]
                before: Option<String>,
            ) -> Result<PageConnection<$dto>> {
                let args = ListArgs { lang, order_by: order_by.map(super::order::Order::into_spec), first, after, last, before };
                let (listing, page) = list_of::<$resource>(ctx, $filter, args).await?;
                $(super::objects::prefetch::$prefetch(ctx, &listing.items).await?;)?
                Ok(into_connection(listing, &page))
            }

            /// One record by id or slug; `null` if there is none.
            async fn $item(
                &self,
                ctx: &Context<'_>,
                #[graphql(desc = "The record's id (UUID) or slug (regions also: official key or NUTS code).")]
                key: String,
                #[graphql(desc = "Language of the text in the result (and everything nested in it).")]
                lang: Option<Lang>,
            ) -> Result<Option<$dto>> {
                optional(resource::get::<$resource, _>(db(ctx)?, &key, &request_ctx(ctx, lang)?).await)
            }
        }
    };
}

/// Expands [`crate::service::for_each_collection`]: the root fields of every
/// collection, merged into [`CollectionQuery`].
macro_rules! graphql_collections {
    ($(
        $name:ident {
            resource: $resource:ty,
            item: $dto:ty,
            page: $page:ty,
            filter: [$($filter:ty)?],
            tag: $tag:literal / $about:literal,
            write: $write:ty,
            record: $record:ty,
            kind: $kind:literal,
            rest: { $($rest:tt)* },
            graphql: {
                query: $query:ident,
                mutation: $mutation:ident,
                payload: $payload:ident,
                create: $create:ident,
                replace: $replace:ident,
                update: $update:ident,
                delete: $delete:ident,
                list: $list:ident,
                item: $item:ident,
                doc: $doc:literal,
                $(prefetch: $prefetch:ident,)?
            },
            publish: { $($publish:tt)* },
        }
    )*) => {
        $(collection_fields!($query, $list, $item, $dto, [$($filter)?], $resource, [$($prefetch)?], $doc);)*
        $(super::mutation::collection_mutations!($name, $mutation, $payload, $crate::rest::write::Public<$resource>, $dto, $write, $kind,
            $create, $replace, $update, $delete);)*

        /// The writes of every collection, and of a partner's contacts and
        /// people. Each answers with a payload: the record as written, or in
        /// `errors` why nothing was (`NOT_FOUND`, `INVALID_DATA`, `CONFLICT`,
        /// `PRECONDITION_FAILED`, `PRECONDITION_REQUIRED`, each with the field at
        /// fault). Only a missing or invalid key (`unauthorized`), a key without
        /// the scope (`forbidden`) and server failures are GraphQL errors; the
        /// mutation is then `null` (payloads are nullable, as GitHub's and
        /// Relay's are), and the other mutations of the document still answer.
        #[derive(async_graphql::MergedObject, Default)]
        pub struct MutationRoot($($mutation,)* super::mutation::ContactMutation, super::mutation::PersonMutation);

        /// The list and item fields of every collection.
        #[derive(MergedObject, Default)]
        pub struct CollectionQuery($($query),*);
    };
}
crate::service::for_each_collection!(graphql_collections);

#[derive(Default)]
pub struct StatsQuery;

#[Object]
impl StatsQuery {
    /// Aggregates for dashboards, as in `GET /api/v1/stats/…`.
    async fn stats(&self) -> StatsRoot {
        StatsRoot
    }
}

/// Counts by category over the same filters as the lists.
pub struct StatsRoot;

/// Counts by category over the same filters as the lists (`GET /api/v1/stats/…`).
#[Object(name = "Stats")]
impl StatsRoot {
    /// Offers counted by topic, region, kind, target group and cost.
    #[graphql(complexity = "STATS_COST + child_complexity")]
    async fn offers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Count only the records matching it (the list's filter).")] filter: Option<
            OfferFilter,
        >,
        #[graphql(desc = "Language of the labels.")] lang: Option<Lang>,
    ) -> Result<crate::dto::OfferStats> {
        let filter = filter.unwrap_or_default();
        service::stats::offer_stats(&filter, &request_ctx(ctx, lang)?)
            .await
            .map_err(|e| e.extend())
    }

    /// Partners counted by alliance group and kind.
    #[graphql(complexity = "STATS_COST + child_complexity")]
    async fn partners(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Count only the records matching it (the list's filter).")] filter: Option<
            PartnerFilter,
        >,
    ) -> Result<crate::dto::PartnerStats> {
        let filter = filter.unwrap_or_default();
        service::stats::partner_stats(db(ctx)?, &filter, &request_ctx(ctx, None)?)
            .await
            .map_err(|e| e.extend())
    }

    /// Projects counted by kind and status.
    #[graphql(complexity = "STATS_COST + child_complexity")]
    async fn projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Count only the records matching it (the list's filter).")] filter: Option<
            ProjectFilter,
        >,
    ) -> Result<crate::dto::ProjectStats> {
        let filter = filter.unwrap_or_default();
        service::stats::project_stats(db(ctx)?, &filter, &request_ctx(ctx, None)?)
            .await
            .map_err(|e| e.extend())
    }
}

#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// German full-text search over offers, projects and partners, best match
    /// first, as `GET /api/v1/search`: inflections, written-out umlauts and
    /// one-letter typos (words of 5+ letters) match; offer filters combine with
    /// `q` (then only offers are returned).
    #[graphql(complexity = "SEARCH_COST + page_cost(first, None, child_complexity)")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The words to search for (German): 1 to 200 characters, not all blank, on one line (no tabs or line breaks)."
        )]
        q: String,
        #[graphql(default, desc = "Kinds of records to return; all when empty.")] types: Vec<
            crate::dto::HitKind,
        >,
        #[graphql(desc = "Offer filters; when any is given, only offers are returned.")]
        filter: Option<OfferFilter>,
        #[graphql(desc = "Hits per page: 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(
            desc = "An edge's `cursor` (or `endCursor`) of the same search (`q` as analysed, `types`, `filter`): the hits after it. If records were written since, the page continues after that hit only if exactly the hits before it are still ranked first (no hit repeated or skipped); otherwise the error has `extensions.code` `stale_cursor`: start again without `after`."
        )]
        after: Option<String>,
        #[graphql(desc = "Language of titles and snippets.")] lang: Option<Lang>,
    ) -> Result<super::connection::PageConnection<crate::dto::SearchHit>> {
        let run = async {
            let filter = filter.unwrap_or_default();
            let limit = match first {
                None => crate::service::page::DEFAULT_LIMIT,
                Some(n) if (1..=100).contains(&n) => n as u64,
                Some(n) => {
                    return Err(AppError::invalid_parameter(
                        "first",
                        format!("must be between 1 and 100, got {n}"),
                    ));
                }
            };
            let mut request = service::search::SearchRequest {
                q,
                types,
                filter,
                limit,
                after: None,
            };
            if let Some(cursor) = &after {
                request.after = Some(service::search::read_cursor(cursor, "after", &request)?);
            }
            let rctx = request_ctx(ctx, lang)
                .map_err(|_| AppError::Unexpected(anyhow::anyhow!("no context")))?;
            let service::search::Searched { page, cursors } =
                service::search::search_with_cursors(&request, &rctx).await?;
            Ok::<_, AppError>(super::connection::PageConnection::new(
                cursors.into_iter().zip(page.items),
                request.after.is_some(),
                page.next_cursor.is_some(),
                Some(page.total),
            ))
        };
        run.await.map_err(|e| e.extend())
    }
}

#[derive(Default)]
pub struct MatchQuery;

#[Object]
impl MatchQuery {
    /// Offers ranked for a profile, with reasons, as `POST /api/v1/match`.
    #[graphql(
        complexity = "MATCH_COST + profile.limit.map_or(LIST_PAGE, |n| n.clamp(1, 100) as usize) * child_complexity"
    )]
    async fn match_offers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Who is looking, where, for what.")]
        profile: service::matching::MatchProfile,
        #[graphql(desc = "Language of the offers' text.")] lang: Option<Lang>,
    ) -> Result<service::matching::MatchResult> {
        let today = chrono::Utc::now().date_naive();
        service::matching::match_offers(db(ctx)?, &profile, today, &request_ctx(ctx, lang)?)
            .await
            .map_err(|e| e.extend())
    }
}

#[derive(Default)]
pub struct ChangesQuery;

#[Object]
impl ChangesQuery {
    /// The change feed, as `GET /api/v1/changes`: every record created,
    /// changed or deleted, in commit order, after `since` (a previous
    /// `nextCursor`; omitted: from the beginning), at most `first` (1 to
    /// 1000, default 100). Replayed in order, it re-creates the data.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A previous `nextCursor` (or any `seq`): the changes after it; omitted: from the beginning."
        )]
        since: Option<String>,
        #[graphql(desc = "At most this many changes: 1 to 1000 (default 100).")] first: Option<i32>,
    ) -> Result<crate::dto::ChangeFeed> {
        let since = match since.as_deref() {
            None => 0,
            Some(text) => text
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| {
                    AppError::invalid_parameter("since", "must be a cursor from `nextCursor`")
                        .extend()
                })?,
        };
        let max = service::changes::MAX_LIMIT as i32;
        let first = match first {
            None => service::changes::DEFAULT_LIMIT,
            Some(n) if (1..=max).contains(&n) => n as u64,
            Some(n) => {
                return Err(AppError::invalid_parameter(
                    "first",
                    format!("must be between 1 and {max}, got {n}"),
                )
                .extend());
            }
        };
        service::changes::feed(db(ctx)?, since, first)
            .await
            .map_err(|e| e.extend())
    }
}
