//! What operators see and set: metrics, per-request timing and logs, and
//! rate limits (issue 17).
//!
//! - [`metrics`]: the Prometheus families at `/metrics`;
//! - [`observe`]: the middleware that times every request (`Server-Timing`,
//!   the slow-request log line, the request metrics) and carries the request
//!   id;
//! - [`rate_limit`]: per-client quotas with the IETF `RateLimit` headers;
//! - [`client`]: who the client is behind trusted proxies;
//! - [`admin`]: the operator's own listener.
pub mod admin;
pub mod client;
pub mod metrics;
pub mod observe;
pub mod rate_limit;
