//! The cross-tenant and role matrix (SPEC §1, issue 3), driven by the OpenAPI document itself:
//! every route whose path carries an id is called by another institution of the same kind
//! (`train2`) and by an inspector against `train1`'s real resources. Another institution gets
//! 404 on tenant routes and 403 on admin and decision routes; the inspector, who has nothing
//! assigned, is refused everywhere; nothing changes. A route with a path parameter this file has
//! no rule for fails the test, so no future route escapes the matrix.
//!
//! The role matrix: institutions cannot decide, even their own submitted plan; an inspector sees
//! no batches and no review queue or audit log.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::fixtures::user_id;
use common::ids::person;
use common::pdf::pdf;
use common::{TestApp, each_backend, problem};
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use sea_orm::{ActiveValue::Set, EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use skillcert_server::entities::{
    audit_event, batch, candidate, candidate_warning, change_request, exam_notice, import_job,
    material, notice_read,
};
use uuid::Uuid;

// -- Setup & Fixtures

fn pdf_form(kind: &str, tag: &str) -> Form {
    Form::new().text("kind", kind.to_owned()).part(
        "file",
        Part::bytes(pdf(tag))
            .file_name(format!("{tag}.pdf"))
            .mime_str("application/pdf")
            .unwrap(),
    )
}

/// A social-training batch that passes every plan rule once its plan application is uploaded:
/// venue in the institution's own region (4103), 20 candidates, exam well after the lead time.
fn batch_body() -> Value {
    common::batches::batch_body("supervised", "exam", 20, "4103")
}

fn notice_body() -> Value {
    json!({
        "title": "2026年第一期电工职业技能等级认定考试计划",
        "occupation_code": "6-31-01-03",
        "level": 5,
        "exam_date": "2026-03-10",
        "subjects": ["理论知识", "操作技能"],
        "method": "exam",
        "exam_form": "online_computer"
    })
}

async fn json_of(response: reqwest::Response, status: u16, what: &str) -> Value {
    let actual = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_eq!(actual, status, "{what}: {body}");
    body
}

/// `train1`'s resources, one of each id kind the API exposes.
struct Owned {
    institution: Uuid,
    user: Uuid,
    batch: String,
    material: String,
    notice: String,
    candidate: String,
    warning: String,
    blacklist: String,
    import_job: String,
    change_request: String,
    /// An in-app notice for `train1`'s users (issue 6).
    in_app_notice: String,
    /// A certificate of `train1`'s batch (issue 7).
    certificate: String,
    /// A webhook subscription and one of its deliveries (issue 7): the admin's, no tenant's.
    webhook: String,
    webhook_delivery: String,
    /// A service account (issue 7): the admin's, no institution's.
    service_account: String,
}

/// The value of path parameter `name` in `template`, from the first rule whose route prefix
/// matches. `None` for a route that holds no tenant data; a panic for a parameter without a rule.
fn fill(template: &str, owned: &Owned) -> Option<String> {
    // The working-day calendar is one for the whole province: not tenant data.
    if template.starts_with("/api/v1/calendar/{year}") {
        return None;
    }
    // Draws are the supervisors' and the public's, inspections their inspector's: no institution
    // owns one. tests/draws.rs checks their roles, the inspector's own-only scope and the
    // institution's read of its own batches' inspections.
    if [
        "/api/v1/draws/",
        "/api/v1/public/draws/",
        "/api/v1/inspections/",
    ]
    .iter()
    .any(|prefix| template.starts_with(prefix))
    {
        return None;
    }
    let institution = owned.institution.to_string();
    let user = owned.user.to_string();
    // Prefix rules: `/certificates/{id}/pdf` and `/batches/{id}/certificates/pdf` (issue 7
    // printing) take the certificate's and the batch's rule.
    let rules: [(&str, &str, &str); 17] = [
        ("/api/v1/webhooks/{id}", "id", &owned.webhook),
        (
            "/api/v1/webhook-deliveries/{id}",
            "id",
            &owned.webhook_delivery,
        ),
        ("/api/v1/certificates/{id}", "id", &owned.certificate),
        (
            "/api/v1/service-accounts/{id}",
            "id",
            &owned.service_account,
        ),
        ("/api/v1/change-requests/{id}", "id", &owned.change_request),
        ("/api/v1/notices/{id}", "id", &owned.in_app_notice),
        ("/api/v1/candidates/{id}", "id", &owned.candidate),
        ("/api/v1/warnings/{id}", "id", &owned.warning),
        ("/api/v1/blacklist/{id}", "id", &owned.blacklist),
        ("/api/v1/import-jobs/{id}", "id", &owned.import_job),
        ("/api/v1/batches/{id}/steps/{step}", "step", "plan"),
        ("/api/v1/batches/{id}", "id", &owned.batch),
        ("/api/v1/materials/{id}", "id", &owned.material),
        ("/api/v1/exam-notices/{id}", "id", &owned.notice),
        ("/api/v1/admin/institutions/{id}", "id", &institution),
        ("/api/v1/admin/users/{id}", "id", &user),
        ("/api/v1/admin/occupations/{code}", "code", "6-31-01-03"),
    ];
    let mut path = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = rest[open..]
            .find('}')
            .unwrap_or_else(|| panic!("{template}"))
            + open;
        let name = &rest[open + 1..close];
        let value = rules
            .iter()
            .find(|(prefix, param, _)| *param == name && template.starts_with(prefix))
            .map(|(_, _, value)| *value)
            .unwrap_or_else(|| {
                panic!(
                    "{template}: no rule for path parameter {{{name}}} — add one to \
                     tests/tenancy_matrix.rs so the route joins the cross-tenant matrix"
                )
            });
        path.push_str(&rest[..open]);
        path.push_str(value);
        rest = &rest[close + 1..];
    }
    path.push_str(rest);
    Some(path)
}

