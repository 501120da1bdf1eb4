use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "batch_steps")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub batch_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub step: String,
    pub state: String,
    pub submitted_at: Option<TimeDateTimeWithTimeZone>,
    pub first_submitted_at: Option<TimeDateTimeWithTimeZone>,
    pub decided_at: Option<TimeDateTimeWithTimeZone>,
    /// Bumped on every change: a conditional update on it lets exactly one of two concurrent
    /// decisions win.
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
