//! The operator's listener (`--admin-addr`): `/metrics`, `/health` and
//! `/ready` on an address of their own, which a firewall can keep from the
//! public, and `/metrics` no longer on the public one.
//!
//! One server listens on both addresses (one set of workers, one state);
//! a request's listener is told by the local address of its connection.
//! Rejected: a second server with its own workers, which would double the
//! threads for three cheap endpoints.
use std::net::SocketAddr;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use crate::error::AppError;

/// The bound address of the operator's listener, if there is one.
#[derive(Debug, Clone, Copy)]
pub struct AdminAddr(pub Option<SocketAddr>);

/// What the operator's listener serves.
fn operator_endpoint(path: &str) -> bool {
    matches!(path, "/metrics" | "/health" | "/ready")
}

/// 404 for `/metrics` on the public listener and for anything but the
/// operator's endpoints on the operator's; without `--admin-addr`, nothing.
pub async fn split_listeners(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let admin = req.app_data::<web::Data<AdminAddr>>().and_then(|a| a.0);
    if let Some(admin) = admin {
        let on_admin = req.app_config().local_addr() == admin;
        let refused = match on_admin {
            true => !operator_endpoint(req.path()),
            false => req.path() == "/metrics",
        };
        if refused {
            return Ok(req.error_response(AppError::NoRoute));
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}
