use sea_orm::entity::prelude::*;

/// Login attempts of one username or one client address (`docs/security.md` 2.2.1).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "login_attempts")]
pub struct Model {
    /// `u:<sha256 of the normalised username>` or `a:<client address key>`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// Attempts whose password is being checked right now.
    pub pending: i32,
    pub failures: i32,
    pub window_start: TimeDateTimeWithTimeZone,
    pub locked_until: Option<TimeDateTimeWithTimeZone>,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
