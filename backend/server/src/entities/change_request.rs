use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "batch_change_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub batch_id: Uuid,
    pub institution_id: Uuid,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub reason: String,
    /// `{exam_start, exam_end, venue, venue_region}` before and as requested.
    pub before: Json,
    pub after: Json,
    pub requested_by: Uuid,
    pub requested_at: TimeDateTimeWithTimeZone,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<TimeDateTimeWithTimeZone>,
    pub comment: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
