use sea_orm::entity::prelude::*;

/// A PDF attached to an inspection report; content lives under `sha256` in the object store.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "inspection_files")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub inspection_id: Uuid,
    /// The client file name, sanitised, for display only.
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
    pub uploaded_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
