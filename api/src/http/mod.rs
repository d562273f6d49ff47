//! HTTP semantics every route shares (RFC 9110, RFC 9111, the Fetch
//! standard's CORS protocol), as middleware and helpers, so no handler has
//! to remember them:
//!
//! - [`methods`]: `HEAD` wherever `GET` is, `405` with `Allow`, `OPTIONS`;
//! - [`cors`]: cross-origin reads from anywhere, writes from configured
//!   origins;
//! - [`conditional`]: `ETag`, `Last-Modified`, `304`, `Cache-Control`;
//! - [`headers`]: security headers and the compression threshold;
//! - [`media`]: request media types.
pub mod conditional;
pub mod cors;
pub mod headers;
pub mod media;
pub mod methods;
