//! 批次归档 (issue 7; SPEC §1 信息部 "archives"): the immutable dossier of a completed batch as
//! one zip, built here and stored in the object store under its own SHA-256.
//!
//! Layout (`skillcert-archive/1`, documented for readers in `docs/archive.md`):
//!
//! ```text
//! batch.json              the batch, its institution, occupation lines, steps, status
//! decisions.json          every step decision (审核意见) and every change request with its decision
//! candidates.json         the roster (ID masked) with eligibility and results
//! audit-events.json       the audit events of the batch and of its rows, with seq, prev_hash, hash
//! materials.json          every material (superseded ones too) and where its PDF is in the zip
//! materials/<id>.pdf
//! inspections.json        the inspections of the batch (external supervision) and their reports
//! inspections/<inspection id>/<file id>.pdf
//! certificates.json       each certificate: content (the signed canonical JSON), its SHA-256,
//!                         the Ed25519 signature, status
//! certificate-key.json    the public key that verifies those signatures
//! manifest.json           format, batch, who and when, every file above with size and SHA-256
//! MANIFEST.sha256         `sha256sum -c` format over every file, manifest.json included
//! ```
//!
//! The zip is written to an unnamed temporary file (no whole-dossier buffer; PDFs are streamed
//! from the store chunk by chunk and re-hashed on the way, so a stored file that no longer
//! matches its digest fails the archive), then streamed to the object store. Entries carry the
//! archive instant as their time, so the zip's bytes follow from the dossier alone. Reads run in
//! one read transaction (a snapshot on PostgreSQL; SQLite's WAL gives the same).
//!
//! Reads the database and the object store; writes only the object store. Sealing the batch
//! (`batches.archived_at`, the `batch_archives` row, the audit event) is the route's transaction.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use futures_util::StreamExt;
use sea_orm::{
    AccessMode, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    IsolationLevel, QueryFilter, QueryOrder, TransactionTrait,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use skillcert_domain::certificate as signing;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::batches::Loaded;
use crate::entities::{
    audit_event, candidate, candidate_result, candidate_warning, certificate, change_request,
    import_job, inspection, inspection_file, material, step_decision, user,
};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::storage;

/// The dossier layout's version, in `manifest.json` and the `batch_archives` row.
pub const FORMAT: &str = "skillcert-archive/1";
/// The checksum list, in `sha256sum` format.
pub const CHECKSUMS: &str = "MANIFEST.sha256";
/// The manifest, listing every other file.
pub const MANIFEST: &str = "manifest.json";
/// Entity ids per `IN (…)` when collecting the batch's audit events.
const ID_CHUNK: usize = 500;

/// What was built and stored.
#[derive(Debug, Clone)]
pub struct Built {
    pub sha256: String,
    pub size: u64,
    /// Files in the zip, `MANIFEST.sha256` included.
    pub file_count: u32,
    pub manifest_sha256: String,
}

/// One file of the dossier.
#[derive(Debug, Clone)]
struct Entry {
    path: String,
    sha256: String,
    size: u64,
}

fn zip_error(err: zip::result::ZipError) -> ApiError {
    ApiError::Internal(format!("archive zip: {err}"))
}

fn io_error(err: std::io::Error) -> ApiError {
    ApiError::Internal(format!("archive file: {err}"))
}

fn json_bytes(value: &Value) -> ApiResult<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| ApiError::Internal(format!("archive json: {e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn instant(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn instant_opt(at: Option<OffsetDateTime>) -> Value {
    at.map_or(Value::Null, |at| Value::String(instant(at)))
}

/// The zip being written, and what went into it.
struct DossierWriter {
    zip: ZipWriter<std::fs::File>,
    /// Deflate for the JSON files.
    text: SimpleFileOptions,
    /// PDFs are compressed already: stored as they are.
    binary: SimpleFileOptions,
    entries: Vec<Entry>,
}

impl DossierWriter {
    fn new(file: std::fs::File, at: OffsetDateTime) -> ApiResult<Self> {
        // DOS time has no zone: the China wall-clock time of the archive instant.
        let local = at.to_offset(time::macros::offset!(+8));
        let stamp = zip::DateTime::from_date_and_time(
            u16::try_from(local.year()).unwrap_or(1980),
            u8::from(local.month()),
            local.day(),
            local.hour(),
            local.minute(),
            local.second(),
        )
        .unwrap_or_default();
        let base = SimpleFileOptions::default()
            .last_modified_time(stamp)
            .unix_permissions(0o644);
        Ok(DossierWriter {
            zip: ZipWriter::new(file),
            text: base.compression_method(CompressionMethod::Deflated),
            binary: base.compression_method(CompressionMethod::Stored),
            entries: Vec::new(),
        })
    }

    fn add_bytes(&mut self, path: &str, bytes: &[u8]) -> ApiResult<()> {
        self.zip.start_file(path, self.text).map_err(zip_error)?;
        self.zip.write_all(bytes).map_err(io_error)?;
        self.entries.push(Entry {
            path: path.to_owned(),
            sha256: hex::encode(Sha256::digest(bytes)),
            size: bytes.len() as u64,
        });
        Ok(())
    }

    fn add_json(&mut self, path: &str, value: &Value) -> ApiResult<()> {
        self.add_bytes(path, &json_bytes(value)?)
    }

    /// Streams the stored file `sha256` into the zip, checking it still has that digest.
    async fn add_stored(&mut self, state: &AppState, path: &str, sha256: &str) -> ApiResult<()> {
        let mut opened = storage::open(&*state.storage, sha256).await?;
        self.zip.start_file(path, self.binary).map_err(zip_error)?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = opened.stream.next().await {
            let chunk = chunk.map_err(|e| ApiError::Internal(format!("storage read: {e}")))?;
            hasher.update(&chunk);
            size += chunk.len() as u64;
            self.zip.write_all(&chunk).map_err(io_error)?;
        }
        let actual = hex::encode(hasher.finalize());
        if actual != sha256 {
            return Err(ApiError::Internal(format!(
                "stored file {sha256} reads back as {actual}: refusing to archive it"
            )));
        }
        self.entries.push(Entry {
            path: path.to_owned(),
            sha256: actual,
            size,
        });
        Ok(())
    }

    /// Adds `manifest.json` and `MANIFEST.sha256`, closes the zip and returns its file.
    fn finish(mut self, mut manifest: Value) -> ApiResult<(std::fs::File, u32, String)> {
        manifest["files"] = Value::Array(
            self.entries
                .iter()
                .map(|e| json!({ "path": e.path, "size": e.size, "sha256": e.sha256 }))
                .collect(),
        );
        self.add_json(MANIFEST, &manifest)?;
        let manifest_sha256 = self
            .entries
            .last()
            .map(|e| e.sha256.clone())
            .unwrap_or_default();
        let checksums: String = self
            .entries
            .iter()
            .map(|e| format!("{}  {}\n", e.sha256, e.path))
            .collect();
        self.add_bytes(CHECKSUMS, checksums.as_bytes())?;
        let count = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        let file = self.zip.finish().map_err(zip_error)?;
        Ok((file, count, manifest_sha256))
    }
}

/// A read transaction: a snapshot on PostgreSQL (repeatable read, read only).
async fn read_snapshot(state: &AppState) -> ApiResult<DatabaseTransaction> {
    let conn = &state.db.conn;
    Ok(match conn.get_database_backend() {
        DbBackend::Postgres => {
            conn.begin_with_config(
                Some(IsolationLevel::RepeatableRead),
                Some(AccessMode::ReadOnly),
            )
            .await?
        }
        _ => conn.begin().await?,
    })
}

/// Builds the dossier of `loaded` (a completed batch) as archived by `archived_by` at `at`, and
/// stores the zip. Nothing in the database changes.
pub async fn build(
    state: &AppState,
    loaded: &Loaded,
    archived_by: &user::Model,
    at: OffsetDateTime,
) -> ApiResult<Built> {
    let txn = read_snapshot(state).await?;
    let file = tempfile::tempfile().map_err(io_error)?;
    let mut out = DossierWriter::new(file, at)?;
    let batch_id = loaded.batch.id;

    // -- batch.json
    let process = loaded.process()?;
    let states = loaded.step_states()?;
    let b = &loaded.batch;
    let i = &loaded.institution;
    let steps: Vec<Value> = states
        .iter(process)
        .map(|(step, step_state)| {
            let row = loaded.step_row(step);
            json!({
                "step": step.code(),
                "name": step.name_zh(),
                "state": step_state.code(),
                "submitted_at": instant_opt(row.and_then(|r| r.submitted_at)),
                "first_submitted_at": instant_opt(row.and_then(|r| r.first_submitted_at)),
                "decided_at": instant_opt(row.and_then(|r| r.decided_at)),
            })
        })
        .collect();
    out.add_json(
        "batch.json",
        &json!({
            "id": b.id,
            "institution": {
                "id": i.id, "name": i.name, "kind": i.kind, "uscc": i.uscc, "region": i.region,
                "filing_code": i.filing_code, "site_code": i.site_code,
            },
            "kind": b.kind,
            "module": b.module,
            "method": b.method,
            "year": b.year,
            "exam_start": b.exam_start.to_string(),
            "exam_end": b.exam_end.to_string(),
            "venue": b.venue,
            "venue_region": b.venue_region,
            "exam_notice_ids": b.exam_notice_ids,
            "approved_plan": b.approved_plan,
            "completion_extended_to": b.completion_extended_to.map(|d| d.to_string()),
            "occupations": loaded.occupations.iter().map(|o| json!({
                "occupation_code": o.occupation_code, "level": o.level, "planned_count": o.planned_count,
            })).collect::<Vec<_>>(),
            "steps": steps,
            "status_at_archive": states.status(process).status.code(),
            "version": b.version,
            "created_by": b.created_by,
            "created_at": instant(b.created_at),
            "updated_at": instant(b.updated_at),
        }),
    )?;

    // -- decisions.json
    let decisions = step_decision::Entity::find()
        .filter(step_decision::Column::BatchId.eq(batch_id))
        .order_by_asc(step_decision::Column::DecidedAt)
        .order_by_asc(step_decision::Column::Id)
        .all(&txn)
        .await?;
    let changes = change_request::Entity::find()
        .filter(change_request::Column::BatchId.eq(batch_id))
        .order_by_asc(change_request::Column::RequestedAt)
        .order_by_asc(change_request::Column::Id)
        .all(&txn)
        .await?;
    out.add_json(
        "decisions.json",
        &json!({
            "step_decisions": decisions.iter().map(|d| json!({
                "id": d.id, "step": d.step, "decision": d.decision, "comment": d.comment,
                "reasons": d.reasons, "decided_by": d.decided_by, "decided_at": instant(d.decided_at),
                "audit_method": d.audit_method,
            })).collect::<Vec<_>>(),
            "change_requests": changes.iter().map(|c| json!({
                "id": c.id, "status": c.status, "reason": c.reason, "before": c.before,
                "after": c.after, "requested_by": c.requested_by,
                "requested_at": instant(c.requested_at), "decided_by": c.decided_by,
                "decided_at": instant_opt(c.decided_at), "comment": c.comment,
            })).collect::<Vec<_>>(),
        }),
    )?;

    // -- candidates.json (IDs masked: the dossier is not a second copy of personal data)
    let candidates = candidate::Entity::find()
        .filter(candidate::Column::BatchId.eq(batch_id))
        .order_by_asc(candidate::Column::CreatedAt)
        .order_by_asc(candidate::Column::Id)
        .all(&txn)
        .await?;
    let results: BTreeMap<Uuid, candidate_result::Model> = candidate_result::Entity::find()
        .filter(candidate_result::Column::BatchId.eq(batch_id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|r| (r.candidate_id, r))
        .collect();
    let warnings = candidate_warning::Entity::find()
        .filter(candidate_warning::Column::BatchId.eq(batch_id))
        .order_by_asc(candidate_warning::Column::CreatedAt)
        .order_by_asc(candidate_warning::Column::Id)
        .all(&txn)
        .await?;
    let mut warnings_of: BTreeMap<Uuid, Vec<Value>> = BTreeMap::new();
    for w in &warnings {
        warnings_of.entry(w.candidate_id).or_default().push(json!({
            "id": w.id, "code": w.code, "evidence": w.evidence, "disposition": w.disposition,
            "explanation": w.explanation, "evidence_material_id": w.evidence_material_id,
            "disposed_by": w.disposed_by, "disposed_at": instant_opt(w.disposed_at),
        }));
    }
    out.add_json(
        "candidates.json",
        &Value::Array(
            candidates
                .iter()
                .map(|c| {
                    let result = results.get(&c.id);
                    json!({
                        "id": c.id, "name": c.name, "id_type": c.id_type,
                        "id_number_masked": c.id_masked, "occupation_code": c.occupation_code,
                        "level": c.level, "education": c.education, "work_years": c.work_years,
                        "student_no": c.student_no, "graduation_year": c.graduation_year,
                        "eligibility": c.eligibility, "eligibility_reason": c.eligibility_reason,
                        "withdrawn_at": instant_opt(c.withdrawn_at),
                        "result": result.map(|r| json!({
                            "theory": r.theory, "skill": r.skill, "review": r.review,
                            "passed": r.passed, "updated_at": instant(r.updated_at),
                        })),
                        "warnings": warnings_of.remove(&c.id).unwrap_or_default(),
                    })
                })
                .collect(),
        ),
    )?;

    // -- materials.json and materials/<id>.pdf
    let materials = material::Entity::find()
        .filter(material::Column::BatchId.eq(batch_id))
        .order_by_asc(material::Column::UploadedAt)
        .order_by_asc(material::Column::Id)
        .all(&txn)
        .await?;
    out.add_json(
        "materials.json",
        &Value::Array(
            materials
                .iter()
                .map(|m| {
                    json!({
                        "id": m.id, "kind": m.kind, "file_name": m.file_name,
                        "path": format!("materials/{}.pdf", m.id), "sha256": m.sha256,
                        "size": m.size, "uploaded_by": m.uploaded_by,
                        "uploaded_at": instant(m.uploaded_at),
                        "superseded_at": instant_opt(m.superseded_at),
                    })
                })
                .collect(),
        ),
    )?;
    for m in &materials {
        out.add_stored(state, &format!("materials/{}.pdf", m.id), &m.sha256)
            .await?;
    }

    // -- inspections.json and inspections/<id>/<file id>.pdf
    let inspections = inspection::Entity::find()
        .filter(inspection::Column::BatchId.eq(batch_id))
        .order_by_asc(inspection::Column::CreatedAt)
        .order_by_asc(inspection::Column::Id)
        .all(&txn)
        .await?;
    let inspection_ids: Vec<Uuid> = inspections.iter().map(|r| r.id).collect();
    let files = inspection_file::Entity::find()
        .filter(inspection_file::Column::InspectionId.is_in(inspection_ids.clone()))
        .order_by_asc(inspection_file::Column::UploadedAt)
        .order_by_asc(inspection_file::Column::Id)
        .all(&txn)
        .await?;
    let inspector_ids: BTreeSet<Uuid> = inspections.iter().map(|r| r.inspector_id).collect();
    let inspectors: BTreeMap<Uuid, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(inspector_ids))
        .all(&txn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    out.add_json(
        "inspections.json",
        &Value::Array(
            inspections
                .iter()
                .map(|r| {
                    json!({
                        "id": r.id, "draw_id": r.draw_id, "inspector_id": r.inspector_id,
                        "inspector_name": inspectors.get(&r.inspector_id),
                        "mode": r.mode, "status": r.status, "rating": r.rating,
                        "findings": r.findings, "reported_at": instant_opt(r.reported_at),
                        "created_at": instant(r.created_at),
                        "files": files.iter().filter(|f| f.inspection_id == r.id).map(|f| json!({
                            "id": f.id, "file_name": f.file_name,
                            "path": format!("inspections/{}/{}.pdf", r.id, f.id),
                            "sha256": f.sha256, "size": f.size,
                            "uploaded_at": instant(f.uploaded_at),
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect(),
        ),
    )?;
    for f in &files {
        out.add_stored(
            state,
            &format!("inspections/{}/{}.pdf", f.inspection_id, f.id),
            &f.sha256,
        )
        .await?;
    }

    // -- certificates.json and certificate-key.json
    let certificates = certificate::Entity::find()
        .filter(certificate::Column::BatchId.eq(batch_id))
        .order_by_asc(certificate::Column::Number)
        .all(&txn)
        .await?;
    out.add_json(
        "certificates.json",
        &Value::Array(certificates.iter().map(certificate_entry).collect()),
    )?;
    let key = state.signer.public_key();
    out.add_json(
        "certificate-key.json",
        &json!({
            "algorithm": "Ed25519",
            "key_id": state.signer.key_id(),
            "public_key_hex": hex::encode(key),
            "content_format": signing::FORMAT,
            "note": "每本证书的 signature 是该公钥对 content（UTF-8 字节）的 Ed25519 签名；content_sha256 是 content 的 SHA-256。",
        }),
    )?;

    // -- audit-events.json: the batch's own events and those of every row under it
    let mut entity_ids: Vec<String> = vec![batch_id.to_string()];
    entity_ids.extend(candidates.iter().map(|r| r.id.to_string()));
    entity_ids.extend(warnings.iter().map(|r| r.id.to_string()));
    entity_ids.extend(materials.iter().map(|r| r.id.to_string()));
    entity_ids.extend(inspections.iter().map(|r| r.id.to_string()));
    entity_ids.extend(certificates.iter().map(|r| r.id.to_string()));
    entity_ids.extend(
        import_job::Entity::find()
            .filter(import_job::Column::BatchId.eq(batch_id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|r| r.id.to_string()),
    );
    let mut events: BTreeMap<i64, audit_event::Model> = BTreeMap::new();
    for chunk in entity_ids.chunks(ID_CHUNK) {
        for row in audit_event::Entity::find()
            .filter(audit_event::Column::EntityId.is_in(chunk.iter().cloned()))
            .all(&txn)
            .await?
        {
            events.insert(row.seq, row);
        }
    }
    out.add_json(
        "audit-events.json",
        &json!({
            "note": "审计日志为全平台一条哈希链：hash = SHA-256(prev_hash ‖ 事件规范 JSON)；此处为本批次相关事件，完整链可用 skillcert verify-audit 校验。",
            "events": events.values().map(|e| json!({
                "seq": e.seq, "at": instant(e.at), "actor_id": e.actor_id,
                "actor_role": e.actor_role, "action": e.action, "entity_type": e.entity_type,
                "entity_id": e.entity_id, "institution_id": e.institution_id,
                "summary": e.summary, "request_id": e.request_id, "ip": e.ip,
                "prev_hash": e.prev_hash, "hash": e.hash,
            })).collect::<Vec<_>>(),
        }),
    )?;
    txn.commit().await?;

    // -- manifest.json, MANIFEST.sha256, then the store
    let manifest = json!({
        "format": FORMAT,
        "batch_id": batch_id,
        "institution": i.name,
        "created_at": instant(at),
        "created_by": {
            "id": archived_by.id,
            "username": archived_by.username,
            "display_name": archived_by.display_name,
        },
        "counts": {
            "candidates": candidates.len(),
            "materials": materials.len(),
            "inspections": inspections.len(),
            "inspection_files": files.len(),
            "certificates": certificates.len(),
            "audit_events": events.len(),
            "step_decisions": decisions.len(),
            "change_requests": changes.len(),
        },
        "checksums": CHECKSUMS,
    });
    let (mut file, file_count, manifest_sha256) = out.finish(manifest)?;
    let (sha256, size) = storage::put_file(&*state.storage, &mut file).await?;
    Ok(Built {
        sha256,
        size,
        file_count,
        manifest_sha256,
    })
}

/// One certificate of `certificates.json`.
fn certificate_entry(c: &certificate::Model) -> Value {
    json!({
        "id": c.id,
        "number": c.number,
        "candidate_id": c.candidate_id,
        "name": c.name,
        "id_type": c.id_type,
        "id_number_masked": c.id_masked,
        "occupation_code": c.occupation_code,
        "level": c.level,
        "issued_on": c.issued_on.to_string(),
        "status": c.status,
        "published_at": instant_opt(c.published_at),
        "revoked_at": instant_opt(c.revoked_at),
        "revoke_reason": c.revoke_reason,
        "key_id": c.key_id,
        "signature": c.signature,
        "content": c.content,
        "content_sha256": c.content.as_deref().map(|text| hex::encode(Sha256::digest(text.as_bytes()))),
    })
}