enum Body {
    None,
    Json(Value),
    Pdf,
}

/// A body the owner could plausibly send, so that only the tenant or role check refuses it.
fn body_for(method: &Method, template: &str, batch_version: i64) -> Body {
    match (method.as_str(), template) {
        ("GET" | "DELETE" | "HEAD", _) => Body::None,
        ("POST", "/api/v1/batches/{id}/materials") => Body::Pdf,
        ("PATCH", "/api/v1/batches/{id}") => {
            Body::Json(json!({ "version": batch_version, "venue": "别处的考场" }))
        }
        ("POST", "/api/v1/batches/{id}/steps/{step}/decision") => {
            Body::Json(json!({ "decision": "approve" }))
        }
        ("PUT", "/api/v1/batches/{id}/completion-extension") => Body::Json(json!({
            "extended_to": "2026-06-30",
            "reason": "考生因故需延期完成",
        })),
        ("POST", "/api/v1/batches/{id}/change-requests") => Body::Json(json!({
            "venue": "别处的考场", "reason": "场地检修",
        })),
        ("POST", "/api/v1/change-requests/{id}/decision") => {
            Body::Json(json!({ "decision": "approve" }))
        }
        ("PUT", "/api/v1/batches/{id}/arrangement") => Body::Json(json!({
            "sessions": [{
                "occupation_code": "6-31-01-03",
                "level": 5,
                "subject": "theory",
                "starts_at": "2026-03-10T01:00:00Z",
                "ends_at": "2026-03-10T03:00:00Z",
                "venue": "别处的考场",
                "venue_region": "4103",
                "exam_form": "online_computer",
                "capacity": 30,
            }],
            "staff": [],
        })),
        ("PATCH", "/api/v1/admin/institutions/{id}") => {
            Body::Json(json!({ "version": 1, "name": "被改名的机构" }))
        }
        ("PATCH", "/api/v1/admin/users/{id}") => {
            Body::Json(json!({ "version": 1, "disabled": true }))
        }
        ("PATCH", "/api/v1/admin/occupations/{code}") => Body::Json(json!({ "name": "被改名" })),
        ("PATCH", "/api/v1/webhooks/{id}") => Body::Json(json!({ "version": 1, "active": false })),
        ("POST", "/api/v1/batches/{id}/candidates") => Body::Json(json!({
            "name": "入侵者", "id_number": person(7), "occupation_code": "6-31-01-03", "level": 5,
        })),
        (
            "POST",
            "/api/v1/batches/{id}/candidates/import" | "/api/v1/batches/{id}/results/import",
        ) => Body::Pdf,
        ("PUT", "/api/v1/batches/{id}/results") => Body::Json(json!({
            "results": [{ "candidate_id": Uuid::now_v7(), "theory": 80, "skill": 80, "review": null }],
        })),
        ("PATCH", "/api/v1/candidates/{id}") => Body::Json(json!({ "version": 1, "name": "改名" })),
        ("POST", "/api/v1/candidates/{id}/eligibility") => {
            Body::Json(json!({ "eligible": false, "reason": "不符合报名条件" }))
        }
        ("POST", "/api/v1/certificates/{id}/revoke") => Body::Json(json!({ "reason": "考试作弊" })),
        ("POST", "/api/v1/warnings/{id}/disposition") => Body::Json(json!({
            "decision": "dismissed", "explanation": "核实无误",
        })),
        _ => Body::Json(json!({})),
    }
}

