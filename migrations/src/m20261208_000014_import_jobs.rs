//! Import job leases and interrupted jobs: the process running a background roster import
//! holds a lease on its job (`lease_owner`, renewed until `lease_expires_at`); a job whose lease
//! lapsed while still `running` lost its process and ends `failed` with `failure_reason`
//! `interrupted` (SPEC §5). Jobs written before this migration have no lease: they are judged
//! by their age instead.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261208_000014_import_jobs"
    }
}

#[derive(DeriveIden)]
enum ImportJobs {
    Table,
    Status,
    LeaseOwner,
    LeaseExpiresAt,
    FailureReason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for column in [
            ColumnDef::new(ImportJobs::LeaseOwner)
                .string_len(64)
                .null()
                .to_owned(),
            ColumnDef::new(ImportJobs::LeaseExpiresAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(ImportJobs::FailureReason)
                .string_len(32)
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ImportJobs::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        // The sweep looks for running jobs whose lease lapsed.
        manager
            .create_index(
                Index::create()
                    .name("ix_import_jobs_status_lease")
                    .table(ImportJobs::Table)
                    .col(ImportJobs::Status)
                    .col(ImportJobs::LeaseExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_import_jobs_status_lease")
                    .table(ImportJobs::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            ImportJobs::FailureReason,
            ImportJobs::LeaseExpiresAt,
            ImportJobs::LeaseOwner,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ImportJobs::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
