use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "step_decisions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub batch_id: Uuid,
    pub step: String,
    pub decision: String,
    pub comment: String,
    pub reasons: Json,
    /// None for decisions the platform makes (auto-approval).
    pub decided_by: Option<Uuid>,
    pub decided_at: TimeDateTimeWithTimeZone,
    /// For `data_audit`: `document_review` or `on_site_check`.
    pub audit_method: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
