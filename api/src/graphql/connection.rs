//! Relay connections over the service's keyset pages.
use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, OutputType, SimpleObject};

use crate::error::{AppError, AppResult};
use crate::service::page::{Cursor, DEFAULT_LIMIT, Listing, MAX_LIMIT, PageRequest};

/// Extra fields of every connection.
#[derive(Debug, SimpleObject)]
pub struct ConnectionTotals {
    /// Number of nodes matching the filter; computed only when selected.
    pub total_count: Option<u64>,
}

/// A connection of `T` with string cursors and `totalCount`.
pub type PageConnection<T> = Connection<String, T, ConnectionTotals, EmptyFields>;

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
    let (has_previous, has_next) = if page.backward {
        (listing.has_more, page.before.is_some())
    } else {
        (page.after.is_some(), listing.has_more)
    };
    let mut connection = Connection::with_additional_fields(
        has_previous,
        has_next,
        ConnectionTotals {
            total_count: listing.total,
        },
    );
    connection.edges.extend(
        listing
            .cursors
            .into_iter()
            .zip(listing.items)
            .map(|(cursor, node)| Edge::new(cursor, node)),
    );
    connection
}
