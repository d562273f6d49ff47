//! Relay connections over the service's keyset pages.
use std::borrow::Cow;

use async_graphql::connection::{Edge, EmptyFields, PageInfo};
use async_graphql::{Context, Object, OutputType, TypeName};

use crate::error::{AppError, AppResult};
use crate::service::page::{Cursor, DEFAULT_LIMIT, Listing, MAX_LIMIT, PageRequest};

/// One page of records as a Relay cursor connection (`OfferConnection` …,
/// <https://relay.dev/graphql/connections.htm>).
///
/// Our own type rather than async-graphql's `Connection`, whose object
/// has no description (the issue asks one of every type) and cannot be
/// given one; the fields, their names and their order are Relay's as
/// before.
pub struct PageConnection<T: OutputType> {
    edges: Vec<Edge<String, T, EmptyFields>>,
    has_previous_page: bool,
    has_next_page: bool,
    total_count: Option<u64>,
}

/// One page of records (a Relay cursor connection): the records with their
/// cursors (`edges`) or alone (`nodes`), where the page stands
/// (`pageInfo`) and, when selected, how many records match in all
/// (`totalCount`).
#[Object(name_type)]
impl<T: OutputType> PageConnection<T> {
    /// Whether there are records before and after this page, and the
    /// cursors of its first and last record (for `before` and `after`).
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_previous_page: self.has_previous_page,
            has_next_page: self.has_next_page,
            start_cursor: self.edges.first().map(|edge| edge.cursor.clone()),
            end_cursor: self.edges.last().map(|edge| edge.cursor.clone()),
        }
    }

    /// The page's records, each with its cursor.
    async fn edges(&self) -> &[Edge<String, T, EmptyFields>] {
        &self.edges
    }

    /// The page's records.
    async fn nodes(&self) -> Vec<&T> {
        self.edges.iter().map(|edge| &edge.node).collect()
    }

    /// Number of records matching the filter; computed only when selected.
    async fn total_count(&self) -> Option<u64> {
        self.total_count
    }
}

impl<T: OutputType> PageConnection<T> {
    /// The page of `records` (each with its cursor), with what comes
    /// before and after it and, when counted, the total.
    pub fn new(
        records: impl IntoIterator<Item = (String, T)>,
        has_previous_page: bool,
        has_next_page: bool,
        total_count: Option<u64>,
    ) -> Self {
        Self {
            edges: records
                .into_iter()
                .map(|(cursor, node)| Edge::new(cursor, node))
                .collect(),
            has_previous_page,
            has_next_page,
            total_count,
        }
    }
}

impl<T: OutputType> TypeName for PageConnection<T> {
    fn type_name() -> Cow<'static, str> {
        format!("{}Connection", T::type_name()).into()
    }
}

/// Relay arguments → a page request. `first`/`after` page forwards, `last`
/// (and optionally `before`) backwards; mixing directions is an error.
pub fn page_request(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> AppResult<PageRequest> {
    let size = |name: &str, n: i32| -> AppResult<u64> {
        u64::try_from(n)
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                AppError::invalid_parameter(
                    name,
                    format!("must be between 1 and {MAX_LIMIT}, got {n}"),
                )
            })
    };
    let cursor = |name: &str, text: String| -> AppResult<Cursor> {
        Cursor::decode(&text)
            .ok_or_else(|| AppError::invalid_parameter(name, "is not a cursor issued by this API"))
    };
    if (last.is_some() || before.is_some()) && (first.is_some() || after.is_some()) {
        return Err(AppError::invalid_parameter(
            "last",
            "page either forwards (first/after) or backwards (last/before), not both",
        ));
    }
    let include_total = ctx.look_ahead().field("totalCount").exists();
    let backward = last.is_some() || before.is_some();
    Ok(PageRequest {
        limit: match (first, last) {
            (Some(n), _) => size("first", n)?,
            (_, Some(n)) => size("last", n)?,
            _ => DEFAULT_LIMIT,
        },
        after: after.map(|c| cursor("after", c)).transpose()?,
        before: before.map(|c| cursor("before", c)).transpose()?,
        backward,
        include_total,
        with_cursors: true,
    })
}

/// A service listing → a Relay connection.
pub fn into_connection<T: OutputType>(
    listing: Listing<T>,
    page: &PageRequest,
) -> PageConnection<T> {
    let (has_previous_page, has_next_page) = if page.backward {
        (listing.has_more, page.before.is_some())
    } else {
        (page.after.is_some(), listing.has_more)
    };
    PageConnection::new(
        listing.cursors.into_iter().zip(listing.items),
        has_previous_page,
        has_next_page,
        listing.total,
    )
}
