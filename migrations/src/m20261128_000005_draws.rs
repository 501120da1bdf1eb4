//! 外部质量督导 (SPEC §7, 双随机、一公开): inspectors' affiliations (conflicts), draws with their
//! committed seed and pool snapshot, the inspections a draw assigns, and the report files.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000005_draws"
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Institutions {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Batches {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum InspectorAffiliations {
    Table,
    InspectorId,
    InstitutionId,
}

#[derive(DeriveIden)]
enum Draws {
    Table,
    Id,
    Title,
    /// `on_site`, `remote_video` or `spot_check`.
    Mode,
    /// `committed` or `drawn`.
    Status,
    /// The filter the batch pool was taken with (JSON), for the record.
    BatchFilter,
    BatchCount,
    InspectorsPerBatch,
    /// The canonical pool JSON (draw.rs step 3), exactly the bytes hashed into `pool_digest`.
    PoolSnapshot,
    PoolDigest,
    /// Display data captured with the pool: institution names, exam dates, inspectors' names.
    PoolLabels,
    /// The draw whose assignments were carried over as conflicts; null for the first draw.
    PreviousDrawId,
    Commitment,
    /// The seed sealed with the field key while the draw is only committed.
    SeedSealed,
    /// The seed in clear, set when the draw is run (revealed).
    Seed,
    /// The domain `DrawResult` as JSON, set when drawn.
    Result,
    CreatedBy,
    CommittedAt,
    DrawnBy,
    DrawnAt,
    Version,
}

#[derive(DeriveIden)]
enum Inspections {
    Table,
    Id,
    DrawId,
    BatchId,
    InstitutionId,
    InspectorId,
    Mode,
    /// `assigned` or `reported`.
    Status,
    /// `good`, `acceptable` or `poor`, once reported.
    Rating,
    Findings,
    ReportedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum InspectionFiles {
    Table,
    Id,
    InspectionId,
    FileName,
    Sha256,
    Size,
    UploadedAt,
}

fn fk(
    name: &str,
    from: (impl IntoIden + 'static, impl IntoIden),
    to: (impl IntoIden + 'static, impl IntoIden),
    cascade: bool,
) -> ForeignKeyCreateStatement {
    let mut key = ForeignKey::create();
    key.name(name).from(from.0, from.1).to(to.0, to.1);
    if cascade {
        key.on_delete(ForeignKeyAction::Cascade);
    }
    key
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InspectorAffiliations::Table)
                    .col(
                        ColumnDef::new(InspectorAffiliations::InspectorId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(InspectorAffiliations::InstitutionId)
                            .uuid()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(InspectorAffiliations::InspectorId)
                            .col(InspectorAffiliations::InstitutionId),
                    )
                    .foreign_key(&mut fk(
                        "fk_affiliations_inspector",
                        (
                            InspectorAffiliations::Table,
                            InspectorAffiliations::InspectorId,
                        ),
                        (Users::Table, Users::Id),
                        true,
                    ))
                    .foreign_key(&mut fk(
                        "fk_affiliations_institution",
                        (
                            InspectorAffiliations::Table,
                            InspectorAffiliations::InstitutionId,
                        ),
                        (Institutions::Table, Institutions::Id),
                        true,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Draws::Table)
                    .col(ColumnDef::new(Draws::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Draws::Title).string_len(200).not_null())
                    .col(ColumnDef::new(Draws::Mode).string_len(16).not_null())
                    .col(ColumnDef::new(Draws::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Draws::BatchFilter).json().not_null())
                    .col(ColumnDef::new(Draws::BatchCount).integer().not_null())
                    .col(
                        ColumnDef::new(Draws::InspectorsPerBatch)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Draws::PoolSnapshot).text().not_null())
                    .col(ColumnDef::new(Draws::PoolDigest).string_len(64).not_null())
                    .col(ColumnDef::new(Draws::PoolLabels).json().not_null())
                    .col(ColumnDef::new(Draws::PreviousDrawId).uuid().null())
                    .col(ColumnDef::new(Draws::Commitment).string_len(64).not_null())
                    .col(ColumnDef::new(Draws::SeedSealed).string_len(200).null())
                    .col(ColumnDef::new(Draws::Seed).string_len(64).null())
                    .col(ColumnDef::new(Draws::Result).json().null())
                    .col(ColumnDef::new(Draws::CreatedBy).uuid().not_null())
                    .col(
                        ColumnDef::new(Draws::CommittedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Draws::DrawnBy).uuid().null())
                    .col(
                        ColumnDef::new(Draws::DrawnAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(Draws::Version).integer().not_null())
                    .foreign_key(&mut fk(
                        "fk_draws_previous",
                        (Draws::Table, Draws::PreviousDrawId),
                        (Draws::Table, Draws::Id),
                        false,
                    ))
                    .foreign_key(&mut fk(
                        "fk_draws_created_by",
                        (Draws::Table, Draws::CreatedBy),
                        (Users::Table, Users::Id),
                        false,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_draws_committed_at")
                    .table(Draws::Table)
                    .col(Draws::CommittedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Inspections::Table)
                    .col(
                        ColumnDef::new(Inspections::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Inspections::DrawId).uuid().not_null())
                    .col(ColumnDef::new(Inspections::BatchId).uuid().not_null())
                    .col(ColumnDef::new(Inspections::InstitutionId).uuid().not_null())
                    .col(ColumnDef::new(Inspections::InspectorId).uuid().not_null())
                    .col(ColumnDef::new(Inspections::Mode).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Inspections::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Inspections::Rating).string_len(16).null())
                    .col(ColumnDef::new(Inspections::Findings).text().null())
                    .col(
                        ColumnDef::new(Inspections::ReportedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Inspections::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut fk(
                        "fk_inspections_draw",
                        (Inspections::Table, Inspections::DrawId),
                        (Draws::Table, Draws::Id),
                        false,
                    ))
                    .foreign_key(&mut fk(
                        "fk_inspections_batch",
                        (Inspections::Table, Inspections::BatchId),
                        (Batches::Table, Batches::Id),
                        false,
                    ))
                    .foreign_key(&mut fk(
                        "fk_inspections_institution",
                        (Inspections::Table, Inspections::InstitutionId),
                        (Institutions::Table, Institutions::Id),
                        false,
                    ))
                    .foreign_key(&mut fk(
                        "fk_inspections_inspector",
                        (Inspections::Table, Inspections::InspectorId),
                        (Users::Table, Users::Id),
                        false,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_inspections_draw_batch_inspector")
                    .table(Inspections::Table)
                    .col(Inspections::DrawId)
                    .col(Inspections::BatchId)
                    .col(Inspections::InspectorId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_inspections_inspector")
                    .table(Inspections::Table)
                    .col(Inspections::InspectorId)
                    .col(Inspections::BatchId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_inspections_batch")
                    .table(Inspections::Table)
                    .col(Inspections::BatchId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(InspectionFiles::Table)
                    .col(
                        ColumnDef::new(InspectionFiles::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(InspectionFiles::InspectionId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(InspectionFiles::FileName)
                            .string_len(255)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(InspectionFiles::Sha256)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(InspectionFiles::Size)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(InspectionFiles::UploadedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut fk(
                        "fk_inspection_files_inspection",
                        (InspectionFiles::Table, InspectionFiles::InspectionId),
                        (Inspections::Table, Inspections::Id),
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_inspection_files_inspection")
                    .table(InspectionFiles::Table)
                    .col(InspectionFiles::InspectionId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            InspectionFiles::Table.into_iden(),
            Inspections::Table.into_iden(),
            Draws::Table.into_iden(),
            InspectorAffiliations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
