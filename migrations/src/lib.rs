//! The skillcert schema as sea-orm migrations, run by `skillcert migrate` and at start-up.
//!
//! Portable across SQLite and PostgreSQL: enums are stored as their string codes, timestamps as
//! UTC instants, calendar dates as dates, and every foreign key is declared when its table is
//! created (SQLite cannot add one later).

pub use sea_orm_migration::prelude::*;

mod m20261127_000001_initial;
mod m20261127_000002_arrangement;
mod m20261127_000003_candidates;
mod m20261128_000004_change_requests;
mod m20261128_000005_draws;
mod m20261128_000006_notices;
mod m20261128_000007_certificates;
mod m20261128_000008_audit_method;
mod m20261129_000010_batch_archives;
mod m20261129_000011_webhooks;
mod m20261129_000012_service_accounts;
mod m20261208_000013_login_guard;
mod m20261208_000014_import_jobs;
mod m20261208_000015_public_lookup;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_initial::Migration),
            Box::new(m20261127_000002_arrangement::Migration),
            Box::new(m20261127_000003_candidates::Migration),
            Box::new(m20261128_000004_change_requests::Migration),
            Box::new(m20261128_000005_draws::Migration),
            Box::new(m20261128_000006_notices::Migration),
            Box::new(m20261128_000007_certificates::Migration),
            Box::new(m20261128_000008_audit_method::Migration),
            Box::new(m20261129_000010_batch_archives::Migration),
            Box::new(m20261129_000011_webhooks::Migration),
            Box::new(m20261129_000012_service_accounts::Migration),
            Box::new(m20261208_000013_login_guard::Migration),
            Box::new(m20261208_000014_import_jobs::Migration),
            Box::new(m20261208_000015_public_lookup::Migration),
        ]
    }
}
