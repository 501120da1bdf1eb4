//! skillcert-server: the `skillcert` binary's library — HTTP (actix-web), persistence
//! (sea-orm), storage, auth. Depends on `skillcert-domain` for every rule; never the other way.

pub mod api;
pub mod app;
pub mod archive;
pub mod audit;
pub mod auth;
pub mod batches;
pub mod candidates;
pub mod cli;
pub mod client_ip;
pub mod clock;
pub mod config;
pub mod db;
pub mod draws;
pub mod entities;
pub mod error;
pub mod fuzzing;
pub mod jobs;
pub mod logging;
pub mod metrics;
pub mod notices;
pub mod openapi;
pub mod pdf_check;
pub mod permits;
pub mod pii;
pub mod public_lookup;
pub mod request_id;
pub mod roster;
pub mod routes;
pub mod security_headers;
pub mod seed;
pub mod spa;
pub mod state;
pub mod storage;
pub mod tenancy;
pub mod text_guard;
pub mod users;
pub mod webhook_targets;
pub mod webhooks;
pub mod xls_bounds;
pub mod zip_bounds;

pub use app::{BuiltApp, build_app};
