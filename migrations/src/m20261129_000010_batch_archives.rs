//! Batch archives (issue 7, SPEC §1 信息部 "archives"): the sealed dossier of a completed batch.
//!
//! `batches.archived_at` is the one stored fact the batch status cannot derive from its steps:
//! once set, the batch and everything under it are read only. `batch_archives` keeps one row per
//! archived batch describing its zip, which lives in the object store under its own SHA-256.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000010_batch_archives"
    }
}

#[derive(DeriveIden)]
enum Batches {
    Table,
    Id,
    ArchivedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum BatchArchives {
    Table,
    BatchId,
    /// SHA-256 of the zip, lower-case hex: also its object-store key.
    Sha256,
    /// Bytes of the zip.
    Size,
    /// Files inside the zip, `MANIFEST.sha256` included.
    FileCount,
    /// SHA-256 of `manifest.json` inside the zip.
    ManifestSha256,
    /// The dossier layout's version (`skillcert-archive/1`).
    Format,
    CreatedBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Batches::Table)
                    .add_column(
                        ColumnDef::new(Batches::ArchivedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BatchArchives::Table)
                    .col(
                        ColumnDef::new(BatchArchives::BatchId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(BatchArchives::Sha256)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(BatchArchives::Size).big_integer().not_null())
                    .col(
                        ColumnDef::new(BatchArchives::FileCount)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(BatchArchives::ManifestSha256)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(BatchArchives::Format)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(ColumnDef::new(BatchArchives::CreatedBy).uuid().not_null())
                    .col(
                        ColumnDef::new(BatchArchives::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_batch_archives_batch")
                            .from(BatchArchives::Table, BatchArchives::BatchId)
                            .to(Batches::Table, Batches::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_batch_archives_created_by")
                            .from(BatchArchives::Table, BatchArchives::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(BatchArchives::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Batches::Table)
                    .drop_column(Batches::ArchivedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
