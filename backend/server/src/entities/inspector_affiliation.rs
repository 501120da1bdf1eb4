use sea_orm::entity::prelude::*;

/// An institution an inspector is tied to (works for, trained at…): never drawn to inspect it
/// (SPEC §7).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "inspector_affiliations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub inspector_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub institution_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
