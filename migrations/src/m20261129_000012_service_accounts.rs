//! Service accounts (SPEC §1 第三方系统, issue 7): systems that call the API with a scoped bearer
//! token. The token is shown once at creation; only its SHA-256 is kept, with a short prefix to
//! tell tokens apart in lists.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000012_service_accounts"
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ServiceAccounts {
    Table,
    Id,
    /// Unique, for people: which system this is.
    Name,
    /// JSON array of scope codes (`certificates:read`, `batches:read`).
    Scopes,
    /// SHA-256 of the token, lower-case hex.
    TokenHash,
    /// The token's first characters (`sk_` and 6 more), to recognise it.
    TokenHint,
    CreatedBy,
    CreatedAt,
    RevokedAt,
    RevokedBy,
    LastUsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ServiceAccounts::Table)
                    .col(
                        ColumnDef::new(ServiceAccounts::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ServiceAccounts::Name)
                            .string_len(100)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(ServiceAccounts::Scopes).json().not_null())
                    .col(
                        ColumnDef::new(ServiceAccounts::TokenHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(ServiceAccounts::TokenHint)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ServiceAccounts::CreatedBy).uuid().not_null())
                    .col(
                        ColumnDef::new(ServiceAccounts::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ServiceAccounts::RevokedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(ServiceAccounts::RevokedBy).uuid().null())
                    .col(
                        ColumnDef::new(ServiceAccounts::LastUsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_service_accounts_created_by")
                            .from(ServiceAccounts::Table, ServiceAccounts::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_service_accounts_revoked_by")
                            .from(ServiceAccounts::Table, ServiceAccounts::RevokedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ServiceAccounts::Table).to_owned())
            .await
    }
}
