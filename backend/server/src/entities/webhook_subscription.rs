use sea_orm::entity::prelude::*;

/// A webhook subscription (issue 7): where events of the listed types are POSTed, signed with
/// the secret, which is stored only encrypted (`crate::pii::FieldCipher`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_subscriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub url: String,
    pub secret_enc: String,
    /// JSON array of exact event types, prefixes (`step.*`) or `*`.
    pub event_types: Json,
    pub active: bool,
    pub created_by: Option<Uuid>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
