//! 考务安排 (SPEC §3 social_training step 3): exam sessions and the staff assigned to them.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261127_000002_arrangement"
    }
}

#[derive(DeriveIden)]
enum Batches {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ArrangementSessions {
    Table,
    Id,
    BatchId,
    Position,
    OccupationCode,
    Level,
    Subject,
    StartsAt,
    EndsAt,
    Venue,
    VenueRegion,
    ExamForm,
}

#[derive(DeriveIden)]
enum ArrangementStaff {
    Table,
    Id,
    BatchId,
    Name,
    Role,
    CertificateNo,
    /// JSON array of session positions the person works in.
    Sessions,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ArrangementSessions::Table)
                    .col(
                        ColumnDef::new(ArrangementSessions::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ArrangementSessions::BatchId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ArrangementSessions::Position)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ArrangementSessions::OccupationCode)
                            .string_len(10)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ArrangementSessions::Level)
                            .small_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ArrangementSessions::Subject)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ArrangementSessions::StartsAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ArrangementSessions::EndsAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ArrangementSessions::Venue)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ArrangementSessions::VenueRegion)
                            .string_len(4)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ArrangementSessions::ExamForm)
                            .string_len(32)
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_arrangement_sessions_batch")
                            .from(ArrangementSessions::Table, ArrangementSessions::BatchId)
                            .to(Batches::Table, Batches::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_arrangement_sessions_position")
                    .table(ArrangementSessions::Table)
                    .col(ArrangementSessions::BatchId)
                    .col(ArrangementSessions::Position)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ArrangementStaff::Table)
                    .col(
                        ColumnDef::new(ArrangementStaff::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ArrangementStaff::BatchId).uuid().not_null())
                    .col(
                        ColumnDef::new(ArrangementStaff::Name)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ArrangementStaff::Role)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ArrangementStaff::CertificateNo)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ArrangementStaff::Sessions).json().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_arrangement_staff_batch")
                            .from(ArrangementStaff::Table, ArrangementStaff::BatchId)
                            .to(Batches::Table, Batches::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ArrangementStaff::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ArrangementSessions::Table).to_owned())
            .await
    }
}
