use sea_orm::entity::prelude::*;

/// The sealed dossier of one archived batch; the zip lives in the object store under `sha256`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "batch_archives")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub batch_id: Uuid,
    pub sha256: String,
    pub size: i64,
    pub file_count: i32,
    pub manifest_sha256: String,
    pub format: String,
    pub created_by: Uuid,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
