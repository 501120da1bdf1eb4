//! Certificate issuance (issue 7): what each certificate states and its signature, publication
//! and revocation on `certificates`, and the gap-free serial counters per (evaluation site code,
//! issue year, level) that certificate numbers are allocated from.
//!
//! The new `certificates` columns are nullable: rows written before issuance existed (and
//! certificates held from elsewhere, used by the warnings) carry no content or signature.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000007_certificates"
    }
}

#[derive(DeriveIden)]
enum Certificates {
    Table,
    BatchId,
    CandidateId,
    /// `resident_id` or another document type code.
    IdType,
    /// First 6 and last 4 characters visible.
    IdMasked,
    /// The signed content in its canonical JSON (`skillcert_domain::certificate`).
    Content,
    /// Ed25519 over `content`, 128 hex characters.
    Signature,
    /// Which key signed it: first 16 hex of SHA-256 of the public key.
    KeyId,
    PublishedAt,
    RevokedAt,
    RevokeReason,
}

#[derive(DeriveIden)]
enum CertificateSerials {
    Table,
    SiteCode,
    Year,
    Level,
    /// The last serial issued; the next certificate takes `last_serial + 1`.
    LastSerial,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for column in [
            ColumnDef::new(Certificates::IdType)
                .string_len(32)
                .null()
                .to_owned(),
            ColumnDef::new(Certificates::IdMasked)
                .string_len(40)
                .null()
                .to_owned(),
            ColumnDef::new(Certificates::Content)
                .text()
                .null()
                .to_owned(),
            ColumnDef::new(Certificates::Signature)
                .string_len(128)
                .null()
                .to_owned(),
            ColumnDef::new(Certificates::KeyId)
                .string_len(16)
                .null()
                .to_owned(),
            ColumnDef::new(Certificates::PublishedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(Certificates::RevokedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(Certificates::RevokeReason)
                .text()
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Certificates::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ix_certificates_batch")
                    .table(Certificates::Table)
                    .col(Certificates::BatchId)
                    .to_owned(),
            )
            .await?;
        // One certificate per candidate: a second issuance of the same candidate fails.
        manager
            .create_index(
                Index::create()
                    .name("ux_certificates_candidate")
                    .table(Certificates::Table)
                    .col(Certificates::CandidateId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CertificateSerials::Table)
                    .col(
                        ColumnDef::new(CertificateSerials::SiteCode)
                            .string_len(6)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CertificateSerials::Year)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CertificateSerials::Level)
                            .small_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CertificateSerials::LastSerial)
                            .integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(CertificateSerials::SiteCode)
                            .col(CertificateSerials::Year)
                            .col(CertificateSerials::Level),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CertificateSerials::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ux_certificates_candidate")
                    .table(Certificates::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_certificates_batch")
                    .table(Certificates::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            Certificates::RevokeReason,
            Certificates::RevokedAt,
            Certificates::PublishedAt,
            Certificates::KeyId,
            Certificates::Signature,
            Certificates::Content,
            Certificates::IdMasked,
            Certificates::IdType,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Certificates::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
