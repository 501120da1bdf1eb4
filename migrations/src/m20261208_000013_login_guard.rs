//! Login attempts counted in the database (per account and per client address), service-account
//! expiry, and session checks (SPEC §9 "login lockout"; docs/security.md 2.2.1, 2.10).
//!
//! `login_attempts` holds one row per key: `u:` + SHA-256 of the normalised username, or `a:` +
//! the client address (IPv4, or the IPv6 /64). Attempts reserve a slot (`pending`) before the
//! password is checked, so concurrent guesses cannot exceed the limit; several `serve` processes
//! share the rows.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261208_000013_login_guard"
    }
}

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    /// `u:<sha256 hex of the normalised username>` or `a:<client address key>`.
    Key,
    /// Attempts whose password is being checked right now.
    Pending,
    /// Failures counted since `window_start`.
    Failures,
    WindowStart,
    LockedUntil,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ServiceAccounts {
    Table,
    /// After it the token is refused (401). Null on rows created before expiry existed: those
    /// expire 90 days after `created_at`.
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LoginAttempts::Table)
                    .col(
                        ColumnDef::new(LoginAttempts::Key)
                            .string_len(80)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(LoginAttempts::Pending)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(LoginAttempts::Failures)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(LoginAttempts::WindowStart)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(LoginAttempts::LockedUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(LoginAttempts::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ServiceAccounts::Table)
                    .add_column(
                        ColumnDef::new(ServiceAccounts::ExpiresAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ServiceAccounts::Table)
                    .drop_column(ServiceAccounts::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(LoginAttempts::Table).to_owned())
            .await
    }
}
