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
//! A key's quota needs the database's word that the key is valid; that
//! word is kept for [`KEY_VERDICT_TTL`], and an address may ask it of
//! keys not yet known only as often as it may make anonymous requests, so
//! neither a repeated nor a made-up key costs a statement per request.
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
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError, web};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use quick_cache::sync::Cache;
use sha2::{Digest, Sha256};

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
    /// Lookups of keys not yet known, per address: as many as anonymous
    /// requests.
    lookups: Option<Bucket>,
    proxies: TrustedProxies,
    checks: AtomicU64,
    /// What the database said of recent keys (by the SHA-256 of the token):
    /// the key's name, or `None` for one that is not valid.
    verdicts: Cache<[u8; 32], (Instant, Option<Arc<str>>)>,
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
            lookups: Bucket::new("key-lookup", anonymous),
            proxies,
            checks: AtomicU64::new(0),
            verdicts: Cache::new(KEY_VERDICTS),
        }
    }

    /// What the database said of `token` within [`KEY_VERDICT_TTL`]:
    /// `Some(Some(name))` for a valid key, `Some(None)` for one that is not,
    /// `None` if it has not been asked.
    fn verdict(&self, token: &str) -> Option<Option<Arc<str>>> {
        let (asked, name) = self.verdicts.get(&token_digest(token))?;
        (asked.elapsed() < KEY_VERDICT_TTL).then_some(name)
    }

    fn remember(&self, token: &str, name: Option<Arc<str>>) {
        self.verdicts
            .insert(token_digest(token), (Instant::now(), name));
    }

    /// The client's address behind the trusted proxies.
    pub fn client_ip(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        self.proxies.client_ip(peer, headers)
    }

    fn sweep(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            for bucket in [&self.anonymous, &self.key, &self.lookups]
                .into_iter()
                .flatten()
            {
                bucket.limiter.retain_recent();
                bucket.limiter.shrink_to_fit();
            }
        }
    }
}

/// How many keys' verdicts are kept (least recently used ones go first).
const KEY_VERDICTS: usize = 4096;

/// How long a key's verdict chooses its quota without asking the database
/// again. Only the quota: a write checks its key on every request, so a
/// revoked key cannot write, and keeps the key quota for at most this long.
/// As long as `last_used_at`'s granularity, which this check also writes.
pub const KEY_VERDICT_TTL: Duration = Duration::from_secs(60);

fn token_digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
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

/// The `RateLimit-Policy` and `RateLimit` fields of `bucket` with
/// `remaining` requests left, full again in `reset` seconds.
fn fields(bucket: &Bucket, remaining: u32, reset: u64) -> Vec<(HeaderName, HeaderValue)> {
    let state = format!("\"{}\";r={remaining};t={reset}", bucket.name);
    [(RATELIMIT_POLICY, bucket.policy()), (RATELIMIT, state)]
        .into_iter()
        .filter_map(|(name, value)| Some((name, HeaderValue::from_str(&value).ok()?)))
        .collect()
}

fn set_fields(headers: &mut HeaderMap, fields: &[(HeaderName, HeaderValue)]) {
    for (name, value) in fields {
        headers.insert(name.clone(), value.clone());
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
    limits.sweep();
    let anonymous = limits.anonymous.as_ref().map(|bucket| {
        let peer = req.peer_addr().map(|a| a.ip());
        let ip = limits.client_ip(peer, req.headers());
        let client = ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
        (bucket, client)
    });
    // A valid key has a quota of its own; an invalid one counts as
    // anonymous (else made-up keys would each get a fresh quota).
    let mut key_client = None;
    if let (Some(bucket), Some(token)) = (&limits.key, bearer(req.headers())) {
        let verdict = match limits.verdict(token) {
            Some(verdict) => verdict,
            None => lookup(&req, &limits, anonymous.as_ref(), token).await,
        };
        if let Some(name) = verdict {
            key_client = Some((bucket, format!("key:{name}")));
        }
    }
    let decision = match (key_client, &anonymous) {
        (Some((bucket, client)), _) => Some((bucket, check(&req, bucket, &client))),
        (None, Some((bucket, client))) => Some((*bucket, check(&req, bucket, client))),
        (None, None) => None,
    };
    let Some((bucket, decision)) = decision else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let remaining = match decision {
        Ok(remaining) => remaining,
        Err(refusal) => return Ok(req.into_response(*refusal)),
    };
    let fields = fields(bucket, remaining, bucket.refill_secs(remaining));
    match next.call(req).await {
        Ok(response) => {
            let mut response = response.map_into_boxed_body();
            set_fields(response.headers_mut(), &fields);
            Ok(response)
        }
        // An inner layer's error (the read deadline's 503) is rendered
        // outside; it gets the fields then.
        Err(mut err) => {
            err.add_response_mapper(move |mut response| {
                set_fields(response.headers_mut(), &fields);
                response
            });
            Err(err)
        }
    }
}

/// Asks the database whether `token` is a valid key: its name, or `None`.
///
/// Each address may ask as often a minute as it may make anonymous requests
/// (the `lookups` bucket); beyond that the key counts as anonymous unasked,
/// so made-up keys cannot cost the database more than that.
async fn lookup(
    req: &ServiceRequest,
    limits: &RateLimits,
    anonymous: Option<&(&Bucket, String)>,
    token: &str,
) -> Option<Arc<str>> {
    if let (Some(lookups), Some((_, client))) = (&limits.lookups, anonymous)
        && lookups.limiter.check_key(client).is_err()
    {
        return None;
    }
    let state = req.app_data::<web::Data<AppState>>()?;
    match crate::service::keys::authenticate(&state.db, token).await {
        Ok(principal) => {
            let name: Arc<str> = principal.name.into();
            limits.remember(token, Some(name.clone()));
            Some(name)
        }
        Err(AppError::Unauthorized { .. }) => {
            limits.remember(token, None);
            None
        }
        // The database is away: anonymous this time, asked again next time.
        Err(_) => None,
    }
}

/// Counts one request of `client` against `bucket`: the requests left, or
/// the 429 problem (with `Retry-After` and the fields) that refuses it.
fn check(req: &ServiceRequest, bucket: &Bucket, client: &str) -> Result<u32, Box<HttpResponse>> {
    match bucket.limiter.check_key(&client.to_owned()) {
        Ok(snapshot) => Ok(snapshot.remaining_burst_capacity()),
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let retry_after = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
            if let Some(metrics) = req.app_data::<web::Data<Arc<Metrics>>>() {
                metrics.rate_limited.with_label_values(&[bucket.name]).inc();
            }
            let err = AppError::TooManyRequests {
                policy: bucket.name,
                per_minute: bucket.per_minute,
                retry_after,
            };
            let mut response = err.error_response();
            set_fields(response.headers_mut(), &fields(bucket, 0, retry_after));
            Err(Box::new(response))
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
