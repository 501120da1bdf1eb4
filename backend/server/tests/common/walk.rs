//! One batch walked from creation to published certificates through HTTP, driven by the batch's
//! own step list (SPEC §3): the walker reads the batch, finds its current step and acts on it as
//! the role the step's state and reviewer call for, until the batch is `completed`. Nothing is
//! written to the database except the harness's fixtures (users, annual plans, tokens).
//!
//! - a step in `draft` or `returned`: the institution does that step's work (candidates at
//!   registration, the arrangement, results once the exams are over), uploads every material the
//!   step's checklist asks for, and submits;
//! - a step `submitted` to the supervisor: approved (证书数据审核 by document review);
//! - a step `submitted` to the 信息部 (证书发放): certificates issued, then published.
//!
//! The trail of what was done is returned, so a test can pin the step list of its variant.

use serde_json::{Value, json};

use super::TestApp;
use super::batches::{add_candidate, approve, create, state_of, submit};
use super::certificates::AFTER_EXAMS;
use super::fixtures::token;
use super::ids::person;
use super::pdf::pdf;

/// A batch to walk: who owns it, how it is created and who registers.
pub struct Walk {
    /// The institution user who creates and submits.
    pub owner: &'static str,
    /// The creation body (`POST /batches`).
    pub body: Value,
    /// Candidates registered: persons `first..first + count`, `考生{n}`, on the batch's first
    /// occupation line.
    pub first: u32,
    pub count: u32,
    /// How many of them pass (the first ones); the others fail the theory exam.
    pub pass: u32,
    /// Students: 学籍号 and graduation in the batch's year (tech schools).
    pub students: bool,
}

/// A holder of a published certificate.
#[derive(Debug, Clone)]
pub struct Holder {
    pub name: String,
    pub id_number: String,
    pub number: String,
}

pub struct Walked {
    /// The batch as its owner sees it at the end.
    pub batch: Value,
    /// `step:what` for each action, in order (e.g. `plan:submitted`, `plan:approved`).
    pub trail: Vec<String>,
    /// Everyone who received a certificate, by number.
    pub holders: Vec<Holder>,
}

fn id_of(batch: &Value) -> String {
    batch["id"].as_str().unwrap().to_owned()
}

/// Moves the platform clock as the admin does (`PUT /admin/clock`).
pub async fn move_clock(app: &TestApp, rfc3339: &str) {
    let admin = token(app, "admin").await;
    let response = app
        .put(&admin, "/api/v1/admin/clock", json!({ "now": rfc3339 }))
        .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

async fn get_batch(app: &TestApp, owner: &str, id: &str) -> Value {
    let token = token(app, owner).await;
    let response = app.get(&token, &format!("/api/v1/batches/{id}")).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Uploads a small PDF for every material the checklist of `step` requires and lacks; the
/// kinds uploaded.
pub async fn upload_missing(app: &TestApp, token: &str, batch: &Value, step: &str) -> Vec<String> {
    let id = id_of(batch);
    let response = app
        .get(token, &format!("/api/v1/batches/{id}/checklist"))
        .await;
    assert_eq!(response.status(), 200);
    let checklist: Value = response.json().await.unwrap();
    let entry = checklist["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == step)
        .unwrap_or_else(|| panic!("no checklist for {step}: {checklist}"));
    let mut uploaded = Vec::new();
    for material in entry["materials"].as_array().unwrap() {
        if material["required"] != true || material["present"] == true {
            continue;
        }
        let kind = material["kind"].as_str().unwrap();
        let form = reqwest::multipart::Form::new()
            .text("kind", kind.to_owned())
            .part(
                "file",
                reqwest::multipart::Part::bytes(pdf(kind))
                    .file_name(format!("{kind}.pdf"))
                    .mime_str("application/pdf")
                    .unwrap(),
            );
        let response = app
            .client
            .post(app.url(&format!("/api/v1/batches/{id}/materials")))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = response.status();
        assert_eq!(
            status,
            201,
            "upload {kind}: {}",
            response.text().await.unwrap()
        );
        uploaded.push(kind.to_owned());
    }
    uploaded
}

/// Registers the walk's candidates and finds each eligible (资格审核); their ids.
async fn register(app: &TestApp, token: &str, batch: &Value, walk: &Walk) -> Vec<String> {
    let line = &batch["occupations"][0];
    let mut ids = Vec::new();
    for n in walk.first..walk.first + walk.count {
        let mut body = json!({
            "name": format!("考生{n}"),
            "id_number": person(n),
            "phone": format!("139{n:08}"),
            "occupation_code": line["occupation_code"],
            "level": line["level"],
            "education": "高中",
            "work_years": 3,
        });
        if walk.students {
            body["student_no"] = json!(format!("XJ2023{n:06}"));
            body["graduation_year"] = batch["year"].clone();
        }
        let response = add_candidate(app, token, batch, body).await;
        let status = response.status();
        let candidate: Value = response.json().await.unwrap();
        assert_eq!(status, 201, "{candidate}");
        assert_eq!(candidate["warnings"], json!([]), "{candidate}");
        let id = candidate["id"].as_str().unwrap().to_owned();
        let response = app
            .post(
                token,
                &format!("/api/v1/candidates/{id}/eligibility"),
                json!({ "eligible": true, "version": candidate["version"] }),
            )
            .await;
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
        ids.push(id);
    }
    ids
}

/// 考务安排: one theory session (集中在线机考) per occupation line on the first exam day at the
/// planned venue, with one 考评员 and one 监考 in all of them.
pub fn arrangement_for(batch: &Value) -> Value {
    let day = batch["exam_start"].as_str().unwrap();
    let lines = batch["occupations"].as_array().unwrap();
    let sessions: Vec<Value> = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            json!({
                "occupation_code": line["occupation_code"], "level": line["level"],
                "subject": "theory",
                "starts_at": format!("{day}T{:02}:00:00+08:00", 8 + 2 * i),
                "ends_at": format!("{day}T{:02}:30:00+08:00", 9 + 2 * i),
                "venue": batch["venue"], "venue_region": batch["venue_region"],
                "exam_form": "online_computer", "capacity": 30,
            })
        })
        .collect();
    let all: Vec<usize> = (0..sessions.len()).collect();
    json!({
        "sessions": sessions,
        "staff": [
            { "name": "考评员甲", "role": "examiner", "certificate_no": "KPY-2024-0001", "sessions": all },
            { "name": "监考乙", "role": "invigilator", "certificate_no": "JK-2024-0002", "sessions": all },
        ],
    })
}

/// Enters the results: the first `pass` candidates pass, the others fail the theory exam.
async fn enter_results(app: &TestApp, token: &str, batch: &Value, ids: &[String], pass: u32) {
    let results: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let theory = if (i as u32) < pass { 82 } else { 41 };
            json!({ "candidate_id": id, "theory": theory, "skill": 76 })
        })
        .collect();
    let response = app
        .put(
            token,
            &format!("/api/v1/batches/{}/results", id_of(batch)),
            json!({ "results": results }),
        )
        .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

