use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "candidate_results")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub candidate_id: Uuid,
    pub batch_id: Uuid,
    pub theory: Option<f64>,
    pub skill: Option<f64>,
    pub review: Option<f64>,
    /// Null while a subject the occupation has is unscored.
    pub passed: Option<bool>,
    pub updated_by: Uuid,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
