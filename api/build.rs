//! Embeds GraphiQL's assets when their npm packages are installed.
//!
//! `npm ci --prefix api/graphiql` (or `LOTSE_GRAPHIQL_DIR=/path/to/node_modules`)
//! makes `/graphiql` self-contained: the page and its scripts are served by
//! Lotse, so it works on networks without internet. Without them, the build
//! falls back to loading GraphiQL from a CDN. We embed from the npm packages
//! rather than committing copies of third-party code, and we do not download
//! from the build script (builds must not reach the network by surprise).
use std::path::{Path, PathBuf};

const ASSETS: [(&str, &str); 4] = [
    ("LOTSE_GRAPHIQL_REACT", "react/umd/react.production.min.js"),
    (
        "LOTSE_GRAPHIQL_REACT_DOM",
        "react-dom/umd/react-dom.production.min.js",
    ),
    ("LOTSE_GRAPHIQL_JS", "graphiql/graphiql.min.js"),
    ("LOTSE_GRAPHIQL_CSS", "graphiql/graphiql.min.css"),
];

fn main() {
    println!("cargo::rustc-check-cfg=cfg(graphiql_embedded)");
    println!("cargo::rerun-if-env-changed=LOTSE_GRAPHIQL_DIR");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let modules = std::env::var_os("LOTSE_GRAPHIQL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("graphiql").join("node_modules"));
    println!("cargo::rerun-if-changed={}", modules.display());
    let paths: Vec<(&str, PathBuf)> = ASSETS
        .iter()
        .map(|(var, rel)| (*var, modules.join(rel)))
        .collect();
    if paths.iter().all(|(_, p)| Path::is_file(p)) {
        for (var, path) in paths {
            println!("cargo::rerun-if-changed={}", path.display());
            println!("cargo::rustc-env={var}={}", path.display());
        }
        println!("cargo::rustc-cfg=graphiql_embedded");
    }
}
