//! `/graphql` over HTTP (GraphQL-over-HTTP) and `/graphiql`.
//!
//! Hand-written rather than async-graphql-actix-web's extractor so that the
//! status codes follow the GraphQL-over-HTTP spec: with `Accept:
//! application/graphql-response+json`, a request that cannot be executed
//! (parse or validation error, limits) is a 400; with `application/json` it
//! is a 200 with `errors`, as legacy clients expect. Malformed HTTP (bad JSON,
//! wrong content type, a mutation over GET) gets a problem+json 4xx.
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, BatchResponse};

use super::loaders::Loaders;
use super::{AppSchema, Limits, guard};
use crate::error::{AppError, AppResult, FieldError};
use crate::state::AppState;

/// The GraphQL-over-HTTP response media type.
pub const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// Registers `/graphql` (GET and POST) and `/graphiql`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/graphql", web::post().to(graphql))
        .route("/graphql", web::get().to(graphql))
        .route("/graphiql", web::get().to(graphiql))
        // As `/docs` leads to `/docs/`: the other spelling a user types.
        .route(
            "/graphiql/",
            web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header((header::LOCATION, "/graphiql"))
                    .finish()
            }),
        );
    cfg.route("/graphiql/assets/{name}", web::get().to(graphiql_asset));
}

fn wants_graphql_response(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains(GRAPHQL_RESPONSE))
}

