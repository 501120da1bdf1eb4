use sea_orm::entity::prelude::*;

/// A system that calls the API with a scoped bearer token (`sk_…`, kept as SHA-256 only).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "service_accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub name: String,
    /// JSON array of scope codes.
    pub scopes: Json,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub token_hint: String,
    pub created_by: Uuid,
    pub created_at: TimeDateTimeWithTimeZone,
    pub revoked_at: Option<TimeDateTimeWithTimeZone>,
    pub revoked_by: Option<Uuid>,
    pub last_used_at: Option<TimeDateTimeWithTimeZone>,
    /// Null on rows older than expiry: those expire 90 days after `created_at`.
    pub expires_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
