//! Batches through the API as their users work them: creation bodies, the materials a step's
//! checklist asks for, and a batch of any (kind, module) walked through its own step list
//! (SPEC §3) to certificates the public lookup verifies.

use serde_json::{Value, json};

use crate::{Api, pdf, person};

pub const ELECTRICIAN: &str = "6-31-01-03";

/// After the exams of [`batch_body`] (2026-03-10/11): 2026-03-12 09:00 in Beijing.
pub const AFTER_EXAMS: &str = "2026-03-12T01:00:00Z";

/// A creation body for 2026, exams on 2026-03-10 and 11 at 职业技能实训基地 in `region`.
pub fn batch_body_lines(
    module: &str,
    method: &str,
    region: &str,
    lines: &[(&str, u8, u32)],
) -> Value {
    let occupations: Vec<Value> = lines
        .iter()
        .map(|(code, level, planned)| {
            json!({ "occupation_code": code, "level": level, "planned_count": planned })
        })
        .collect();
    json!({
        "module": module, "method": method, "year": 2026,
        "exam_start": "2026-03-10", "exam_end": "2026-03-11",
        "venue": "职业技能实训基地", "venue_region": region,
        "occupations": occupations,
    })
}

/// The same with one line: 电工 五级, `planned` candidates.
pub fn batch_body(module: &str, method: &str, planned: u32, region: &str) -> Value {
    batch_body_lines(module, method, region, &[(ELECTRICIAN, 5, planned)])
}

pub fn id_of(batch: &Value) -> String {
    batch["id"].as_str().unwrap().to_owned()
}

pub fn state_of<'a>(batch: &'a Value, step: &str) -> &'a str {
    batch["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == step)
        .and_then(|s| s["state"].as_str())
        .unwrap_or_else(|| panic!("no step {step}: {batch}"))
}

/// Creates a batch, asserting 201.
pub async fn create(api: &Api, token: &str, body: Value) -> Value {
    let answer = api.post(token, "/api/v1/batches", body).await;
    assert_eq!(answer.status, 201, "{}", answer.json);
    answer.json
}

pub async fn submit(api: &Api, token: &str, batch: &Value, step: &str) -> crate::Answer {
    api.post(
        token,
        &format!("/api/v1/batches/{}/steps/{step}/submit", id_of(batch)),
        json!({}),
    )
    .await
}

pub async fn approve(api: &Api, token: &str, batch: &Value, step: &str) -> Value {
    let answer = api
        .post(
            token,
            &format!("/api/v1/batches/{}/steps/{step}/decision", id_of(batch)),
            json!({ "decision": "approve", "comment": "符合要求" }),
        )
        .await;
    assert_eq!(answer.status, 200, "approve {step}: {}", answer.json);
    answer.json
}

/// Uploads a PDF for every material the checklist of `step` requires and lacks; the kinds.
pub async fn upload_missing(api: &Api, token: &str, batch: &Value, step: &str) -> Vec<String> {
    let id = id_of(batch);
    let checklist = api
        .get(token, &format!("/api/v1/batches/{id}/checklist"))
        .await;
    assert_eq!(checklist.status, 200);
    let entry = checklist.json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == step)
        .unwrap_or_else(|| panic!("no checklist for {step}: {}", checklist.json))
        .clone();
    let mut uploaded = Vec::new();
    for material in entry["materials"].as_array().unwrap() {
        if material["required"] != true || material["present"] == true {
            continue;
        }
        let kind = material["kind"].as_str().unwrap();
        let answer = api.upload(token, &id, kind, pdf()).await;
        assert_eq!(answer.status, 201, "upload {kind}: {}", answer.json);
        uploaded.push(kind.to_owned());
    }
    uploaded
}

/// A candidate body for person `n` on the batch's first occupation line.
pub fn candidate(batch: &Value, n: u32, students: bool) -> Value {
    let line = &batch["occupations"][0];
    let mut body = json!({
        "name": format!("考生{n}"), "id_number": person(n), "phone": format!("139{n:08}"),
        "occupation_code": line["occupation_code"], "level": line["level"],
        "education": "高中", "work_years": 3,
    });
    if students {
        body["student_no"] = json!(format!("XJ2023{n:06}"));
        body["graduation_year"] = batch["year"].clone();
    }
    body
}

/// A batch to walk.
pub struct Walk {
    pub owner: &'static str,
    pub body: Value,
    /// Persons `first..first + count` register; the first `pass` of them pass.
    pub first: u32,
    pub count: u32,
    pub pass: u32,
    pub students: bool,
}

pub struct Holder {
    pub name: String,
    pub id_number: String,
    pub number: String,
    /// What the certificate's QR code opens (`…/public/certificates?number=…&code=…`).
    pub verify_url: String,
}

pub struct Walked {
    pub batch: Value,
    /// `step:what` for each action, in order.
    pub trail: Vec<String>,
    pub holders: Vec<Holder>,
}

