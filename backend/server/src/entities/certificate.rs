use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "certificates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub number: String,
    pub batch_id: Option<Uuid>,
    pub candidate_id: Option<Uuid>,
    pub institution_id: Option<Uuid>,
    pub id_blind: String,
    pub name: String,
    pub occupation_code: String,
    pub level: i16,
    pub issued_on: TimeDate,
    /// `issued`, `published` or `revoked`.
    pub status: String,
    pub created_at: TimeDateTimeWithTimeZone,
    pub id_type: Option<String>,
    /// First 6 and last 4 characters visible.
    pub id_masked: Option<String>,
    /// The signed content in canonical JSON (`skillcert_domain::certificate`).
    pub content: Option<String>,
    /// Ed25519 over `content`, 128 hex characters.
    pub signature: Option<String>,
    pub key_id: Option<String>,
    pub published_at: Option<TimeDateTimeWithTimeZone>,
    pub revoked_at: Option<TimeDateTimeWithTimeZone>,
    pub revoke_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
