//! Candidates and what hangs off them (SPEC §5): encrypted ID and phone numbers with a keyed
//! blind index, warnings with their dispositions, the supervisors' blacklist, results, roster
//! import jobs, and the certificates already held (for DUPLICATE_CERTIFICATE; issuance fills
//! it in a later issue).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261127_000003_candidates"
    }
}

#[derive(DeriveIden)]
enum Batches {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Institutions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Candidates {
    Table,
    Id,
    BatchId,
    InstitutionId,
    Name,
    IdType,
    /// AEAD ciphertext (base64 of nonce ‖ ciphertext); never the plain number.
    IdNumberEnc,
    /// HMAC-SHA256 of the normalised number under the blind-index key.
    IdBlind,
    IdMasked,
    BirthDate,
    PhoneEnc,
    PhoneMasked,
    OccupationCode,
    Level,
    Education,
    WorkYears,
    StudentNo,
    GraduationYear,
    Eligibility,
    EligibilityReason,
    WithdrawnAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CandidateWarnings {
    Table,
    Id,
    CandidateId,
    BatchId,
    Code,
    Evidence,
    Disposition,
    Explanation,
    EvidenceMaterialId,
    DisposedBy,
    DisposedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum BlacklistEntries {
    Table,
    Id,
    IdBlind,
    IdMasked,
    Name,
    Reason,
    BanFrom,
    BanUntil,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CandidateResults {
    Table,
    CandidateId,
    BatchId,
    Theory,
    Skill,
    Review,
    Passed,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Certificates {
    Table,
    Id,
    Number,
    BatchId,
    CandidateId,
    InstitutionId,
    IdBlind,
    Name,
    OccupationCode,
    Level,
    IssuedOn,
    Status,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ImportJobs {
    Table,
    Id,
    BatchId,
    Status,
    Mode,
    TotalRows,
    ProcessedRows,
    ImportedRows,
    Errors,
    CreatedBy,
    CreatedAt,
    FinishedAt,
}

fn batch_fk(
    table: impl IntoIden + 'static,
    column: impl IntoIden + 'static,
    name: &str,
) -> ForeignKeyCreateStatement {
    let mut fk = ForeignKey::create();
    fk.name(name)
        .from(table, column)
        .to(Batches::Table, Batches::Id)
        .on_delete(ForeignKeyAction::Cascade);
    fk
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Candidates::Table)
                    .col(
                        ColumnDef::new(Candidates::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Candidates::BatchId).uuid().not_null())
                    .col(ColumnDef::new(Candidates::InstitutionId).uuid().not_null())
                    .col(ColumnDef::new(Candidates::Name).string_len(100).not_null())
                    .col(ColumnDef::new(Candidates::IdType).string_len(32).not_null())
                    .col(
                        ColumnDef::new(Candidates::IdNumberEnc)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Candidates::IdBlind)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Candidates::IdMasked)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Candidates::BirthDate).date().null())
                    .col(ColumnDef::new(Candidates::PhoneEnc).string_len(200).null())
                    .col(
                        ColumnDef::new(Candidates::PhoneMasked)
                            .string_len(32)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Candidates::OccupationCode)
                            .string_len(10)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Candidates::Level).small_integer().not_null())
                    .col(ColumnDef::new(Candidates::Education).string_len(32).null())
                    .col(ColumnDef::new(Candidates::WorkYears).integer().null())
                    .col(ColumnDef::new(Candidates::StudentNo).string_len(64).null())
                    .col(ColumnDef::new(Candidates::GraduationYear).integer().null())
                    .col(
                        ColumnDef::new(Candidates::Eligibility)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Candidates::EligibilityReason)
                            .string_len(500)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Candidates::WithdrawnAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(Candidates::Version).integer().not_null())
                    .col(
                        ColumnDef::new(Candidates::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Candidates::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut batch_fk(
                        Candidates::Table,
                        Candidates::BatchId,
                        "fk_candidates_batch",
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_candidates_institution")
                            .from(Candidates::Table, Candidates::InstitutionId)
                            .to(Institutions::Table, Institutions::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "ix_candidates_batch",
                vec![
                    Candidates::BatchId,
                    Candidates::OccupationCode,
                    Candidates::Level,
                ],
            ),
            (
                "ix_candidates_blind",
                vec![
                    Candidates::IdBlind,
                    Candidates::OccupationCode,
                    Candidates::Level,
                ],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Candidates::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(CandidateWarnings::Table)
                    .col(
                        ColumnDef::new(CandidateWarnings::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(CandidateWarnings::CandidateId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(CandidateWarnings::BatchId).uuid().not_null())
                    .col(
                        ColumnDef::new(CandidateWarnings::Code)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CandidateWarnings::Evidence)
                            .json()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CandidateWarnings::Disposition)
                            .string_len(16)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(CandidateWarnings::Explanation)
                            .string_len(2000)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(CandidateWarnings::EvidenceMaterialId)
                            .uuid()
                            .null(),
                    )
                    .col(ColumnDef::new(CandidateWarnings::DisposedBy).uuid().null())
                    .col(
                        ColumnDef::new(CandidateWarnings::DisposedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(CandidateWarnings::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_warnings_candidate")
                            .from(CandidateWarnings::Table, CandidateWarnings::CandidateId)
                            .to(Candidates::Table, Candidates::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut batch_fk(
                        CandidateWarnings::Table,
                        CandidateWarnings::BatchId,
                        "fk_warnings_batch",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_warnings_candidate_code")
                    .table(CandidateWarnings::Table)
                    .col(CandidateWarnings::CandidateId)
                    .col(CandidateWarnings::Code)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(BlacklistEntries::Table)
                    .col(
                        ColumnDef::new(BlacklistEntries::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(BlacklistEntries::IdBlind)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(BlacklistEntries::IdMasked)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(BlacklistEntries::Name)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(BlacklistEntries::Reason)
                            .string_len(1000)
                            .not_null(),
                    )
                    .col(ColumnDef::new(BlacklistEntries::BanFrom).date().not_null())
                    .col(ColumnDef::new(BlacklistEntries::BanUntil).date().not_null())
                    .col(
                        ColumnDef::new(BlacklistEntries::CreatedBy)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(BlacklistEntries::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_blacklist_blind")
                    .table(BlacklistEntries::Table)
                    .col(BlacklistEntries::IdBlind)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CandidateResults::Table)
                    .col(
                        ColumnDef::new(CandidateResults::CandidateId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(CandidateResults::BatchId).uuid().not_null())
                    .col(ColumnDef::new(CandidateResults::Theory).double().null())
                    .col(ColumnDef::new(CandidateResults::Skill).double().null())
                    .col(ColumnDef::new(CandidateResults::Review).double().null())
                    .col(ColumnDef::new(CandidateResults::Passed).boolean().null())
                    .col(
                        ColumnDef::new(CandidateResults::UpdatedBy)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CandidateResults::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_results_candidate")
                            .from(CandidateResults::Table, CandidateResults::CandidateId)
                            .to(Candidates::Table, Candidates::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut batch_fk(
                        CandidateResults::Table,
                        CandidateResults::BatchId,
                        "fk_results_batch",
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_index(
                Index::create()
                    .name("ix_results_batch")
                    .table(CandidateResults::Table)
                    .col(CandidateResults::BatchId)
                    .col(CandidateResults::Passed)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Certificates::Table)
                    .col(
                        ColumnDef::new(Certificates::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Certificates::Number)
                            .string_len(22)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Certificates::BatchId).uuid().null())
                    .col(ColumnDef::new(Certificates::CandidateId).uuid().null())
                    .col(ColumnDef::new(Certificates::InstitutionId).uuid().null())
                    .col(
                        ColumnDef::new(Certificates::IdBlind)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Certificates::Name)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Certificates::OccupationCode)
                            .string_len(10)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Certificates::Level)
                            .small_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Certificates::IssuedOn).date().not_null())
                    .col(
                        ColumnDef::new(Certificates::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Certificates::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_certificates_blind")
                    .table(Certificates::Table)
                    .col(Certificates::IdBlind)
                    .col(Certificates::OccupationCode)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ImportJobs::Table)
                    .col(
                        ColumnDef::new(ImportJobs::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ImportJobs::BatchId).uuid().not_null())
                    .col(ColumnDef::new(ImportJobs::Status).string_len(16).not_null())
                    .col(ColumnDef::new(ImportJobs::Mode).string_len(16).not_null())
                    .col(ColumnDef::new(ImportJobs::TotalRows).integer().not_null())
                    .col(
                        ColumnDef::new(ImportJobs::ProcessedRows)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ImportJobs::ImportedRows)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ImportJobs::Errors).json().not_null())
                    .col(ColumnDef::new(ImportJobs::CreatedBy).uuid().not_null())
                    .col(
                        ColumnDef::new(ImportJobs::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ImportJobs::FinishedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(&mut batch_fk(
                        ImportJobs::Table,
                        ImportJobs::BatchId,
                        "fk_import_jobs_batch",
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ImportJobs::Table.into_iden(),
            Certificates::Table.into_iden(),
            CandidateResults::Table.into_iden(),
            BlacklistEntries::Table.into_iden(),
            CandidateWarnings::Table.into_iden(),
            Candidates::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
