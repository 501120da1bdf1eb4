use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "arrangement_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub batch_id: Uuid,
    /// Order within the batch's arrangement (0-based); staff refer to sessions by it.
    pub position: i32,
    pub occupation_code: String,
    pub level: i16,
    /// `theory`, `skill` or `review`.
    pub subject: String,
    pub starts_at: TimeDateTimeWithTimeZone,
    pub ends_at: TimeDateTimeWithTimeZone,
    pub venue: String,
    pub venue_region: String,
    /// `online_computer`, `practical` or `review`.
    pub exam_form: String,
    /// Seats (考位).
    pub capacity: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
