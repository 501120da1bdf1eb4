use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "candidate_warnings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub candidate_id: Uuid,
    pub batch_id: Uuid,
    /// A `WarningCode` of the domain crate.
    pub code: String,
    /// Why: e.g. the other batch, or "another institution" without naming it.
    pub evidence: Json,
    /// `confirmed` or `dismissed`; null until the institution decides.
    pub disposition: Option<String>,
    pub explanation: Option<String>,
    pub evidence_material_id: Option<Uuid>,
    pub disposed_by: Option<Uuid>,
    pub disposed_at: Option<TimeDateTimeWithTimeZone>,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
