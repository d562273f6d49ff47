//! Per-client rate limits: a quota per minute for each anonymous client
//! (by IP address, see [`super::client`]) and a separate, larger one for
//! each API key; 429 with `Retry-After` beyond it.
//!
//! Every answer states the client's policy and what is left of it in the
//! IETF `RateLimit-Policy` and `RateLimit` fields
//! (draft-ietf-httpapi-ratelimit-headers-09: `"anonymous";q=1200;w=60` and
//! `"anonymous";r=1187;t=1`), so a client can pace itself before it is
//! refused. The probes (`/health`, `/ready`, `/metrics`) are not limited:
//! a load balancer must always learn the truth.
//!
//! The quota is a GCRA bucket from the `governor` crate: `q` requests at
//! once, refilled at `q` per minute. Rejected: `actix-governor`, which
//! writes the older `X-RateLimit-*` fields and plain-text refusals instead
//! of problem documents, and keys on `Forwarded` without asking whether
//! the peer is a trusted proxy.
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use super::client::TrustedProxies;
use super::metrics::Metrics;
use crate::error::AppError;
use crate::state::AppState;

type Keyed =
    RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

/// One policy: a quota per minute for each client of one kind.
struct Bucket {
    /// `anonymous` or `key`: the policy's name in the headers and metrics.
    name: &'static str,
    per_minute: u32,
    limiter: Keyed,
}

impl Bucket {
    fn new(name: &'static str, per_minute: u32) -> Option<Self> {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute)?);
        Some(Self {
            name,
            per_minute,
            limiter: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
        })
    }

    /// Seconds until an empty part of `remaining` refills: a request comes
    /// back every `60 / q` seconds.
    fn refill_secs(&self, remaining: u32) -> u64 {
        let missing = u64::from(self.per_minute.saturating_sub(remaining));
        (missing * 60).div_ceil(u64::from(self.per_minute))
    }

    fn policy(&self) -> String {
        format!("\"{}\";q={};w=60", self.name, self.per_minute)
    }
}

/// The configured limits (`--rate-limit-per-minute`,
/// `--rate-limit-key-per-minute`, `--trusted-proxies`).
pub struct RateLimits {
    anonymous: Option<Bucket>,
    key: Option<Bucket>,
    proxies: TrustedProxies,
    checks: AtomicU64,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits")
            .field("anonymous", &self.anonymous.as_ref().map(|b| b.per_minute))
            .field("key", &self.key.as_ref().map(|b| b.per_minute))
            .finish_non_exhaustive()
    }
}

/// How often the buckets of clients that have been quiet long enough to
/// be full again are forgotten (in checks): the map holds one entry per
/// client seen recently, not per client ever seen.
const SWEEP_EVERY: u64 = 4096;

impl RateLimits {
    /// Limits of `anonymous` and `key` requests per minute (0: unlimited),
    /// believing forwarding headers from `proxies`.
    pub fn new(anonymous: u32, key: u32, proxies: TrustedProxies) -> Self {
        Self {
            anonymous: Bucket::new("anonymous", anonymous),
            key: Bucket::new("key", key),
            proxies,
            checks: AtomicU64::new(0),
        }
    }

    /// The client's address behind the trusted proxies.
    pub fn client_ip(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        self.proxies.client_ip(peer, headers)
    }

    fn sweep(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            for bucket in [&self.anonymous, &self.key].into_iter().flatten() {
                bucket.limiter.retain_recent();
                bucket.limiter.shrink_to_fit();
            }
        }
    }
}

/// Paths that are never limited: the probes.
fn exempt(path: &str) -> bool {
    matches!(path, "/health" | "/ready" | "/metrics")
}

/// The token of `Authorization: Bearer <token>`.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
}

const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");
const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");

fn set_fields(headers: &mut HeaderMap, bucket: &Bucket, remaining: u32, reset: u64) {
    if let Ok(policy) = HeaderValue::from_str(&bucket.policy()) {
        headers.insert(RATELIMIT_POLICY, policy);
    }
    let state = format!("\"{}\";r={remaining};t={reset}", bucket.name);
    if let Ok(state) = HeaderValue::from_str(&state) {
        headers.insert(RATELIMIT, state);
    }
}

/// The middleware (see the module documentation).
pub async fn rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let limits = req.app_data::<web::Data<RateLimits>>().cloned();
    let Some(limits) = limits.filter(|_| !exempt(req.path())) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    // A valid key has a quota of its own; an invalid one counts as
    // anonymous (else made-up keys would each get a fresh quota).
    let mut chosen = None;
    if let (Some(bucket), Some(token)) = (&limits.key, bearer(req.headers())) {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        if let Some(state) = state
            && let Ok(principal) = crate::service::keys::authenticate(&state.db, token).await
        {
            chosen = Some((bucket, format!("key:{}", principal.name)));
        }
    }
    if chosen.is_none()
        && let Some(bucket) = &limits.anonymous
    {
        let peer = req.peer_addr().map(|a| a.ip());
        let ip = limits.client_ip(peer, req.headers());
        chosen = Some((
            bucket,
            ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()),
        ));
    }
    let Some((bucket, client)) = chosen else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    limits.sweep();
    match bucket.limiter.check_key(&client) {
        Ok(snapshot) => {
            let remaining = snapshot.remaining_burst_capacity();
            let mut response = next.call(req).await?.map_into_boxed_body();
            set_fields(
                response.headers_mut(),
                bucket,
                remaining,
                bucket.refill_secs(remaining),
            );
            Ok(response)
        }
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            if let Some(metrics) = req.app_data::<web::Data<Arc<Metrics>>>() {
                metrics.rate_limited.with_label_values(&[bucket.name]).inc();
            }
            let err = AppError::TooManyRequests {
                policy: bucket.name,
                per_minute: bucket.per_minute,
                retry_after: retry_after.max(1),
            };
            let mut response = err.error_response();
            set_fields(response.headers_mut(), bucket, 0, retry_after.max(1));
            Ok(req.into_response(response))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_and_refill_follow_the_quota() {
        let bucket = Bucket::new("anonymous", 120).unwrap();
        assert_eq!(bucket.policy(), "\"anonymous\";q=120;w=60");
        assert_eq!(bucket.refill_secs(120), 0);
        assert_eq!(bucket.refill_secs(119), 1);
        assert_eq!(bucket.refill_secs(0), 60);
        assert!(Bucket::new("off", 0).is_none());
    }
}