async fn send(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Body,
) -> reqwest::Response {
    let request = app.client.request(method, app.url(path)).bearer_auth(token);
    let request = match body {
        Body::None => request,
        Body::Json(value) => request.json(&value),
        Body::Pdf => request.multipart(pdf_form("plan_application", "intruder")),
    };
    request.send().await.unwrap()
}

/// Every (method, path template) of the OpenAPI document whose path has a `{…}` parameter.
fn routes_with_ids() -> Vec<(Method, String)> {
    let doc = serde_json::to_value(skillcert_server::app::openapi()).unwrap();
    let mut routes = Vec::new();
    for (template, item) in doc["paths"].as_object().unwrap() {
        if !template.contains('{') {
            continue;
        }
        for (key, _) in item.as_object().unwrap() {
            let method = match key.as_str() {
                "get" => Method::GET,
                "post" => Method::POST,
                "put" => Method::PUT,
                "patch" => Method::PATCH,
                "delete" => Method::DELETE,
                "head" => Method::HEAD,
                "options" => Method::OPTIONS,
                "trace" => Method::TRACE,
                _ => continue,
            };
            routes.push((method, template.clone()));
        }
    }
    routes.sort_by(|a, b| (&a.1, a.0.as_str()).cmp(&(&b.1, b.0.as_str())));
    routes
}

/// Supervisor actions on a batch: no institution and no inspector may take them, whoever owns
/// the batch, so the role check answers 403 before any lookup.
const SUPERVISOR_ONLY: &[&str] = &["/decision", "/completion-extension"];

/// Whole routes only supervisors (and admins) reach: the blacklist; and the admin's service
/// accounts.
const SUPERVISOR_ROUTES: &[&str] = &["/api/v1/blacklist/", "/api/v1/service-accounts/"];

/// GET routes that answer the owner 404 until something exists: a batch's archive before the
/// 信息部 archives it (tests/archive.rs reads archived ones).
const OWNER_MAY_FIND_NOTHING: &[&str] = &[
    "/api/v1/batches/{id}/archive",
    "/api/v1/batches/{id}/archive/zip",
];

/// Routes only the admin reaches outside `/api/v1/admin/`: webhooks (issue 7).
const ADMIN_ROUTES: &[&str] = &["/api/v1/webhooks/", "/api/v1/webhook-deliveries/"];

fn admin_only(template: &str) -> bool {
    template.starts_with("/api/v1/admin/")
        || ADMIN_ROUTES.iter().any(|start| template.starts_with(start))
}

