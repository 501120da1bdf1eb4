//! `skillcert seed-demo` (SPEC §9): the demo accounts (all passwords `Demo@2026`, demo only),
//! the four demo institutions with their filings, the occupation catalogue, annual plans for the
//! current year, and a few batches standing at different steps. Runs once: a second run finds
//! the accounts and leaves everything as it is.

use bytes::Bytes;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use skillcert_domain::calendar::china_date;
use skillcert_domain::catalogue;
use skillcert_domain::codecs::uscc;
use skillcert_domain::state::{Decision, StepStates};

/// How far a demo batch's step has gone.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Upto {
    Submitted,
    Approved,
}
use skillcert_domain::{InstitutionKind, Module, Step, StepState};
use time::{Date, Duration, Month};
use uuid::Uuid;

use crate::app::BuiltApp;
use crate::audit::{self, AuditCtx};
use crate::auth::password;
use crate::batches::StoredPlan;
use crate::entities::{
    annual_plan, batch, batch_occupation, batch_step, institution, institution_filing, material,
    occupation, user,
};
use crate::storage::{self, Blob};

pub const DEMO_PASSWORD: &str = "Demo@2026";

/// 国家职业分类大典 (2022) codes and the levels each certifies.
const OCCUPATIONS: &[(&str, &str, &[i16])] = &[
    ("6-31-01-03", "电工", &[5, 4, 3, 2, 1]),
    ("6-18-02-04", "焊工", &[5, 4, 3, 2, 1]),
    ("6-18-01-01", "车工", &[5, 4, 3, 2, 1]),
    ("4-10-01-02", "育婴员", &[5, 4, 3]),
    ("4-10-01-05", "养老护理员", &[5, 4, 3, 2, 1]),
    ("4-03-02-01", "中式烹调师", &[5, 4, 3, 2, 1]),
    ("4-03-02-02", "中式面点师", &[5, 4, 3, 2, 1]),
    ("4-12-01-01", "汽车维修工", &[5, 4, 3, 2, 1]),
    ("4-10-03-02", "美发师", &[5, 4, 3, 2, 1]),
    ("4-03-02-07", "茶艺师", &[5, 4, 3, 2, 1]),
    ("4-01-02-02", "电子商务师", &[5, 4, 3, 2, 1]),
    ("4-14-02-02", "健康管理师", &[3, 2, 1]),
];

/// Filed by every demo institution, at levels 5–3.
const FILED: &[&str] = &[
    "6-31-01-03",
    "6-18-02-04",
    "4-10-01-02",
    "4-10-01-05",
    "4-03-02-01",
];

struct DemoInstitution {
    username: &'static str,
    kind: InstitutionKind,
    name: &'static str,
    /// The first 17 characters of the 统一社会信用代码; the check character is computed.
    uscc17: &'static str,
    region: &'static str,
    site_code: &'static str,
}

const INSTITUTIONS: &[DemoInstitution] = &[
    DemoInstitution {
        username: "emp1",
        kind: InstitutionKind::Employer,
        name: "郑州示范装备制造有限公司职业技能等级认定中心",
        uscc17: "91410100MA0000001",
        region: "4101",
        site_code: "410101",
    },
    DemoInstitution {
        username: "train1",
        kind: InstitutionKind::SocialTraining,
        name: "洛阳市示范职业培训学校",
        uscc17: "52410300MJ0000002",
        region: "4103",
        site_code: "410301",
    },
    DemoInstitution {
        username: "train2",
        kind: InstitutionKind::SocialTraining,
        name: "郑州市示范技能培训中心",
        uscc17: "52410100MJ0000003",
        region: "4101",
        site_code: "410102",
    },
    DemoInstitution {
        username: "school1",
        kind: InstitutionKind::TechSchool,
        name: "新乡市示范技师学院",
        uscc17: "12410700MB0000004",
        region: "4107",
        site_code: "410701",
    },
];

const STAFF: &[(&str, &str, &str)] = &[
    ("admin", "系统管理员", "admin"),
    ("supervisor", "督导部 张审核", "supervisor"),
    ("info", "信息部 李证书", "info_officer"),
    ("inspector1", "质量督导员 王一", "inspector"),
    ("inspector2", "质量督导员 赵二", "inspector"),
];

