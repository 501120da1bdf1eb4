use sea_orm::entity::prelude::*;

/// One 双随机 draw (SPEC §7): committed (seed sealed, commitment published), then drawn (seed
/// revealed, result stored).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "draws")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub title: String,
    /// `on_site`, `remote_video` or `spot_check`.
    pub mode: String,
    /// `committed` or `drawn`.
    pub status: String,
    pub batch_filter: Json,
    pub batch_count: i32,
    pub inspectors_per_batch: i32,
    /// The canonical pool JSON, exactly the bytes hashed into `pool_digest`.
    #[sea_orm(column_type = "Text")]
    pub pool_snapshot: String,
    pub pool_digest: String,
    /// Display data captured with the pool (institution names, exam dates, inspectors' names).
    pub pool_labels: Json,
    pub previous_draw_id: Option<Uuid>,
    pub commitment: String,
    /// The seed, sealed with the field key, while the draw is only committed.
    pub seed_sealed: Option<String>,
    /// The seed in clear once drawn.
    pub seed: Option<String>,
    /// The domain's `DrawResult` once drawn.
    pub result: Option<Json>,
    pub created_by: Uuid,
    pub committed_at: TimeDateTimeWithTimeZone,
    pub drawn_by: Option<Uuid>,
    pub drawn_at: Option<TimeDateTimeWithTimeZone>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