/// The answers (status, problem code) the caller may get; a refusal by 403 or by 404 reveals
/// nothing either way.
fn expected(caller: &str, method: &Method, template: &str) -> &'static [(u16, &'static str)] {
    const NOT_FOUND: &[(u16, &str)] = &[(404, "NOT_FOUND")];
    const FORBIDDEN: &[(u16, &str)] = &[(403, "FORBIDDEN")];
    const REFUSED: &[(u16, &str)] = &[(404, "NOT_FOUND"), (403, "FORBIDDEN")];
    if admin_only(template)
        || SUPERVISOR_ONLY.iter().any(|end| template.ends_with(end))
        || SUPERVISOR_ROUTES
            .iter()
            .any(|start| template.starts_with(start))
    {
        // Neither institutions nor inspectors administer or decide anything.
        return FORBIDDEN;
    }
    match caller {
        // Another institution: the id does not exist for it.
        "train2" => NOT_FOUND,
        // The inspector has nothing assigned: batch and material reads are 404; what its role
        // may not do at all (uploads, submissions, exam notices) may be 403 — nothing else.
        _ if method == Method::GET && template.starts_with("/api/v1/batches/") => NOT_FOUND,
        _ if method == Method::GET && template.starts_with("/api/v1/materials/") => NOT_FOUND,
        _ => REFUSED,
    }
}

/// Everything the sweep could have touched: every GET route with an id of the OpenAPI document,
/// read by its owner (`train1`, or the admin for admin routes) — each must answer 200, which also
/// proves the ids given to the intruders are real — plus row counts and the audit log's length.
async fn snapshot(app: &TestApp, train1: &str, admin: &str, owned: &Owned) -> Value {
    let mut reads = serde_json::Map::new();
    for (method, template) in routes_with_ids() {
        if method != Method::GET {
            continue;
        }
        let Some(path) = fill(&template, owned) else {
            continue;
        };
        let token = if admin_only(&template) { admin } else { train1 };
        let response = app.get(token, &path).await;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = response.bytes().await.unwrap();
        let body = if content_type.contains("json") {
            serde_json::from_slice(&bytes).unwrap()
        } else if content_type.contains("spreadsheetml") {
            // Generated workbooks carry their creation time: compare what they are, not bytes.
            json!({ "workbook": content_type })
        } else {
            json!({ "len": bytes.len(), "bytes": bytes.to_vec() })
        };
        if OWNER_MAY_FIND_NOTHING.contains(&template.as_str()) && status == 404 {
            // A problem body carries its request id: compare the answer, not the bytes.
            reads.insert(template, json!({ "status": status }));
            continue;
        }
        assert_eq!(status, 200, "the owner reads GET {path}: {body}");
        reads.insert(template, body);
    }
    let materials = app
        .get(
            train1,
            &format!(
                "/api/v1/batches/{}/materials?include_history=true",
                owned.batch
            ),
        )
        .await;
    let occupations = app.get(admin, "/api/v1/occupations").await;
    let conn = &app.state.db.conn;
    json!({
        "reads": reads,
        "material_history": json_of(materials, 200, "material history").await,
        "occupations": json_of(occupations, 200, "occupations").await,
        "audit_events": audit_event::Entity::find().count(conn).await.unwrap(),
        "batches": batch::Entity::find().count(conn).await.unwrap(),
        "material_rows": material::Entity::find().count(conn).await.unwrap(),
        "exam_notices": exam_notice::Entity::find().count(conn).await.unwrap(),
        "notice_reads": notice_read::Entity::find().count(conn).await.unwrap(),
    })
}

struct Outcome {
    caller: &'static str,
    method: Method,
    path: String,
    status: u16,
    /// Set when the answer was not the expected refusal: the whole story.
    unexpected: Option<String>,
}

