//! Lotse: the open-data API of the NRW alliance "Wirtschaft und Arbeit 4.0".
//!
//! The crate is a library plus a thin binary (`main.rs`), so integration
//! tests can start the real application on port 0 ([`startup::Application`]).
//!
//! - [`service`] is the only code that queries the database; [`rest`] (and,
//!   later, GraphQL) are adapters over it.
//! - [`dto`] holds the public response types; entities are not the contract.
//! - [`error::AppError`] is the one error type, rendered as RFC 9457 problems.

pub mod config;
pub mod db;
pub mod dto;
pub mod error;
pub mod generate;
pub mod graphql;
pub mod guard;
pub mod http;
pub mod limits;
pub mod openapi;
pub mod ops;
pub mod pages;
pub mod publish;
pub mod response_cache;
pub mod rest;
pub mod search;
pub mod service;
pub mod slug;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod unicode;
pub mod vocab;
