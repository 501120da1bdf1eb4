//! How a supervisor decided a self-module 证书数据审核 (SPEC §3 `data_audit`: "document review or
//! random on-site check"): `document_review` or `on_site_check` on the decision row.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000008_audit_method"
    }
}

#[derive(DeriveIden)]
enum StepDecisions {
    Table,
    AuditMethod,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(StepDecisions::Table)
                    .add_column(
                        ColumnDef::new(StepDecisions::AuditMethod)
                            .string_len(32)
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(StepDecisions::Table)
                    .drop_column(StepDecisions::AuditMethod)
                    .to_owned(),
            )
            .await
    }
}