/// Reads `lang` from the URL, else `Accept-Language`, as REST does, and
/// with REST's strictness: a bad or repeated `lang`, or a parameter that is
/// neither `lang` nor one of GraphQL-over-HTTP's GET parameters, is a 400
/// problem. Not REST's parser: a GET's `query` holds newlines and tabs,
/// GraphQL's whitespace, which REST refuses in parameters.
fn language(req: &HttpRequest, state: &AppState) -> AppResult<crate::service::Ctx> {
    // `operation_name` is async-graphql's spelling, read by its parser too.
    const GET_PARAMETERS: [&str; 5] = [
        "query",
        "variables",
        "operationName",
        "operation_name",
        "extensions",
    ];
    let mut errors = Vec::new();
    let mut lang = None;
    let mut langs = 0;
    for (name, value) in form_urlencoded::parse(req.query_string().as_bytes()) {
        if name == "lang" {
            langs += 1;
            match value.parse::<crate::rest::LangTag>() {
                Ok(crate::rest::LangTag(value)) => lang = Some(value),
                Err(message) => errors.push(FieldError::new("lang", message)),
            }
        } else if req.method() != Method::GET || !GET_PARAMETERS.contains(&name.as_ref()) {
            errors.push(FieldError::new(
                crate::limits::quote(&name),
                "unknown parameter; allowed here: lang (and query, variables, operationName, extensions with GET)",
            ));
        }
    }
    if langs > 1 {
        errors.push(FieldError::new(
            "lang",
            "takes one value and was given more than once",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::InvalidParameters(errors));
    }
    Ok(state.ctx(req, lang))
}

/// Whether the operation a GET would run is a mutation: the one named by
/// `operationName`, else the only one (a document with several and no name
/// is refused by the executor).
fn is_mutation(query: &str, operation_name: Option<&str>) -> bool {
    async_graphql::parser::parse_query(query).is_ok_and(|doc| {
        doc.operations.iter().any(|(name, op)| {
            op.node.ty == OperationType::Mutation
                && operation_name.is_none_or(|wanted| name.is_some_and(|n| n.as_str() == wanted))
        })
    })
}

/// The 400 for a POST body that is not a GraphQL request, saying what is
/// wrong in the terms of the body (JSON syntax, a field of one request), not
/// of the types it is read into (serde's "untagged enum BatchRequest").
/// Diagnosed only after the fast parse failed.
fn not_a_request(body: &[u8]) -> AppError {
    let shorten = |e: serde_json::Error| crate::limits::shorten_quotes(&e.to_string());
    let problem = match serde_json::from_slice::<serde_json::Value>(body) {
        Err(e) => format!("the body is not JSON: {}", shorten(e)),
        Ok(serde_json::Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .find_map(|(i, item)| {
                serde_json::from_value::<async_graphql::Request>(item)
                    .err()
                    .map(|e| format!("operation {i} of the batch: {}", shorten(e)))
            })
            .unwrap_or_else(|| "the batch could not be read".to_owned()),
        Ok(value @ serde_json::Value::Object(_)) => {
            match serde_json::from_value::<async_graphql::Request>(value) {
                Err(e) => shorten(e),
                Ok(_) => "the request could not be read".to_owned(),
            }
        }
        Ok(_) => "expected a JSON object".to_owned(),
    };
    AppError::BadRequest(format!(
        "the body is not a GraphQL request (an object with a `query` string, \
         or an array of them): {problem}"
    ))
}

/// Executes a GraphQL request (POST body or GET query string).
pub async fn graphql(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
    limits: web::Data<Limits>,
) -> AppResult<HttpResponse> {
    let ctx = language(&req, &state)?;
    let batch = if req.method() == Method::GET {
        let mut request =
            async_graphql::http::parse_query_string(req.query_string()).map_err(|e| {
                AppError::BadRequest(format!(
                    "invalid GraphQL GET request: {}",
                    crate::limits::shorten_quotes(&e.to_string())
                ))
            })?;
        if let Some((_, variables)) = form_urlencoded::parse(req.query_string().as_bytes())
            .find(|(name, _)| name == "variables")
        {
            crate::service::import::unique_keys(variables.as_bytes())
                .map_err(|e| AppError::BadRequest(e.replace("the body", "`variables`")))?;
        }
        // GraphQL over HTTP names it `operationName`; async-graphql's
        // parser only reads `operation_name`.
        if request.operation_name.is_none() {
            request.operation_name = form_urlencoded::parse(req.query_string().as_bytes())
                .find(|(name, _)| name == "operationName")
                .map(|(_, value)| value.into_owned());
        }
        // The scan first: parsing an unscanned document can overflow the stack.
        if guard::scan(&request.query, &limits).is_ok()
            && is_mutation(&request.query, request.operation_name.as_deref())
        {
            return Err(AppError::MethodNotAllowed {
                // GraphQL over HTTP: mutations are only run from POST.
                allow: "POST".to_owned(),
            });
        }
        BatchRequest::Single(request)
    } else {
        crate::http::media::require(&req, &[crate::http::media::JSON])?;
        let body = crate::guard::read_body(payload, guard::MAX_BODY_BYTES).await?;
        // serde_json stops at 128 levels of nesting, so a deep body cannot
        // overflow the stack; its messages quote no input beyond a token.
        let batch =
            serde_json::from_slice::<BatchRequest>(&body).map_err(|_| not_a_request(&body))?;
        // As REST bodies: `{"r": {"slug": "a", "slug": "b"}}` would write `b`.
        crate::service::import::unique_keys(&body).map_err(AppError::BadRequest)?;
        batch
    };
    // GraphQL over HTTP §6.1: a request without a document is malformed.
    // (A browser that lands here wants the IDE, so the message names it.)
    let empty = |r: &async_graphql::Request| r.query.trim().is_empty();
    match &batch {
        BatchRequest::Single(r) if empty(r) => {
            return Err(AppError::BadRequest(
                "a GraphQL request needs a non-empty `query` (the interactive IDE is at /graphiql)"
                    .to_owned(),
            ));
        }
        BatchRequest::Batch(requests) if requests.is_empty() => {
            return Err(AppError::BadRequest(
                "a batch holds at least one operation".to_owned(),
            ));
        }
        BatchRequest::Batch(requests) if requests.iter().any(empty) => {
            return Err(AppError::BadRequest(
                "every operation of a batch needs a non-empty `query`".to_owned(),
            ));
        }
        _ => {}
    }
    if let BatchRequest::Batch(requests) = &batch
        && requests.len() > limits.batch
    {
        return Err(AppError::BadRequest(format!(
            "a batch may hold at most {} operations, got {}",
            limits.batch,
            requests.len()
        )));
    }

    // A key is only needed by mutations: a query with a key that is not
    // valid is answered like one without (as REST reads are).
    let caller = super::Caller::new(req.headers().get(header::AUTHORIZATION).cloned());
    let budget = std::sync::Arc::new(super::errors::BatchBudget::default());
    let prepare = |request: async_graphql::Request| {
        request
            .data(std::sync::Arc::new(Loaders::new(&state.reader, &ctx)))
            .data(ctx.clone())
            .data(budget.clone())
            .data(caller.clone())
            .data(state.get_ref().clone())
    };
    // The operations of a batch run one after the other, each with its own
    // loaders: an operation sees what the ones before it wrote, as if sent
    // in turn. Rejected: async-graphql's `execute_batch`, which runs them
    // concurrently, so a read after a mutation saw the old record, the new
    // one, or (mid-write) none, at random.
    //
    // A query ends at the read deadline (`--request-timeout-secs`), here
    // rather than in `ops::observe::deadline`, which cannot tell a POSTed
    // query from a mutation and would answer a GET with a problem, not a
    // GraphQL error: one deadline for the whole request. Mutations are
    // not cut off by it; a write has its own bound from its turn on
    // (`service::import::edit`), as REST writes do.
    let deadline = req
        .app_data::<web::Data<crate::ops::observe::ObserveSettings>>()
        .map(|s| Deadline {
            at: tokio::time::Instant::now() + s.deadline,
            limit: s.deadline,
        });
    let run = |request: async_graphql::Request| {
        let read_only = guard::scan(&request.query, &limits).is_ok()
            && !is_mutation(&request.query, request.operation_name.as_deref());
        execute(&schema, prepare(request), deadline.filter(|_| read_only))
    };
    let mut response = match batch {
        BatchRequest::Single(request) => BatchResponse::Single(run(request).await),
        BatchRequest::Batch(requests) => {
            let mut responses = Vec::with_capacity(requests.len());
            for request in requests {
                responses.push(run(request).await);
            }
            BatchResponse::Batch(responses)
        }
    };
    match &mut response {
        BatchResponse::Single(r) => guard::bound_response(r),
        BatchResponse::Batch(rs) => guard::bound_batch(rs),
    }
    // The database away or a query past its deadline: the REST answer
    // would be a 503 with `Retry-After`; GraphQL answers with the errors'
    // `code`, the header, and the same count in the metrics.
    let responses: &[async_graphql::Response] = match &response {
        BatchResponse::Single(r) => std::slice::from_ref(r),
        BatchResponse::Batch(rs) => rs,
    };
    let retry = responses
        .iter()
        .flat_map(|r| &r.errors)
        .filter_map(|e| e.extensions.as_ref()?.get("code"))
        .any(|code| {
            matches!(code, async_graphql::Value::String(c) if c == "unavailable" || c == "timeout")
        });

    let graphql_response = wants_graphql_response(&req);
    let status = match &response {
        // A request error: nothing was executed. An error with a `path`
        // came from executing a field (its null propagated to the root):
        // GraphQL over HTTP answers that with 200.
        BatchResponse::Single(r)
            if graphql_response
                && r.data == async_graphql::Value::Null
                && !r.errors.is_empty()
                && r.errors.iter().all(|e| e.path.is_empty()) =>
        {
            match retry {
                // Not the request's fault: it stopped at the deadline.
                true => StatusCode::SERVICE_UNAVAILABLE,
                false => StatusCode::BAD_REQUEST,
            }
        }
        _ => StatusCode::OK,
    };
    // `ops::observe` counts the 503s.
    if retry && status != StatusCode::SERVICE_UNAVAILABLE {
        state.metrics.unavailable.inc();
    }
    let content_type = if graphql_response {
        GRAPHQL_RESPONSE
    } else {
        "application/json"
    };
    let body = serde_json::to_vec(&response).map_err(|e| AppError::Unexpected(e.into()))?;
    let mut answer = HttpResponse::build(status);
    if retry {
        // Transient: no cache (ours, nginx's, a browser's) may keep it.
        answer
            .insert_header((header::RETRY_AFTER, crate::error::RETRY_AFTER_SECS))
            .insert_header((header::CACHE_CONTROL, "no-store"));
    }
    Ok(answer
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(content_type)))
        .insert_header((header::CONTENT_LANGUAGE, ctx.lang.as_str()))
        .insert_header((
            header::VARY,
            HeaderValue::from_static("Accept, Accept-Language"),
        ))
        .body(body))
}

