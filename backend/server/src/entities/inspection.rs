use sea_orm::entity::prelude::*;

/// One inspector assigned to one batch by a draw, and their report once filed.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "inspections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub draw_id: Uuid,
    pub batch_id: Uuid,
    pub institution_id: Uuid,
    pub inspector_id: Uuid,
    /// The draw's mode: `on_site`, `remote_video` or `spot_check`.
    pub mode: String,
    /// `assigned` or `reported`.
    pub status: String,
    /// `good`, `acceptable` or `poor`, once reported.
    pub rating: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub findings: Option<String>,
    pub reported_at: Option<TimeDateTimeWithTimeZone>,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
