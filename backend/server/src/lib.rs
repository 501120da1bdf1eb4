//! skillcert-server: the `skillcert` binary's library — HTTP (actix-web), persistence
//! (sea-orm), storage, auth. Depends on `skillcert-domain` for every rule; never the other way.

pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod entities;
pub mod error;
pub mod metrics;
pub mod openapi;
pub mod request_id;
pub mod routes;
pub mod state;

pub use app::{BuiltApp, build_app};