/// When a query must have its answer.
#[derive(Debug, Clone, Copy)]
struct Deadline {
    at: tokio::time::Instant,
    /// The configured limit, for the error's message.
    limit: std::time::Duration,
}

/// Executes one operation, stopped at `deadline` if given: the answer is
/// then one error with code `timeout` and no data (dropping the execution
/// ends its statements).
async fn execute(
    schema: &AppSchema,
    request: async_graphql::Request,
    deadline: Option<Deadline>,
) -> async_graphql::Response {
    let Some(deadline) = deadline else {
        return schema.execute(request).await;
    };
    match tokio::time::timeout_at(deadline.at, schema.execute(request)).await {
        Ok(response) => response,
        Err(_) => {
            use async_graphql::ErrorExtensions;
            let error = AppError::DeadlineExceeded(deadline.limit).extend();
            let mut stopped = async_graphql::ServerError::new(error.message, None);
            stopped.extensions = error.extensions;
            async_graphql::Response::from_errors(vec![stopped])
        }
    }
}

/// GraphiQL, the in-browser IDE, pointed at `/graphql`.
///
/// `?query=…` pre-fills the editor; `&autorun=1` also runs it once loaded, so
/// a link can share a ready answer; `&docs=1` opens the documentation
/// explorer.
pub async fn graphiql() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(GRAPHIQL_PAGE)
}