/// Walks `walk` from creation until the batch is `completed`.
pub async fn walk(app: &TestApp, walk: &Walk) -> Walked {
    let owner = token(app, walk.owner).await;
    let created = create(app, &owner, walk.body.clone()).await;
    let id = id_of(&created);
    let mut trail = Vec::new();
    let mut candidates = Vec::new();
    let mut results_entered = false;
    for _ in 0..32 {
        let batch = get_batch(app, walk.owner, &id).await;
        if batch["status"] == "completed" {
            let holders = holders(app, &batch).await;
            return Walked {
                batch,
                trail,
                holders,
            };
        }
        let step = batch["current_step"]
            .as_str()
            .unwrap_or_else(|| panic!("no current step: {batch}"))
            .to_owned();
        let view = batch["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["step"] == step.as_str())
            .unwrap()
            .clone();
        match state_of(&batch, &step) {
            "draft" | "returned" => {
                // Tokens are minted per action: the clock may have moved past the last ones.
                let owner = token(app, walk.owner).await;
                match step.as_str() {
                    "registration" => {
                        candidates = register(app, &owner, &batch, walk).await;
                        trail.push(format!("{step}:registered {}", candidates.len()));
                    }
                    "arrangement" => {
                        let response = app
                            .put(
                                &owner,
                                &format!("/api/v1/batches/{id}/arrangement"),
                                arrangement_for(&batch),
                            )
                            .await;
                        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
                        trail.push(format!("{step}:arranged"));
                    }
                    "certificate" | "materials" if !results_entered => {
                        move_clock(app, AFTER_EXAMS).await;
                        let owner = token(app, walk.owner).await;
                        enter_results(app, &owner, &batch, &candidates, walk.pass).await;
                        results_entered = true;
                        trail.push(format!("{step}:results"));
                    }
                    _ => {}
                }
                let owner = token(app, walk.owner).await;
                let uploaded = upload_missing(app, &owner, &batch, &step).await;
                if !uploaded.is_empty() {
                    trail.push(format!("{step}:materials {}", uploaded.join(",")));
                }
                let response = submit(app, &owner, &batch, &step).await;
                let status = response.status();
                let after: Value = response.json().await.unwrap();
                assert_eq!(status, 200, "submit {step}: {after}");
                trail.push(format!("{step}:submitted"));
                if state_of(&after, &step) == "approved" {
                    trail.push(format!("{step}:approved itself"));
                }
            }
            "submitted" => match view["reviewer"].as_str().unwrap() {
                "supervisor" | "auto_unless_warnings" => {
                    let sup = token(app, "supervisor").await;
                    let after = approve(app, &sup, &batch, &step).await;
                    assert_eq!(state_of(&after, &step), "approved");
                    trail.push(format!("{step}:approved"));
                }
                "info_office" => {
                    let info = token(app, "info").await;
                    let response = app
                        .post(
                            &info,
                            &format!("/api/v1/batches/{id}/certificates/issue"),
                            json!({}),
                        )
                        .await;
                    let status = response.status();
                    let issued: Value = response.json().await.unwrap();
                    assert_eq!(status, 201, "issue: {issued}");
                    assert_eq!(issued["issued"], walk.pass, "{issued}");
                    trail.push(format!("{step}:issued {}", issued["issued"]));
                    let response = app
                        .post(
                            &info,
                            &format!("/api/v1/batches/{id}/certificates/publish"),
                            json!({}),
                        )
                        .await;
                    let status = response.status();
                    let published: Value = response.json().await.unwrap();
                    assert_eq!(status, 200, "publish: {published}");
                    assert_eq!(published["published"], walk.pass, "{published}");
                    assert_eq!(published["batch_status"], "completed", "{published}");
                    trail.push(format!("{step}:published"));
                }
                other => panic!("{step} submitted to {other}: {batch}"),
            },
            other => panic!("current step {step} is {other}: {batch}"),
        }
    }
    panic!("batch {id} not completed after 32 actions: {trail:?}");
}

/// The batch's certificates with their holders (names `考生{n}` → person `n`).
async fn holders(app: &TestApp, batch: &Value) -> Vec<Holder> {
    let info = token(app, "info").await;
    let response = app
        .get(
            &info,
            &format!(
                "/api/v1/batches/{}/certificates?page_size=200",
                id_of(batch)
            ),
        )
        .await;
    assert_eq!(response.status(), 200);
    let page: Value = response.json().await.unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert_eq!(c["status"], "published", "{c}");
            let name = c["name"].as_str().unwrap().to_owned();
            let n: u32 = name.trim_start_matches("考生").parse().unwrap();
            Holder {
                name,
                id_number: person(n),
                number: c["number"].as_str().unwrap().to_owned(),
            }
        })
        .collect()
}

