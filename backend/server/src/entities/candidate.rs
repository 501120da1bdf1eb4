use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "candidates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub batch_id: Uuid,
    pub institution_id: Uuid,
    pub name: String,
    /// `resident_id` (居民身份证) or another ID type.
    pub id_type: String,
    /// AEAD ciphertext of the ID number (see `crate::pii`); never the plain number.
    pub id_number_enc: String,
    /// Keyed blind index (HMAC-SHA256) for exact lookup and duplicate detection.
    pub id_blind: String,
    /// First 6 and last 4 characters visible.
    pub id_masked: String,
    pub birth_date: Option<TimeDate>,
    pub phone_enc: Option<String>,
    pub phone_masked: Option<String>,
    pub occupation_code: String,
    pub level: i16,
    pub education: Option<String>,
    pub work_years: Option<i32>,
    pub student_no: Option<String>,
    pub graduation_year: Option<i32>,
    /// `pending`, `eligible` or `ineligible` (资格审核).
    pub eligibility: String,
    pub eligibility_reason: Option<String>,
    pub withdrawn_at: Option<TimeDateTimeWithTimeZone>,
    pub version: i32,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
