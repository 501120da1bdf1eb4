use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "import_jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub batch_id: Uuid,
    /// `running`, `done` or `failed`.
    pub status: String,
    /// `all_or_nothing` or `valid_only`.
    pub mode: String,
    pub total_rows: i32,
    pub processed_rows: i32,
    pub imported_rows: i32,
    /// Bad rows: [{row, column, reason, message}].
    pub errors: Json,
    pub created_by: Uuid,
    pub created_at: TimeDateTimeWithTimeZone,
    pub finished_at: Option<TimeDateTimeWithTimeZone>,
    /// The process (`AppState::instance`) running a background job, while it runs.
    pub lease_owner: Option<String>,
    /// Until when the owner vouches for the job; renewed while it works. Past it, a job still
    /// `running` lost its process.
    pub lease_expires_at: Option<TimeDateTimeWithTimeZone>,
    /// Why a `failed` job failed, as a stable code: `interrupted`, `bad_rows`, `bad_file`,
    /// `batch_closed` or `internal`.
    pub failure_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
