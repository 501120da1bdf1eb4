use sea_orm::entity::prelude::*;

/// An event for webhook subscribers (docs/events.md), written in the transaction of the change
/// it reports; `delivered_at` is set by the delivery worker.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub event_type: String,
    pub payload: Json,
    pub dedupe_key: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub delivered_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