async fn register(api: &Api, token: &str, batch: &Value, walk: &Walk) -> Vec<String> {
    let id = id_of(batch);
    let mut ids = Vec::new();
    for n in walk.first..walk.first + walk.count {
        let answer = api
            .post(
                token,
                &format!("/api/v1/batches/{id}/candidates"),
                candidate(batch, n, walk.students),
            )
            .await;
        assert_eq!(answer.status, 201, "{}", answer.json);
        assert_eq!(answer.json["warnings"], json!([]), "{}", answer.json);
        let candidate_id = answer.json["id"].as_str().unwrap().to_owned();
        let eligible = api
            .post(
                token,
                &format!("/api/v1/candidates/{candidate_id}/eligibility"),
                json!({ "eligible": true, "version": answer.json["version"] }),
            )
            .await;
        assert_eq!(eligible.status, 200, "{}", eligible.json);
        ids.push(candidate_id);
    }
    ids
}

/// 考务安排: one theory session per occupation line on the first exam day at the planned
/// venue, one 考评员 and one 监考 in all of them.
pub fn arrangement_for(batch: &Value) -> Value {
    let day = batch["exam_start"].as_str().unwrap();
    let sessions: Vec<Value> = batch["occupations"]
        .as_array()
        .unwrap()
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

/// Walks `walk` from creation until the batch is `completed`, acting on each step as the role
/// its state and reviewer call for.
pub async fn walk(api: &Api, walk: &Walk) -> Walked {
    let owner = api.login(walk.owner).await;
    let created = create(api, &owner, walk.body.clone()).await;
    let id = id_of(&created);
    let mut trail = Vec::new();
    let mut candidates = Vec::new();
    let mut results_entered = false;
    for _ in 0..32 {
        // Tokens are minted per action: the clock may have moved past the last ones.
        let owner = api.login(walk.owner).await;
        let batch = api.get(&owner, &format!("/api/v1/batches/{id}")).await.json;
        if batch["status"] == "completed" {
            let holders = holders(api, &batch).await;
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
        let reviewer = batch["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["step"] == step.as_str())
            .map(|s| s["reviewer"].as_str().unwrap_or("").to_owned())
            .unwrap();
        match state_of(&batch, &step) {
            "draft" | "returned" => {
                match step.as_str() {
                    "registration" => {
                        candidates = register(api, &owner, &batch, walk).await;
                        trail.push(format!("{step}:registered {}", candidates.len()));
                    }
                    "arrangement" => {
                        let answer = api
                            .put(
                                &owner,
                                &format!("/api/v1/batches/{id}/arrangement"),
                                arrangement_for(&batch),
                            )
                            .await;
                        assert_eq!(answer.status, 200, "{}", answer.json);
                        trail.push(format!("{step}:arranged"));
                    }
                    "certificate" | "materials" if !results_entered => {
                        api.move_clock(AFTER_EXAMS).await;
                        let owner = api.login(walk.owner).await;
                        let results: Vec<Value> = candidates
                            .iter()
                            .enumerate()
                            .map(|(i, c)| {
                                let theory = if (i as u32) < walk.pass { 82 } else { 41 };
                                json!({ "candidate_id": c, "theory": theory, "skill": 76 })
                            })
                            .collect();
                        let answer = api
                            .put(
                                &owner,
                                &format!("/api/v1/batches/{id}/results"),
                                json!({ "results": results }),
                            )
                            .await;
                        assert_eq!(answer.status, 200, "{}", answer.json);
                        results_entered = true;
                        trail.push(format!("{step}:results"));
                    }
                    _ => {}
                }
                let owner = api.login(walk.owner).await;
                let uploaded = upload_missing(api, &owner, &batch, &step).await;
                if !uploaded.is_empty() {
                    trail.push(format!("{step}:materials {}", uploaded.join(",")));
                }
                let answer = submit(api, &owner, &batch, &step).await;
                assert_eq!(answer.status, 200, "submit {step}: {}", answer.json);
                trail.push(format!("{step}:submitted"));
                if state_of(&answer.json, &step) == "approved" {
                    trail.push(format!("{step}:approved itself"));
                }
            }
            "submitted" => match reviewer.as_str() {
                "supervisor" | "auto_unless_warnings" => {
                    let sup = api.login("supervisor").await;
                    let after = approve(api, &sup, &batch, &step).await;
                    assert_eq!(state_of(&after, &step), "approved");
                    trail.push(format!("{step}:approved"));
                }
                "info_office" => {
                    let info = api.login("info").await;
                    let issued = api
                        .post(
                            &info,
                            &format!("/api/v1/batches/{id}/certificates/issue"),
                            json!({}),
                        )
                        .await;
                    assert_eq!(issued.status, 201, "issue: {}", issued.json);
                    assert_eq!(issued.json["issued"], walk.pass, "{}", issued.json);
                    trail.push(format!("{step}:issued {}", issued.json["issued"]));
                    let published = api
                        .post(
                            &info,
                            &format!("/api/v1/batches/{id}/certificates/publish"),
                            json!({}),
                        )
                        .await;
                    assert_eq!(published.status, 200, "publish: {}", published.json);
                    assert_eq!(
                        published.json["batch_status"], "completed",
                        "{}",
                        published.json
                    );
                    trail.push(format!("{step}:published"));
                }
                other => panic!("{step} submitted to {other}: {batch}"),
            },
            other => panic!("current step {step} is {other}: {batch}"),
        }
    }
    panic!("batch {id} not completed after 32 actions: {trail:?}");
}

async fn holders(api: &Api, batch: &Value) -> Vec<Holder> {
    let info = api.login("info").await;
    let page = api
        .get(
            &info,
            &format!(
                "/api/v1/batches/{}/certificates?page_size=200",
                id_of(batch)
            ),
        )
        .await;
    assert_eq!(page.status, 200);
    page.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let name = c["name"].as_str().unwrap().to_owned();
            let n: u32 = name.trim_start_matches("考生").parse().unwrap();
            Holder {
                name,
                id_number: person(n),
                number: c["number"].as_str().unwrap().to_owned(),
                verify_url: c["verify_url"].as_str().unwrap().to_owned(),
            }
        })
        .collect()
}

/// Every holder's certificate checked without signing in: by number alone valid and nameless;
/// by name + full ID number (in the body) its record, signature verified, ID masked to the
/// first 6 and last 4; the first holder's also by number + name and by the QR code's number +
/// verification code (8 lookups for 3 holders, within the default burst of 10).
pub async fn verify_publicly(api: &Api, walked: &Walked) {
    assert!(!walked.holders.is_empty());
    for (i, holder) in walked.holders.iter().enumerate() {
        let masked = format!(
            "{}********{}",
            &holder.id_number[..6],
            &holder.id_number[14..]
        );
        let alone = lookup(api, &[("number", &holder.number)]).await;
        assert_eq!(
            alone["validity"]["number"],
            holder.number.as_str(),
            "{alone}"
        );
        assert_eq!(alone["validity"]["status"], "valid", "{alone}");
        assert_eq!(alone["validity"]["signature_valid"], true, "{alone}");
        assert_eq!(alone["items"], json!([]), "{alone}");
        assert!(!alone.to_string().contains(&holder.name), "{alone}");
        let mut records = vec![only_item(
            &lookup_by_id(api, &holder.name, &holder.id_number).await,
        )];
        if i == 0 {
            records.push(only_item(
                &lookup(api, &[("number", &holder.number), ("name", &holder.name)]).await,
            ));
            let qr = reqwest::Url::parse(&holder.verify_url).unwrap();
            assert_eq!(qr.path(), "/public/certificates", "{qr}");
            let query: Vec<(String, String)> = qr.query_pairs().into_owned().collect();
            assert_eq!(query[0], ("number".to_owned(), holder.number.clone()));
            assert_eq!(query[1].0, "code", "{qr}");
            assert!(!holder.verify_url.contains(&holder.name));
            records.push(only_item(
                &lookup(api, &[("number", &holder.number), ("code", &query[1].1)]).await,
            ));
        }
        for found in &records {
            assert_eq!(found["number"], holder.number.as_str(), "{found}");
            assert_eq!(found["name"], holder.name.as_str());
            assert_eq!(found["status"], "valid");
            assert_eq!(found["signature_valid"], true, "{found}");
            assert_eq!(found["id_number_masked"], masked.as_str());
            assert!(!found.to_string().contains(&holder.id_number));
        }
    }
}

/// The public lookup by number (`GET /public/certificates`) for `query`: its 200 answer.
pub async fn lookup(api: &Api, query: &[(&str, &str)]) -> Value {
    let answer = lookup_answer(api, query).await;
    assert_eq!(answer.status, 200, "{query:?}: {}", answer.json);
    answer.json
}

/// The public lookup by number for `query`, whatever it answers.
pub async fn lookup_answer(api: &Api, query: &[(&str, &str)]) -> crate::Answer {
    let url =
        reqwest::Url::parse_with_params(&api.url("/api/v1/public/certificates"), query).unwrap();
    let path = format!("{}?{}", url.path(), url.query().unwrap_or(""));
    api.get_public(&path).await
}

/// The public lookup by name + full ID number, sent in the body: its 200 answer.
pub async fn lookup_by_id(api: &Api, name: &str, id_number: &str) -> Value {
    let answer = api
        .call(
            reqwest::Method::POST,
            "/api/v1/public/certificates/lookup",
            None,
            crate::Body::Json(json!({ "name": name, "id_number": id_number })),
        )
        .await;
    assert_eq!(answer.status, 200, "{name}: {}", answer.json);
    answer.json
}

/// The single record of a lookup's answer.
pub fn only_item(answer: &Value) -> Value {
    assert!(answer.get("validity").is_none(), "{answer}");
    assert_eq!(answer["items"].as_array().unwrap().len(), 1, "{answer}");
    answer["items"][0].clone()
}
