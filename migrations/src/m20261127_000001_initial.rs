//! The first schema: accounts and tenancy, the occupation catalogue, the working-day calendar,
//! annual plans and exam notices, batches with their occupations and steps, review decisions,
//! materials, the hash-chained audit log and idempotency keys.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261127_000001_initial"
    }
}

#[derive(DeriveIden)]
enum Institutions {
    Table,
    Id,
    Kind,
    Name,
    Uscc,
    Region,
    FilingCode,
    SiteCode,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum InstitutionFilings {
    Table,
    InstitutionId,
    OccupationCode,
    Level,
}

#[derive(DeriveIden)]
enum Occupations {
    Table,
    Code,
    Name,
    Levels,
    HasReview,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    DisplayName,
    PasswordHash,
    Role,
    InstitutionId,
    Disabled,
    TokenVersion,
    FailedLogins,
    LockedUntil,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    UserId,
    FamilyId,
    TokenHash,
    ExpiresAt,
    RotatedAt,
    RevokedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CalendarYears {
    Table,
    Year,
    Data,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AnnualPlans {
    Table,
    Id,
    InstitutionId,
    Year,
    FiledOn,
    Late,
    Note,
    MaterialId,
    RecordedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ExamNotices {
    Table,
    Id,
    InstitutionId,
    OccupationCode,
    Level,
    ExamDate,
    Subjects,
    Method,
    ExamForm,
    Title,
    Published,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Batches {
    Table,
    Id,
    InstitutionId,
    Kind,
    Module,
    Method,
    Year,
    ExamStart,
    ExamEnd,
    Venue,
    VenueRegion,
    ExamNoticeIds,
    ApprovedPlan,
    CompletionExtendedTo,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum BatchOccupations {
    Table,
    BatchId,
    OccupationCode,
    Level,
    PlannedCount,
}

#[derive(DeriveIden)]
enum BatchSteps {
    Table,
    BatchId,
    Step,
    State,
    SubmittedAt,
    FirstSubmittedAt,
    DecidedAt,
    Version,
}

#[derive(DeriveIden)]
enum StepDecisions {
    Table,
    Id,
    BatchId,
    Step,
    Decision,
    Comment,
    Reasons,
    DecidedBy,
    DecidedAt,
}

#[derive(DeriveIden)]
enum Materials {
    Table,
    Id,
    BatchId,
    InstitutionId,
    Kind,
    FileName,
    Sha256,
    Size,
    UploadedBy,
    UploadedAt,
    SupersededAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Seq,
    At,
    ActorId,
    ActorRole,
    Action,
    EntityType,
    EntityId,
    InstitutionId,
    Summary,
    RequestId,
    Ip,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    UserId,
    Key,
    Method,
    Path,
    Status,
    Body,
    CreatedAt,
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
                    .table(Institutions::Table)
                    .col(
                        ColumnDef::new(Institutions::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Institutions::Kind).string_len(32).not_null())
                    .col(
                        ColumnDef::new(Institutions::Name)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Institutions::Uscc)
                            .string_len(18)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(Institutions::Region)
                            .string_len(4)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Institutions::FilingCode)
                            .string_len(4)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Institutions::SiteCode)
                            .string_len(6)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Institutions::Version).integer().not_null())
                    .col(
                        ColumnDef::new(Institutions::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Institutions::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Occupations::Table)
                    .col(
                        ColumnDef::new(Occupations::Code)
                            .string_len(10)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Occupations::Name).string_len(100).not_null())
                    .col(ColumnDef::new(Occupations::Levels).json().not_null())
                    .col(ColumnDef::new(Occupations::HasReview).boolean().not_null())
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(InstitutionFilings::Table)
                    .col(
                        ColumnDef::new(InstitutionFilings::InstitutionId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(InstitutionFilings::OccupationCode)
                            .string_len(10)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(InstitutionFilings::Level)
                            .small_integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(InstitutionFilings::InstitutionId)
                            .col(InstitutionFilings::OccupationCode)
                            .col(InstitutionFilings::Level),
                    )
                    .foreign_key(&mut fk(
                        "fk_filings_institution",
                        (InstitutionFilings::Table, InstitutionFilings::InstitutionId),
                        (Institutions::Table, Institutions::Id),
                        true,
                    ))
                    .foreign_key(&mut fk(
                        "fk_filings_occupation",
                        (
                            InstitutionFilings::Table,
                            InstitutionFilings::OccupationCode,
                        ),
                        (Occupations::Table, Occupations::Code),
                        false,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(ColumnDef::new(Users::Id).uuid().not_null().primary_key())
                    .col(
                        ColumnDef::new(Users::Username)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(Users::DisplayName)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Users::PasswordHash)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Users::Role).string_len(32).not_null())
                    .col(ColumnDef::new(Users::InstitutionId).uuid().null())
                    .col(ColumnDef::new(Users::Disabled).boolean().not_null())
                    .col(ColumnDef::new(Users::TokenVersion).integer().not_null())
                    .col(ColumnDef::new(Users::FailedLogins).integer().not_null())
                    .col(
                        ColumnDef::new(Users::LockedUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(Users::Version).integer().not_null())
                    .col(
                        ColumnDef::new(Users::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Users::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut fk(
                        "fk_users_institution",
                        (Users::Table, Users::InstitutionId),
                        (Institutions::Table, Institutions::Id),
                        false,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RefreshTokens::Table)
                    .col(
                        ColumnDef::new(RefreshTokens::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(RefreshTokens::UserId).uuid().not_null())
                    .col(ColumnDef::new(RefreshTokens::FamilyId).uuid().not_null())
                    .col(
                        ColumnDef::new(RefreshTokens::TokenHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(RefreshTokens::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RefreshTokens::RotatedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(RefreshTokens::RevokedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(RefreshTokens::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut fk(
                        "fk_refresh_user",
                        (RefreshTokens::Table, RefreshTokens::UserId),
                        (Users::Table, Users::Id),
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_refresh_family")
                    .table(RefreshTokens::Table)
                    .col(RefreshTokens::FamilyId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CalendarYears::Table)
                    .col(
                        ColumnDef::new(CalendarYears::Year)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(CalendarYears::Data).json().not_null())
                    .col(ColumnDef::new(CalendarYears::UpdatedBy).uuid().null())
                    .col(
                        ColumnDef::new(CalendarYears::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Batches::Table)
                    .col(ColumnDef::new(Batches::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Batches::InstitutionId).uuid().not_null())
                    .col(ColumnDef::new(Batches::Kind).string_len(32).not_null())
                    .col(ColumnDef::new(Batches::Module).string_len(32).not_null())
                    .col(ColumnDef::new(Batches::Method).string_len(32).not_null())
                    .col(ColumnDef::new(Batches::Year).integer().not_null())
                    .col(ColumnDef::new(Batches::ExamStart).date().not_null())
                    .col(ColumnDef::new(Batches::ExamEnd).date().not_null())
                    .col(ColumnDef::new(Batches::Venue).string_len(200).not_null())
                    .col(
                        ColumnDef::new(Batches::VenueRegion)
                            .string_len(4)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Batches::ExamNoticeIds).json().not_null())
                    .col(ColumnDef::new(Batches::ApprovedPlan).json().null())
                    .col(ColumnDef::new(Batches::CompletionExtendedTo).date().null())
                    .col(ColumnDef::new(Batches::Version).integer().not_null())
                    .col(ColumnDef::new(Batches::CreatedBy).uuid().not_null())
                    .col(
                        ColumnDef::new(Batches::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Batches::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut fk(
                        "fk_batches_institution",
                        (Batches::Table, Batches::InstitutionId),
                        (Institutions::Table, Institutions::Id),
                        false,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_batches_institution")
                    .table(Batches::Table)
                    .col(Batches::InstitutionId)
                    .col(Batches::CreatedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Materials::Table)
                    .col(
                        ColumnDef::new(Materials::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Materials::BatchId).uuid().null())
                    .col(ColumnDef::new(Materials::InstitutionId).uuid().not_null())
                    .col(ColumnDef::new(Materials::Kind).string_len(48).not_null())
                    .col(
                        ColumnDef::new(Materials::FileName)
                            .string_len(255)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Materials::Sha256).string_len(64).not_null())
                    .col(ColumnDef::new(Materials::Size).big_integer().not_null())
                    .col(ColumnDef::new(Materials::UploadedBy).uuid().not_null())
                    .col(
                        ColumnDef::new(Materials::UploadedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Materials::SupersededAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(&mut fk(
                        "fk_materials_batch",
                        (Materials::Table, Materials::BatchId),
                        (Batches::Table, Batches::Id),
                        false,
                    ))
                    .foreign_key(&mut fk(
                        "fk_materials_institution",
                        (Materials::Table, Materials::InstitutionId),
                        (Institutions::Table, Institutions::Id),
                        false,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_materials_batch")
                    .table(Materials::Table)
                    .col(Materials::BatchId)
                    .col(Materials::Kind)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AnnualPlans::Table)
                    .col(
                        ColumnDef::new(AnnualPlans::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(AnnualPlans::InstitutionId).uuid().not_null())
                    .col(ColumnDef::new(AnnualPlans::Year).integer().not_null())
                    .col(ColumnDef::new(AnnualPlans::FiledOn).date().not_null())
                    .col(ColumnDef::new(AnnualPlans::Late).boolean().not_null())
                    .col(
                        ColumnDef::new(AnnualPlans::Note)
                            .string_len(1000)
                            .not_null(),
                    )
                    .col(ColumnDef::new(AnnualPlans::MaterialId).uuid().null())
                    .col(ColumnDef::new(AnnualPlans::RecordedBy).uuid().not_null())
                    .col(
                        ColumnDef::new(AnnualPlans::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut fk(
                        "fk_annual_plans_institution",
                        (AnnualPlans::Table, AnnualPlans::InstitutionId),
                        (Institutions::Table, Institutions::Id),
                        false,
                    ))
                    .foreign_key(&mut fk(
                        "fk_annual_plans_material",
                        (AnnualPlans::Table, AnnualPlans::MaterialId),
                        (Materials::Table, Materials::Id),
                        false,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_annual_plans_institution_year")
                    .table(AnnualPlans::Table)
                    .col(AnnualPlans::InstitutionId)
                    .col(AnnualPlans::Year)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ExamNotices::Table)
                    .col(
                        ColumnDef::new(ExamNotices::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ExamNotices::InstitutionId).uuid().not_null())
                    .col(
                        ColumnDef::new(ExamNotices::OccupationCode)
                            .string_len(10)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ExamNotices::Level)
                            .small_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ExamNotices::ExamDate).date().not_null())
                    .col(ColumnDef::new(ExamNotices::Subjects).json().not_null())
                    .col(
                        ColumnDef::new(ExamNotices::Method)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ExamNotices::ExamForm)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ExamNotices::Title)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ExamNotices::Published).boolean().not_null())
                    .col(ColumnDef::new(ExamNotices::CreatedBy).uuid().not_null())
                    .col(
                        ColumnDef::new(ExamNotices::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut fk(
                        "fk_exam_notices_institution",
                        (ExamNotices::Table, ExamNotices::InstitutionId),
                        (Institutions::Table, Institutions::Id),
                        false,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(BatchOccupations::Table)
                    .col(ColumnDef::new(BatchOccupations::BatchId).uuid().not_null())
                    .col(
                        ColumnDef::new(BatchOccupations::OccupationCode)
                            .string_len(10)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(BatchOccupations::Level)
                            .small_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(BatchOccupations::PlannedCount)
                            .integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(BatchOccupations::BatchId)
                            .col(BatchOccupations::OccupationCode)
                            .col(BatchOccupations::Level),
                    )
                    .foreign_key(&mut fk(
                        "fk_batch_occupations_batch",
                        (BatchOccupations::Table, BatchOccupations::BatchId),
                        (Batches::Table, Batches::Id),
                        true,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(BatchSteps::Table)
                    .col(ColumnDef::new(BatchSteps::BatchId).uuid().not_null())
                    .col(ColumnDef::new(BatchSteps::Step).string_len(32).not_null())
                    .col(ColumnDef::new(BatchSteps::State).string_len(32).not_null())
                    .col(
                        ColumnDef::new(BatchSteps::SubmittedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(BatchSteps::FirstSubmittedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(BatchSteps::DecidedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(BatchSteps::Version).integer().not_null())
                    .primary_key(
                        Index::create()
                            .col(BatchSteps::BatchId)
                            .col(BatchSteps::Step),
                    )
                    .foreign_key(&mut fk(
                        "fk_batch_steps_batch",
                        (BatchSteps::Table, BatchSteps::BatchId),
                        (Batches::Table, Batches::Id),
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_batch_steps_state")
                    .table(BatchSteps::Table)
                    .col(BatchSteps::State)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(StepDecisions::Table)
                    .col(
                        ColumnDef::new(StepDecisions::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(StepDecisions::BatchId).uuid().not_null())
                    .col(
                        ColumnDef::new(StepDecisions::Step)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StepDecisions::Decision)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StepDecisions::Comment)
                            .string_len(2000)
                            .not_null(),
                    )
                    .col(ColumnDef::new(StepDecisions::Reasons).json().not_null())
                    .col(ColumnDef::new(StepDecisions::DecidedBy).uuid().null())
                    .col(
                        ColumnDef::new(StepDecisions::DecidedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut fk(
                        "fk_step_decisions_batch",
                        (StepDecisions::Table, StepDecisions::BatchId),
                        (Batches::Table, Batches::Id),
                        true,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(
                        ColumnDef::new(AuditEvents::Seq)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AuditEvents::At)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditEvents::ActorId).uuid().null())
                    .col(
                        ColumnDef::new(AuditEvents::ActorRole)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuditEvents::Action)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuditEvents::EntityType)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuditEvents::EntityId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditEvents::InstitutionId).uuid().null())
                    .col(ColumnDef::new(AuditEvents::Summary).json().not_null())
                    .col(
                        ColumnDef::new(AuditEvents::RequestId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditEvents::Ip).string_len(64).not_null())
                    .col(
                        ColumnDef::new(AuditEvents::PrevHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuditEvents::Hash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_entity")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::EntityType)
                    .col(AuditEvents::EntityId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(ColumnDef::new(IdempotencyKeys::UserId).uuid().not_null())
                    .col(
                        ColumnDef::new(IdempotencyKeys::Key)
                            .string_len(128)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IdempotencyKeys::Method)
                            .string_len(8)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IdempotencyKeys::Path)
                            .string_len(255)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IdempotencyKeys::Status)
                            .small_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(IdempotencyKeys::Body).text().not_null())
                    .col(
                        ColumnDef::new(IdempotencyKeys::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKeys::UserId)
                            .col(IdempotencyKeys::Key),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IdempotencyKeys::Table.into_iden(),
            AuditEvents::Table.into_iden(),
            StepDecisions::Table.into_iden(),
            BatchSteps::Table.into_iden(),
            BatchOccupations::Table.into_iden(),
            ExamNotices::Table.into_iden(),
            AnnualPlans::Table.into_iden(),
            Materials::Table.into_iden(),
            Batches::Table.into_iden(),
            CalendarYears::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            Users::Table.into_iden(),
            InstitutionFilings::Table.into_iden(),
            Occupations::Table.into_iden(),
            Institutions::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
