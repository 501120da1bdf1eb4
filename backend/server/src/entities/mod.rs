//! sea-orm entities, one per table of `migrations/`. Enum columns hold the domain crate's codes
//! as strings; conversion happens at the edge of each feature module.

pub mod annual_plan;
pub mod arrangement_session;
pub mod arrangement_staff;
pub mod audit_event;
pub mod batch;
pub mod batch_occupation;
pub mod batch_step;
pub mod blacklist_entry;
pub mod calendar_year;
pub mod candidate;
pub mod candidate_result;
pub mod candidate_warning;
pub mod certificate;
pub mod certificate_serial;
pub mod change_request;
pub mod draw;
pub mod exam_notice;
pub mod idempotency_key;
pub mod import_job;
pub mod inspection;
pub mod inspection_file;
pub mod inspector_affiliation;
pub mod institution;
pub mod institution_filing;
pub mod job_lease;
pub mod job_run;
pub mod material;
pub mod notice;
pub mod notice_read;
pub mod occupation;
pub mod outbox_event;
pub mod refresh_token;
pub mod step_decision;
pub mod user;
