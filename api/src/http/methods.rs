//! Methods: `HEAD` on every `GET` route, `405` with `Allow` for a known path
//! with the wrong method, `OPTIONS` answered with `Allow` (RFC 9110 §9.3.2,
//! §9.3.7, §15.5.6).
//!
//! actix-web routes by method and path together, so a path served only for
//! other methods falls through to the default service as if it did not
//! exist (a 404). The table here knows every path template and its methods:
//! the OpenAPI document lists the REST routes (so a route cannot be added
//! without being known here), [`UNDOCUMENTED`] the few that are not REST.
use actix_web::body::MessageBody;
use actix_web::dev::{ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::AppError;

/// Routes served outside the OpenAPI document: GraphQL, its IDE, the API
/// documentation, the document itself, and the pages for people with their
/// assets (`crate::pages::configure`).
const UNDOCUMENTED: &[(&str, &[Method])] = &[
    ("/graphql", &[Method::GET, Method::POST]),
    ("/graphiql", &[Method::GET]),
    ("/graphiql/", &[Method::GET]),
    ("/graphiql/assets/{name}", &[Method::GET]),
    ("/docs", &[Method::GET]),
    ("/docs/{_:.*}", &[Method::GET]),
    ("/openapi.json", &[Method::GET]),
    ("/finder", &[Method::GET]),
    ("/dashboard", &[Method::GET]),
    ("/offers/{key}", &[Method::GET]),
    ("/assets/{name}", &[Method::GET]),
    ("/favicon.ico", &[Method::GET]),
];

/// Every path template the server answers and the methods it answers it
/// with, built once at start-up.
#[derive(Debug)]
pub struct RouteTable {
    routes: Vec<(ResourceDef, Vec<Method>)>,
}

impl RouteTable {
    /// The table of the REST routes in `api` and of [`UNDOCUMENTED`].
    pub fn new(api: &utoipa::openapi::OpenApi) -> Self {
        let mut routes: Vec<(ResourceDef, Vec<Method>)> = UNDOCUMENTED
            .iter()
            .map(|(path, methods)| (ResourceDef::new(*path), methods.to_vec()))
            .collect();
        for (path, item) in &api.paths.paths {
            let methods = [
                (Method::GET, item.get.is_some()),
                (Method::POST, item.post.is_some()),
                (Method::PUT, item.put.is_some()),
                (Method::PATCH, item.patch.is_some()),
                (Method::DELETE, item.delete.is_some()),
            ]
            .into_iter()
            .filter_map(|(method, served)| served.then_some(method))
            .collect();
            routes.push((ResourceDef::new(path.as_str()), methods));
        }
        Self { routes }
    }

    /// The template of the first route that serves `path` (as actix-web's
    /// `match_pattern` names it: `/api/v1/offers/{key}`), for the metrics of
    /// an answer that carries no routed request.
    pub fn template(&self, path: &str) -> Option<&str> {
        self.routes
            .iter()
            .find(|(def, _)| def.is_match(path))
            .and_then(|(def, _)| def.pattern())
    }

    /// The methods served at `path` (with `HEAD` wherever `GET` is, and
    /// `OPTIONS`), or `None` for a path no route serves. `*` (the
    /// asterisk-form of `OPTIONS *`, RFC 9112 §3.2.4) is the server as a
    /// whole: every method some route serves.
    pub fn allowed(&self, path: &str) -> Option<Vec<Method>> {
        let mut methods: Vec<Method> = Vec::new();
        for (def, served) in &self.routes {
            if path == "*" || def.is_match(path) {
                methods.extend(served.iter().cloned());
            }
        }
        if methods.is_empty() {
            return None;
        }
        if methods.contains(&Method::GET) {
            methods.push(Method::HEAD);
        }
        methods.push(Method::OPTIONS);
        let mut names: Vec<Method> = Vec::new();
        for method in methods {
            if !names.contains(&method) {
                names.push(method);
            }
        }
        Some(names)
    }
}

/// The `Allow` header's value for `methods`.
pub fn allow_header(methods: &[Method]) -> String {
    methods
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Answers `HEAD` as `GET`: routing and the handler see a `GET`, and the
/// connection's codec, which saw the `HEAD`, sends the head only (with the
/// `Content-Length` the body would have had, RFC 9110 §9.3.2).
///
/// Rejected: a `HEAD` route next to every `GET` one, which every front-end
/// would have to remember.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}

/// The default service: `OPTIONS` on a known path lists its methods (204 with
/// `Allow`), another method there is a 405 problem with `Allow`, and an
/// unknown path is a 404 problem.
pub async fn unrouted(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> Result<HttpResponse, AppError> {
    let Some(methods) = table.allowed(req.path()) else {
        return Err(AppError::NoRoute);
    };
    let allow = allow_header(&methods);
    if req.method() == Method::OPTIONS {
        return Ok(HttpResponse::NoContent()
            .insert_header((header::ALLOW, allow))
            .finish());
    }
    Err(AppError::MethodNotAllowed { allow })
}