/// The public lookup (no sign-in) by number with `query`: its answer.
pub async fn public_lookup(app: &TestApp, query: &[(&str, &str)]) -> Value {
    let url =
        reqwest::Url::parse_with_params(&app.url("/api/v1/public/certificates"), query).unwrap();
    answer(app.client.get(url).send().await.unwrap(), query).await
}

/// The public lookup (no sign-in) by name + full ID number, in the body: its answer.
pub async fn public_lookup_by_id(app: &TestApp, name: &str, id_number: &str) -> Value {
    let response = app
        .client
        .post(app.url("/api/v1/public/certificates/lookup"))
        .json(&json!({ "name": name, "id_number": id_number }))
        .send()
        .await
        .unwrap();
    answer(response, &[("name", name)]).await
}

async fn answer(response: reqwest::Response, query: &[(&str, &str)]) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{query:?}: {body}");
    body
}

/// The single record of a lookup's answer.
fn only_item(body: &Value) -> Value {
    assert_eq!(body["items"].as_array().unwrap().len(), 1, "{body}");
    body["items"][0].clone()
}

/// Every holder's certificate: by number alone valid and nameless; by name + full ID number
/// its record, the signature verified, the ID masked (first 6 and last 4), with the batch's
/// institution; the first holder's also by number + name and by the QR code's number +
/// verification code (within the default burst of 10 lookups for up to 4 holders).
pub async fn verify_publicly(app: &TestApp, walked: &Walked) {
    assert!(!walked.holders.is_empty());
    for (i, holder) in walked.holders.iter().enumerate() {
        let masked = format!(
            "{}********{}",
            &holder.id_number[..6],
            &holder.id_number[14..]
        );
        let alone = public_lookup(app, &[("number", &holder.number)]).await;
        assert_eq!(alone["validity"]["number"], holder.number.as_str());
        assert_eq!(alone["validity"]["status"], "valid");
        assert_eq!(alone["validity"]["signature_valid"], true);
        assert_eq!(alone["items"], json!([]));
        assert!(!alone.to_string().contains(&holder.name), "{alone}");
        let mut records = vec![only_item(
            &public_lookup_by_id(app, &holder.name, &holder.id_number).await,
        )];
        if i == 0 {
            records.push(only_item(
                &public_lookup(app, &[("number", &holder.number), ("name", &holder.name)]).await,
            ));
            let code = app.state.lookup.code(&holder.number);
            records.push(only_item(
                &public_lookup(app, &[("number", &holder.number), ("code", &code)]).await,
            ));
        }
        for found in &records {
            assert_eq!(found["number"], holder.number.as_str(), "{found}");
            assert_eq!(found["name"], holder.name.as_str());
            assert_eq!(found["status"], "valid");
            assert_eq!(found["signature_valid"], true, "{found}");
            assert_eq!(found["id_number_masked"], masked.as_str());
            assert_eq!(
                found["institution_name"], walked.batch["institution_name"],
                "{found}"
            );
            assert!(!found.to_string().contains(&holder.id_number));
        }
    }
}
