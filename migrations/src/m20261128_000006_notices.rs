//! The deadline clock (issue 6): in-app notices and who has read them, the events outbox for
//! webhooks, and the job lease that lets several `serve` processes share one database while
//! each tick of a job runs once (with a row per run).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000006_notices"
    }
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
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Notices {
    Table,
    Id,
    /// `institution` (the users of `institution_id`) or `supervisor` (every supervisor).
    Audience,
    InstitutionId,
    BatchId,
    /// The event type, e.g. `deadline.approaching`.
    Kind,
    /// `arrangement`, `completion` or `year_end` for deadline notices.
    DeadlineKind,
    Deadline,
    Title,
    Body,
    /// Unique: a repeated or concurrent tick never writes the same notice twice.
    DedupeKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum NoticeReads {
    Table,
    NoticeId,
    UserId,
    ReadAt,
}

#[derive(DeriveIden)]
enum OutboxEvents {
    Table,
    Id,
    EventType,
    Payload,
    DedupeKey,
    CreatedAt,
    DeliveredAt,
}

#[derive(DeriveIden)]
enum JobLeases {
    Table,
    Name,
    Holder,
    /// The tick slot the holder took: floor(unix time / tick seconds).
    Slot,
    AcquiredAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum JobRuns {
    Table,
    Id,
    Name,
    Slot,
    Holder,
    StartedAt,
    FinishedAt,
    Notices,
    Events,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Notices::Table)
                    .col(ColumnDef::new(Notices::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Notices::Audience).string_len(16).not_null())
                    .col(ColumnDef::new(Notices::InstitutionId).uuid().not_null())
                    .col(ColumnDef::new(Notices::BatchId).uuid().null())
                    .col(ColumnDef::new(Notices::Kind).string_len(64).not_null())
                    .col(ColumnDef::new(Notices::DeadlineKind).string_len(16).null())
                    .col(ColumnDef::new(Notices::Deadline).date().null())
                    .col(ColumnDef::new(Notices::Title).string_len(200).not_null())
                    .col(ColumnDef::new(Notices::Body).text().not_null())
                    .col(
                        ColumnDef::new(Notices::DedupeKey)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Notices::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_notices_institution")
                            .from(Notices::Table, Notices::InstitutionId)
                            .to(Institutions::Table, Institutions::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_notices_batch")
                            .from(Notices::Table, Notices::BatchId)
                            .to(Batches::Table, Batches::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_notices_dedupe_key")
                    .table(Notices::Table)
                    .col(Notices::DedupeKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_notices_audience")
                    .table(Notices::Table)
                    .col(Notices::Audience)
                    .col(Notices::InstitutionId)
                    .col(Notices::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_notices_batch")
                    .table(Notices::Table)
                    .col(Notices::BatchId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(NoticeReads::Table)
                    .col(ColumnDef::new(NoticeReads::NoticeId).uuid().not_null())
                    .col(ColumnDef::new(NoticeReads::UserId).uuid().not_null())
                    .col(
                        ColumnDef::new(NoticeReads::ReadAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(NoticeReads::NoticeId)
                            .col(NoticeReads::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_notice_reads_notice")
                            .from(NoticeReads::Table, NoticeReads::NoticeId)
                            .to(Notices::Table, Notices::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_notice_reads_user")
                            .from(NoticeReads::Table, NoticeReads::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_notice_reads_user")
                    .table(NoticeReads::Table)
                    .col(NoticeReads::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OutboxEvents::Table)
                    .col(
                        ColumnDef::new(OutboxEvents::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(OutboxEvents::EventType)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(OutboxEvents::Payload).json().not_null())
                    .col(
                        ColumnDef::new(OutboxEvents::DedupeKey)
                            .string_len(200)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(OutboxEvents::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(OutboxEvents::DeliveredAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_outbox_events_dedupe_key")
                    .table(OutboxEvents::Table)
                    .col(OutboxEvents::DedupeKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_events_pending")
                    .table(OutboxEvents::Table)
                    .col(OutboxEvents::DeliveredAt)
                    .col(OutboxEvents::CreatedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(JobLeases::Table)
                    .col(
                        ColumnDef::new(JobLeases::Name)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(JobLeases::Holder).string_len(128).not_null())
                    .col(ColumnDef::new(JobLeases::Slot).big_integer().not_null())
                    .col(
                        ColumnDef::new(JobLeases::AcquiredAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(JobLeases::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(JobRuns::Table)
                    .col(ColumnDef::new(JobRuns::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(JobRuns::Name).string_len(64).not_null())
                    .col(ColumnDef::new(JobRuns::Slot).big_integer().not_null())
                    .col(ColumnDef::new(JobRuns::Holder).string_len(128).not_null())
                    .col(
                        ColumnDef::new(JobRuns::StartedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(JobRuns::FinishedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(JobRuns::Notices).integer().not_null())
                    .col(ColumnDef::new(JobRuns::Events).integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_job_runs_slot")
                    .table(JobRuns::Table)
                    .col(JobRuns::Name)
                    .col(JobRuns::Slot)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            JobRuns::Table.into_iden(),
            JobLeases::Table.into_iden(),
            OutboxEvents::Table.into_iden(),
            NoticeReads::Table.into_iden(),
            Notices::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