/// A one-page PDF (the README's curl session uploads the same file).
const DEMO_PDF: &[u8] = include_bytes!("../../../docs/demo/plan-application.pdf");

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Seeds the demo data; `Ok(false)` when it was already there.
pub async fn seed_demo(app: &BuiltApp) -> Result<bool, String> {
    let state = &app.state;
    if state.config.profile == crate::config::Profile::Production {
        return Err(
            "seed-demo is refused in a production profile: its accounts share a published password"
                .to_owned(),
        );
    }
    let conn = &state.db.conn;
    if user::Entity::find()
        .filter(user::Column::Username.eq("admin"))
        .one(conn)
        .await
        .map_err(err)?
        .is_some()
    {
        eprintln!("skillcert: demo data already present; nothing to do");
        return Ok(false);
    }
    let now = state.clock.now();
    let today = china_date(now);
    let year = today.year();
    let hash = password::hash(DEMO_PASSWORD).map_err(err)?;
    let txn = state.db.begin_write().await.map_err(err)?;
    let ctx = AuditCtx::system("seed-demo");

    for (code, name, levels) in OCCUPATIONS {
        occupation::Entity::insert(occupation::ActiveModel {
            code: Set((*code).to_owned()),
            name: Set((*name).to_owned()),
            levels: Set(json!(levels)),
            has_review: Set(levels.iter().any(|l| *l <= 2)),
        })
        .exec(&*txn)
        .await
        .map_err(err)?;
    }

    let mut staff_ids = Vec::new();
    for (username, display, role) in STAFF {
        staff_ids.push(insert_user(&*txn, username, display, role, None, &hash, now).await?);
    }
    let supervisor_id = staff_ids[1];

    let mut institutions = Vec::new();
    for demo in INSTITUTIONS {
        let check = uscc::check_char(demo.uscc17).ok_or("bad demo USCC")?;
        let id = Uuid::now_v7();
        institution::Entity::insert(institution::ActiveModel {
            id: Set(id),
            kind: Set(demo.kind.code().to_owned()),
            name: Set(demo.name.to_owned()),
            uscc: Set(format!("{}{check}", demo.uscc17)),
            region: Set(demo.region.to_owned()),
            filing_code: Set("0000".to_owned()),
            site_code: Set(demo.site_code.to_owned()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec(&*txn)
        .await
        .map_err(err)?;
        for code in FILED {
            for level in [5i16, 4, 3] {
                institution_filing::Entity::insert(institution_filing::ActiveModel {
                    institution_id: Set(id),
                    occupation_code: Set((*code).to_owned()),
                    level: Set(level),
                })
                .exec(&*txn)
                .await
                .map_err(err)?;
            }
        }
        let display = format!("{} 经办人", demo.name);
        let user_id = insert_user(
            &*txn,
            demo.username,
            &display,
            "institution",
            Some(id),
            &hash,
            now,
        )
        .await?;
        if matches!(
            demo.kind,
            InstitutionKind::Employer | InstitutionKind::TechSchool
        ) {
            annual_plan::Entity::insert(annual_plan::ActiveModel {
                id: Set(Uuid::now_v7()),
                institution_id: Set(id),
                year: Set(year),
                filed_on: Set(Date::from_calendar_date(year, Month::January, 20).map_err(err)?),
                late: Set(false),
                note: Set("年度考试计划（演示数据）".to_owned()),
                material_id: Set(None),
                recorded_by: Set(supervisor_id),
                created_at: Set(now),
            })
            .exec(&*txn)
            .await
            .map_err(err)?;
        }
        institutions.push((demo, id, user_id));
    }

    // A few batches at different steps, with exams three weeks ahead (capped to the year).
    let exam = (today + Duration::days(21))
        .min(Date::from_calendar_date(year, Month::December, 30).map_err(err)?);
    for (demo, institution_id, user_id) in &institutions {
        let (module, method, progress): (Module, &str, &[(Step, Upto)]) = match demo.username {
            // 郑州 employer: plan approved, registration open.
            "emp1" => (Module::Supervised, "exam", &[(Step::Plan, Upto::Approved)]),
            // 洛阳 training organisation: a fresh plan for the README's curl session to submit.
            "train1" => (Module::Supervised, "exam", &[]),
            // 郑州 training organisation: plan submitted, in the supervisors' queue.
            "train2" => (Module::Supervised, "exam", &[(Step::Plan, Upto::Submitted)]),
            _ => (Module::SelfAssessed, "process", &[]),
        };
        let batch_id = insert_batch(
            &*txn,
            &*state.storage,
            demo,
            *institution_id,
            *user_id,
            module,
            method,
            year,
            exam,
            progress,
            now,
        )
        .await?;
        audit::record(
            &*txn,
            &ctx,
            now,
            audit::Event {
                action: "seed.demo",
                entity_type: "batch",
                entity_id: batch_id.to_string(),
                institution_id: Some(*institution_id),
                summary: json!({ "note": "演示数据" }),
            },
        )
        .await
        .map_err(|e| format!("{e:?}"))?;
    }
    txn.commit().await.map_err(err)?;
    eprintln!(
        "skillcert: demo data seeded — users admin, supervisor, info, inspector1, inspector2, emp1, train1, train2, school1; password {DEMO_PASSWORD} (demo only)"
    );
    Ok(true)
}

async fn insert_user<C: ConnectionTrait>(
    conn: &C,
    username: &str,
    display_name: &str,
    role: &str,
    institution_id: Option<Uuid>,
    hash: &str,
    now: time::OffsetDateTime,
) -> Result<Uuid, String> {
    let id = Uuid::now_v7();
    user::Entity::insert(user::ActiveModel {
        id: Set(id),
        username: Set(username.to_owned()),
        display_name: Set(display_name.to_owned()),
        password_hash: Set(hash.to_owned()),
        role: Set(role.to_owned()),
        institution_id: Set(institution_id),
        disabled: Set(false),
        token_version: Set(1),
        failed_logins: Set(0),
        locked_until: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec(conn)
    .await
    .map_err(err)?;
    Ok(id)
}

/// A batch whose steps follow the state machine through `progress`: each listed step is
/// submitted, then approved (opening the next) or left submitted for review.
#[allow(clippy::too_many_arguments)]
async fn insert_batch<C: ConnectionTrait>(
    conn: &C,
    state_storage: &dyn object_store::ObjectStore,
    demo: &DemoInstitution,
    institution_id: Uuid,
    user_id: Uuid,
    module: Module,
    method: &str,
    year: i32,
    exam: Date,
    progress: &[(Step, Upto)],
    now: time::OffsetDateTime,
) -> Result<Uuid, String> {
    let process = catalogue::process(demo.kind, module).ok_or("no process")?;
    let mut states = StepStates::initial(process);
    for (step, upto) in progress {
        states.apply(&states.on_submit(process, *step, false).map_err(err)?);
        if *upto == Upto::Approved && states.get(*step) == Some(StepState::Submitted) {
            states.apply(
                &states
                    .on_decision(process, *step, Decision::Approve)
                    .map_err(err)?,
            );
        }
    }
    let id = Uuid::now_v7();
    let occupations = [("6-31-01-03", 5i16, 20i32), ("4-10-01-05", 4, 15)];
    let plan_approved = states.get(Step::Plan) == Some(StepState::Approved);
    let approved_plan = plan_approved.then(|| {
        json!(StoredPlan {
            exam_start: exam,
            exam_end: exam,
            venue: "职业技能实训基地 A 栋".to_owned(),
            occupations: occupations
                .iter()
                .map(|(c, l, _)| ((*c).to_owned(), *l as u8))
                .collect(),
        })
    });
    batch::Entity::insert(batch::ActiveModel {
        id: Set(id),
        institution_id: Set(institution_id),
        kind: Set(demo.kind.code().to_owned()),
        module: Set(module.code().to_owned()),
        method: Set(method.to_owned()),
        year: Set(year),
        exam_start: Set(exam),
        exam_end: Set(exam),
        venue: Set("职业技能实训基地 A 栋".to_owned()),
        venue_region: Set(demo.region.to_owned()),
        exam_notice_ids: Set(json!([])),
        approved_plan: Set(approved_plan),
        completion_extended_to: Set(None),
        archived_at: Set(None),
        version: Set(1),
        created_by: Set(user_id),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec(conn)
    .await
    .map_err(err)?;
    for (code, level, planned) in occupations {
        batch_occupation::Entity::insert(batch_occupation::ActiveModel {
            batch_id: Set(id),
            occupation_code: Set(code.to_owned()),
            level: Set(level),
            planned_count: Set(planned),
        })
        .exec(conn)
        .await
        .map_err(err)?;
    }
    // The materials of every step already submitted, so a reviewer has documents to open.
    let demo_pdf = Blob::new(Bytes::from_static(DEMO_PDF));
    let mut stored = false;
    for (step, state) in states.iter(process) {
        if !matches!(state, StepState::Submitted | StepState::Approved) {
            continue;
        }
        let Some(def) = process.step(step) else {
            continue;
        };
        for requirement in def
            .materials
            .iter()
            .filter(|m| m.when == catalogue::Condition::Always)
        {
            if !stored {
                storage::put(state_storage, &demo_pdf)
                    .await
                    .map_err(|e| format!("{e:?}"))?;
                stored = true;
            }
            material::Entity::insert(material::ActiveModel {
                id: Set(Uuid::now_v7()),
                batch_id: Set(Some(id)),
                institution_id: Set(institution_id),
                kind: Set(requirement.kind.code().to_owned()),
                file_name: Set(format!("{}（演示）.pdf", requirement.title)),
                sha256: Set(demo_pdf.sha256().to_owned()),
                size: Set(demo_pdf.size() as i64),
                uploaded_by: Set(user_id),
                uploaded_at: Set(now),
                superseded_at: Set(None),
            })
            .exec(conn)
            .await
            .map_err(err)?;
        }
    }
    for (step, state) in states.iter(process) {
        let submitted = matches!(state, StepState::Submitted | StepState::Approved);
        batch_step::Entity::insert(batch_step::ActiveModel {
            batch_id: Set(id),
            step: Set(step.code().to_owned()),
            state: Set(state.code().to_owned()),
            submitted_at: Set(submitted.then_some(now)),
            first_submitted_at: Set(submitted.then_some(now)),
            decided_at: Set((state == StepState::Approved).then_some(now)),
            version: Set(1),
        })
        .exec(conn)
        .await
        .map_err(err)?;
    }
    Ok(id)
}
