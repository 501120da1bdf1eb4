use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "materials")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub batch_id: Option<Uuid>,
    pub institution_id: Uuid,
    pub kind: String,
    /// The client file name, sanitised, for display only; content lives under `sha256`.
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
    pub uploaded_by: Uuid,
    pub uploaded_at: TimeDateTimeWithTimeZone,
    pub superseded_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