/// The IDE's page: every script and style from this server.
const GRAPHIQL_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Lotse GraphQL</title>
  <style>body { margin: 0; } #graphiql { height: 100vh; }</style>
  <link rel="stylesheet" href="/graphiql/assets/graphiql.min.css">
  <script src="/graphiql/assets/react.production.min.js"></script>
  <script src="/graphiql/assets/react-dom.production.min.js"></script>
  <script src="/graphiql/assets/graphiql.min.js"></script>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="/graphiql/assets/lotse-graphiql.js"></script>
</body>
</html>
"#;

/// The page's own script: GraphiQL pointed at `/graphql`, with `?query=`,
/// `&autorun=1` and `&docs=1` (opens the schema's documentation). A file, not an inline `<script>`, so that the page's
/// `Content-Security-Policy` can allow only the server's own scripts
/// (rejected: a per-response nonce, which would make the page uncacheable).
const LOTSE_GRAPHIQL_JS: &str = r#"const params = new URLSearchParams(window.location.search);
const fetcher = GraphiQL.createFetcher({ url: "/graphql" });
ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultQuery: "{\n  offers(first: 5, filter: {targetGroup: [WORKS_COUNCIL]}) {\n    totalCount\n    edges { node { title provider { name } regions { name } } }\n  }\n}\n",
    query: params.get("query") || undefined,
    visiblePlugin: params.get("docs") === "1" ? "Documentation Explorer" : undefined,
  })
);
if (params.get("autorun") === "1") {
  const run = () => {
    const button = document.querySelector(".graphiql-execute-button");
    if (button) { button.click(); } else { setTimeout(run, 100); }
  };
  setTimeout(run, 300);
}
"#;

/// One of GraphiQL's assets: the production bundles of GraphiQL and React
/// vendored in `api/graphiql/vendor/` (versions, licences and checksums
/// there; `api/graphiql/refresh.sh` refreshes them from npm), built into
/// the binary so that the IDE works with no network. Rejected: loading them
/// from a CDN (a blank page on the air-gapped networks of authorities), and
/// embedding them from `node_modules` at build time (every user would need
/// npm before `cargo run`).
async fn graphiql_asset(name: web::Path<String>) -> AppResult<HttpResponse> {
    let (body, content_type): (&'static [u8], &str) = match name.as_str() {
        "react.production.min.js" => (
            include_bytes!("../../graphiql/vendor/react.production.min.js"),
            "text/javascript",
        ),
        "react-dom.production.min.js" => (
            include_bytes!("../../graphiql/vendor/react-dom.production.min.js"),
            "text/javascript",
        ),
        "graphiql.min.js" => (
            include_bytes!("../../graphiql/vendor/graphiql.min.js"),
            "text/javascript",
        ),
        "graphiql.min.css" => (
            include_bytes!("../../graphiql/vendor/graphiql.min.css"),
            "text/css",
        ),
        "lotse-graphiql.js" => (LOTSE_GRAPHIQL_JS.as_bytes(), "text/javascript"),
        _ => return Err(AppError::NoRoute),
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        // `Cache-Control` and `ETag`: `http::conditional` (the names carry
        // no version, so a day's `max-age` would outlive an upgrade).
        .body(body))
}
