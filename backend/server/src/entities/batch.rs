use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "batches")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub institution_id: Uuid,
    pub kind: String,
    pub module: String,
    pub method: String,
    pub year: i32,
    pub exam_start: TimeDate,
    pub exam_end: TimeDate,
    pub venue: String,
    pub venue_region: String,
    /// JSON array of exam notice ids (social training).
    pub exam_notice_ids: Json,
    /// The plan as approved (dates, venue, occupations); null before approval.
    pub approved_plan: Option<Json>,
    pub completion_extended_to: Option<TimeDate>,
    pub version: i32,
    pub created_by: Uuid,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
    /// Set when the 信息部 archived the batch: from then on it is read only.
    pub archived_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
