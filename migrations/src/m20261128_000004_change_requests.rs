//! 考务安排 seats and plan change requests (issue 6): each session's capacity, and a change of
//! exam time or venue after the plan's approval, carried with a reason and re-reviewed by a
//! supervisor (SPEC §4 ARRANGEMENT_MISMATCH).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000004_change_requests"
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
    Capacity,
}

#[derive(DeriveIden)]
enum BatchChangeRequests {
    Table,
    Id,
    BatchId,
    InstitutionId,
    /// `pending`, `approved` or `rejected`.
    Status,
    Reason,
    /// The exam dates and venue before and as requested (JSON objects).
    Before,
    After,
    RequestedBy,
    RequestedAt,
    DecidedBy,
    DecidedAt,
    Comment,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ArrangementSessions::Table)
                    .add_column(
                        ColumnDef::new(ArrangementSessions::Capacity)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(BatchChangeRequests::Table)
                    .col(
                        ColumnDef::new(BatchChangeRequests::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(BatchChangeRequests::BatchId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(BatchChangeRequests::InstitutionId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(BatchChangeRequests::Status)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(BatchChangeRequests::Reason)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(BatchChangeRequests::Before)
                            .json()
                            .not_null(),
                    )
                    .col(ColumnDef::new(BatchChangeRequests::After).json().not_null())
                    .col(
                        ColumnDef::new(BatchChangeRequests::RequestedBy)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(BatchChangeRequests::RequestedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(BatchChangeRequests::DecidedBy).uuid().null())
                    .col(
                        ColumnDef::new(BatchChangeRequests::DecidedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(BatchChangeRequests::Comment).text().null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_batch_change_requests_batch")
                            .from(BatchChangeRequests::Table, BatchChangeRequests::BatchId)
                            .to(Batches::Table, Batches::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_batch_change_requests_batch")
                    .table(BatchChangeRequests::Table)
                    .col(BatchChangeRequests::BatchId)
                    .col(BatchChangeRequests::RequestedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_batch_change_requests_status")
                    .table(BatchChangeRequests::Table)
                    .col(BatchChangeRequests::Status)
                    .col(BatchChangeRequests::RequestedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(BatchChangeRequests::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ArrangementSessions::Table)
                    .drop_column(ArrangementSessions::Capacity)
                    .to_owned(),
            )
            .await
    }
}
