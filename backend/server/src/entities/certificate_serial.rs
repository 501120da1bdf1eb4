use sea_orm::entity::prelude::*;

/// The last serial issued per (evaluation site code, issue year, level).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "certificate_serials")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub site_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub level: i16,
    pub last_serial: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
