//! Integration tests: the real application, on port 0, driven over HTTP.
//!
//! Every test runs on SQLite, and again on PostgreSQL when
//! `LOTSE_TEST_POSTGRES_URL` is set (CI sets it). Read-only tests share one
//! seeded server per backend; tests that write get their own database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod cache;
mod clients;
mod concurrency;
mod conformance;
mod contracts;
mod errors;
mod examples;
mod fields;
mod freshness;
mod fuzz;
mod generation;
mod graphql;
mod hostile;
mod http_semantics;
mod import;
mod judged;
mod lang;
mod matching;
mod meta;
mod offers;
mod operations;
mod outage;
mod pages;
mod pagination;
mod partners;
mod projects;
mod prune;
mod publish;
mod regions;
mod search;
mod seed_upgrade;
mod statements;
mod stats;
mod sync;
mod topics_and_meetings;
mod unicode;
mod writes;