/// Calls every route with an id as `train2` and as `inspector1`, recording each answer and
/// whether it was the expected refusal (problem+json with the right code).
async fn sweep(
    app: &TestApp,
    callers: &[(&'static str, &str)],
    owned: &Owned,
    batch_version: i64,
) -> (usize, Vec<Outcome>) {
    let routes = routes_with_ids();
    let mut swept = 0;
    let mut outcomes = Vec::new();
    for (method, template) in &routes {
        let Some(path) = fill(template, owned) else {
            continue;
        };
        swept += 1;
        for (caller, token) in callers {
            let response = send(
                app,
                token,
                method.clone(),
                &path,
                body_for(method, template, batch_version),
            )
            .await;
            let status = response.status().as_u16();
            let allowed = expected(caller, method, template);
            let unexpected = match allowed.iter().find(|(s, _)| *s == status) {
                Some((_, code)) => {
                    problem(response, status, code).await;
                    None
                }
                None => Some(format!(
                    "{caller} {method} {path} ({template}) answered {status} {}, expected one \
                     of {allowed:?}",
                    response.text().await.unwrap_or_default()
                )),
            };
            outcomes.push(Outcome {
                caller,
                method: method.clone(),
                path: template.clone(),
                status,
                unexpected,
            });
        }
    }
    (swept, outcomes)
}

// -- Tests

#[actix_web::test]
async fn every_route_with_an_id_refuses_another_tenant_and_the_inspector_and_changes_nothing() {
    each_backend(|app| async move {
        // -- Setup
        let cast = app.cast().await;
        let train1 = app.login("train1").await;
        let train2 = app.login("train2").await;
        let inspector = app.login("inspector1").await;
        let admin = app.login("admin").await;
        let batch = json_of(
            app.post(&train1, "/api/v1/batches", batch_body()).await,
            201,
            "create batch",
        )
        .await;
        let batch_id = batch["id"].as_str().unwrap().to_owned();
        let upload = app
            .client
            .post(app.url(&format!("/api/v1/batches/{batch_id}/materials")))
            .bearer_auth(&train1)
            .multipart(pdf_form("plan_application", "plan"))
            .send()
            .await
            .unwrap();
        let material = json_of(upload, 201, "upload").await;
        let notice = json_of(
            app.post(&train1, "/api/v1/exam-notices", notice_body())
                .await,
            201,
            "publish notice",
        )
        .await;
        // A candidate with a warning, written directly: registration opens only after the plan
        // is approved, and the sweep runs with the plan still a draft.
        let candidate_id = Uuid::now_v7();
        let now = app.state.clock.now();
        let number = person(1);
        candidate::Entity::insert(candidate::ActiveModel {
            id: Set(candidate_id),
            batch_id: Set(batch_id.parse().unwrap()),
            institution_id: Set(cast.train1),
            name: Set("张三".to_owned()),
            id_type: Set("resident_id".to_owned()),
            id_number_enc: Set(app.state.pii.encrypt(&number).unwrap()),
            id_blind: Set(app.state.pii.blind(&number)),
            id_masked: Set(format!("{}********{}", &number[..6], &number[14..])),
            birth_date: Set(None),
            phone_enc: Set(None),
            phone_masked: Set(None),
            occupation_code: Set("6-31-01-03".to_owned()),
            level: Set(5),
            education: Set(None),
            work_years: Set(None),
            student_no: Set(None),
            graduation_year: Set(None),
            eligibility: Set("pending".to_owned()),
            eligibility_reason: Set(None),
            withdrawn_at: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec(&app.state.db.conn)
        .await
        .unwrap();
        let warning_id = Uuid::now_v7();
        candidate_warning::Entity::insert(candidate_warning::ActiveModel {
            id: Set(warning_id),
            candidate_id: Set(candidate_id),
            batch_id: Set(batch_id.parse().unwrap()),
            code: Set("UNDER_AGE".to_owned()),
            evidence: Set(json!({})),
            disposition: Set(None),
            explanation: Set(None),
            evidence_material_id: Set(None),
            disposed_by: Set(None),
            disposed_at: Set(None),
            created_at: Set(now),
        })
        .exec(&app.state.db.conn)
        .await
        .unwrap();
        // An issued certificate of train1's batch, written directly (issuance needs the whole
        // process; tests/certificates.rs walks it).
        let certificate_id = Uuid::now_v7();
        skillcert_server::entities::certificate::Entity::insert(
            skillcert_server::entities::certificate::ActiveModel {
                id: Set(certificate_id),
                number: Set("S000041410001265000001".to_owned()),
                batch_id: Set(Some(batch_id.parse().unwrap())),
                candidate_id: Set(Some(candidate_id)),
                institution_id: Set(Some(cast.train1)),
                id_blind: Set(app.state.pii.blind(&number)),
                name: Set("张三".to_owned()),
                occupation_code: Set("6-31-01-03".to_owned()),
                level: Set(5),
                issued_on: Set(time::macros::date!(2026 - 03 - 12)),
                status: Set("issued".to_owned()),
                created_at: Set(now),
                ..Default::default()
            },
        )
        .exec(&app.state.db.conn)
        .await
        .unwrap();
        let supervisor = app.login("supervisor").await;
        let banned = json_of(
            app.post(
                &supervisor,
                "/api/v1/blacklist",
                json!({ "name": "李四", "id_number": person(2), "reason": "替考", "ban_from": "2026-01-01", "ban_until": "2028-12-31" }),
            )
            .await,
            201,
            "blacklist",
        )
        .await;
        let import_job = Uuid::now_v7();
        import_job::Entity::insert(import_job::ActiveModel {
            id: Set(import_job),
            batch_id: Set(batch_id.parse().unwrap()),
            status: Set("done".to_owned()),
            mode: Set("all_or_nothing".to_owned()),
            total_rows: Set(0),
            processed_rows: Set(0),
            imported_rows: Set(0),
            errors: Set(json!([])),
            created_by: Set(user_id(&app, "train1").await),
            created_at: Set(app.state.clock.now()),
            finished_at: Set(Some(app.state.clock.now())),
            ..Default::default()
        })
        .exec(&app.state.db.conn)
        .await
        .unwrap();
        // A pending change request of train1's batch, written directly like the candidate.
        let change_request = Uuid::now_v7();
        let place = json!({ "exam_start": "2026-03-10", "exam_end": "2026-03-11", "venue": "考场", "venue_region": "4103" });
        change_request::Entity::insert(change_request::ActiveModel {
            id: Set(change_request),
            batch_id: Set(batch_id.parse().unwrap()),
            institution_id: Set(cast.train1),
            status: Set("pending".to_owned()),
            reason: Set("场地检修".to_owned()),
            before: Set(place.clone()),
            after: Set(place),
            requested_by: Set(user_id(&app, "train1").await),
            requested_at: Set(app.state.clock.now()),
            decided_by: Set(None),
            decided_at: Set(None),
            comment: Set(None),
        })
        .exec(&app.state.db.conn)
        .await
        .unwrap();
        let in_app_notice = Uuid::now_v7();
        skillcert_server::entities::notice::Entity::insert(
            skillcert_server::entities::notice::ActiveModel {
                id: Set(in_app_notice),
                audience: Set("institution".to_owned()),
                institution_id: Set(cast.train1),
                batch_id: Set(Some(batch_id.parse().unwrap())),
                kind: Set("deadline.approaching".to_owned()),
                deadline_kind: Set(Some("arrangement".to_owned())),
                deadline: Set(Some(time::macros::date!(2026 - 03 - 08))),
                title: Set("考务安排截止即将到期".to_owned()),
                body: Set("请按期提交考务安排".to_owned()),
                dedupe_key: Set(format!("matrix:{in_app_notice}")),
                created_at: Set(now),
            },
        )
        .exec(&app.state.db.conn)
        .await
        .unwrap();
        // A webhook subscription with one delivery (fanned out, never sent: the URL is the
        // discard port).
        let webhook = json_of(
            app.post(
                &admin,
                "/api/v1/webhooks",
                json!({ "name": "矩阵", "url": "http://127.0.0.1:9/hook", "event_types": ["*"] }),
            )
            .await,
            201,
            "webhook",
        )
        .await;
        skillcert_server::notices::insert_event(
            &app.state.db.conn,
            "draw.published",
            json!({}),
            None,
            now,
        )
        .await
        .unwrap();
        skillcert_server::webhooks::fan_out(&app.state).await.unwrap();
        let webhook_delivery = skillcert_server::entities::webhook_delivery::Entity::find()
            .one(&app.state.db.conn)
            .await
            .unwrap()
            .unwrap()
            .id;
        let service_account = json_of(
            app.post(
                &admin,
                "/api/v1/service-accounts",
                json!({ "name": "矩阵测试系统", "scopes": ["batches:read"] }),
            )
            .await,
            201,
            "service account",
        )
        .await;
        let owned = Owned {
            webhook: webhook["webhook"]["id"].as_str().unwrap().to_owned(),
            webhook_delivery: webhook_delivery.to_string(),
            service_account: service_account["account"]["id"].as_str().unwrap().to_owned(),
            change_request: change_request.to_string(),
            in_app_notice: in_app_notice.to_string(),
            certificate: certificate_id.to_string(),
            institution: cast.train1,
            user: user_id(&app, "train1").await,
            batch: batch_id.clone(),
            material: material["id"].as_str().unwrap().to_owned(),
            notice: notice["id"].as_str().unwrap().to_owned(),
            candidate: candidate_id.to_string(),
            warning: warning_id.to_string(),
            blacklist: banned["id"].as_str().unwrap().to_owned(),
            import_job: import_job.to_string(),
        };
        let callers = [
            ("train2", train2.as_str()),
            ("inspector1", inspector.as_str()),
        ];

        // -- Exec: the plan still a draft
        let before_draft = snapshot(&app, &train1, &admin, &owned).await;
        let version = before_draft["reads"]["/api/v1/batches/{id}"]["version"]
            .as_i64()
            .unwrap();
        let (swept_draft, mut outcomes) = sweep(&app, &callers, &owned, version).await;
        let after_draft = snapshot(&app, &train1, &admin, &owned).await;

        // -- Exec: the plan submitted (a decision would now be possible)
        let submitted = json_of(
            app.post(
                &train1,
                &format!("/api/v1/batches/{batch_id}/steps/plan/submit"),
                json!({}),
            )
            .await,
            200,
            "submit plan",
        )
        .await;
        let before_submitted = snapshot(&app, &train1, &admin, &owned).await;
        let version = before_submitted["reads"]["/api/v1/batches/{id}"]["version"]
            .as_i64()
            .unwrap();
        let (swept_submitted, more) = sweep(&app, &callers, &owned, version).await;
        outcomes.extend(more);
        let after_submitted = snapshot(&app, &train1, &admin, &owned).await;

        // -- Check
        let routes = routes_with_ids();
        for (method, template) in [
            (Method::GET, "/api/v1/batches/{id}"),
            (Method::PATCH, "/api/v1/batches/{id}"),
            (Method::POST, "/api/v1/batches/{id}/materials"),
            (Method::POST, "/api/v1/batches/{id}/steps/{step}/decision"),
            (Method::GET, "/api/v1/materials/{id}/content"),
            (Method::GET, "/api/v1/exam-notices/{id}"),
        ] {
            assert!(
                routes.iter().any(|(m, t)| *m == method && t == template),
                "{method} {template} is in the OpenAPI document"
            );
        }
        assert_eq!(swept_draft, swept_submitted);
        assert_eq!(outcomes.len(), swept_draft * 2 * callers.len());
        let unexpected: Vec<&str> = outcomes
            .iter()
            .filter_map(|o| o.unexpected.as_deref())
            .collect();
        assert!(
            unexpected.is_empty(),
            "unexpected answers:\n{}",
            unexpected.join("\n")
        );
        let leaks: Vec<String> = outcomes
            .iter()
            .filter(|o| !(400..500).contains(&o.status))
            .map(|o| format!("{} {} {} → {}", o.caller, o.method, o.path, o.status))
            .collect();
        assert!(leaks.is_empty(), "never 2xx, never 5xx: {leaks:?}");
        let mut table: Vec<String> = outcomes
            .iter()
            .map(|o| {
                format!(
                    "{:<10} {:<6} {:<48} {}",
                    o.caller,
                    o.method.as_str(),
                    o.path,
                    o.status
                )
            })
            .collect();
        table.sort();
        table.dedup();
        eprintln!(
            "[{:?}] {swept_draft} (method, path) pairs swept twice:\n{}",
            app.backend,
            table.join("\n")
        );
        assert_eq!(after_draft, before_draft, "the draft sweep changed nothing");
        assert_eq!(
            submitted["status"],
            before_submitted["reads"]["/api/v1/batches/{id}"]["status"]
        );
        assert_eq!(
            after_submitted, before_submitted,
            "the submitted sweep changed nothing"
        );
        assert_eq!(
            after_submitted["reads"]["/api/v1/batches/{id}"]["venue"], batch["venue"],
            "venue untouched"
        );
        app
    })
    .await;
}

#[actix_web::test]
async fn institutions_cannot_decide_and_inspectors_see_nothing_unassigned() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let train1 = app.login("train1").await;
        let inspector = app.login("inspector1").await;
        let batch = json_of(
            app.post(&train1, "/api/v1/batches", batch_body()).await,
            201,
            "create batch",
        )
        .await;
        let id = batch["id"].as_str().unwrap();
        let upload = app
            .client
            .post(app.url(&format!("/api/v1/batches/{id}/materials")))
            .bearer_auth(&train1)
            .multipart(pdf_form("plan_application", "plan"))
            .send()
            .await
            .unwrap();
        json_of(upload, 201, "upload").await;
        let submitted = json_of(
            app.post(
                &train1,
                &format!("/api/v1/batches/{id}/steps/plan/submit"),
                json!({}),
            )
            .await,
            200,
            "submit plan",
        )
        .await;
        let events_before = audit_event::Entity::find()
            .count(&app.state.db.conn)
            .await
            .unwrap();

        // -- Exec
        let own_decision = app
            .post(
                &train1,
                &format!("/api/v1/batches/{id}/steps/plan/decision"),
                json!({ "decision": "approve" }),
            )
            .await;
        let inspector_batches = app.get(&inspector, "/api/v1/batches").await;
        let inspector_reviews = app.get(&inspector, "/api/v1/reviews").await;
        let inspector_audit = app.get(&inspector, "/api/v1/audit-events").await;

        // -- Check
        problem(own_decision, 403, "FORBIDDEN").await;
        let list = json_of(inspector_batches, 200, "inspector batches").await;
        assert_eq!(list["total"], 0, "{list}");
        assert_eq!(list["items"], json!([]));
        problem(inspector_reviews, 403, "FORBIDDEN").await;
        problem(inspector_audit, 403, "FORBIDDEN").await;
        let after = json_of(
            app.get(&train1, &format!("/api/v1/batches/{id}")).await,
            200,
            "batch",
        )
        .await;
        assert_eq!(after, submitted, "the refused decision changed nothing");
        assert_eq!(
            audit_event::Entity::find()
                .count(&app.state.db.conn)
                .await
                .unwrap(),
            events_before
        );
        app
    })
    .await;
}

#[test]
#[should_panic(expected = "no rule for path parameter {candidate_id}")]
fn a_route_with_an_unknown_id_fails_the_matrix() {
    // -- Setup
    let owned = Owned {
        institution: Uuid::now_v7(),
        user: Uuid::now_v7(),
        batch: Uuid::now_v7().to_string(),
        material: Uuid::now_v7().to_string(),
        notice: Uuid::now_v7().to_string(),
        candidate: Uuid::now_v7().to_string(),
        warning: Uuid::now_v7().to_string(),
        blacklist: Uuid::now_v7().to_string(),
        import_job: Uuid::now_v7().to_string(),
        change_request: Uuid::now_v7().to_string(),
        in_app_notice: Uuid::now_v7().to_string(),
        certificate: Uuid::now_v7().to_string(),
        webhook: Uuid::now_v7().to_string(),
        webhook_delivery: Uuid::now_v7().to_string(),
        service_account: Uuid::now_v7().to_string(),
    };

    // -- Exec & Check
    assert_eq!(
        fill("/api/v1/batches/{id}/steps/{step}/submit", &owned).as_deref(),
        Some(format!("/api/v1/batches/{}/steps/plan/submit", owned.batch).as_str())
    );
    fill("/api/v1/batches/{id}/candidates/{candidate_id}", &owned);
}
