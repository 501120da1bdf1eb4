use sea_orm::entity::prelude::*;

/// An in-app notice for one audience: the users of `institution_id` (`institution`) or every
/// supervisor (`supervisor`). Who has read it is in `notice_reads`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "notices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub audience: String,
    pub institution_id: Uuid,
    pub batch_id: Option<Uuid>,
    /// The event type, e.g. `deadline.approaching`.
    pub kind: String,
    pub deadline_kind: Option<String>,
    pub deadline: Option<TimeDate>,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub dedupe_key: String,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
