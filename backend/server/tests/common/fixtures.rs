//! Fixtures written straight through the entities, and tokens minted with the app's keys.

use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::Value;
use skillcert_server::entities::{annual_plan, audit_event, material, user};
use uuid::Uuid;

use super::TestApp;

/// The account named `username`.
pub async fn user_named(app: &TestApp, username: &str) -> user::Model {
    user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(&app.state.db.conn)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no user {username}"))
}

pub async fn user_id(app: &TestApp, username: &str) -> Uuid {
    user_named(app, username).await.id
}

/// An access token minted with the app's keys (the login flow has its own tests).
pub async fn token(app: &TestApp, username: &str) -> String {
    let user = user_named(app, username).await;
    app.state
        .tokens
        .issue_access(
            user.id,
            &user.role,
            user.token_version,
            app.state.clock.now(),
        )
        .unwrap()
}

/// `institution_id`'s annual plan for `year`, filed on time (2026-01-15) and recorded by the
/// supervisor.
pub async fn annual_plan(app: &TestApp, institution_id: Uuid, year: i32) {
    let recorder = user_named(app, "supervisor").await;
    annual_plan::Entity::insert(annual_plan::ActiveModel {
        id: Set(Uuid::now_v7()),
        institution_id: Set(institution_id),
        year: Set(year),
        filed_on: Set(time::macros::date!(2026 - 01 - 15)),
        late: Set(false),
        note: Set(String::new()),
        material_id: Set(None),
        recorded_by: Set(recorder.id),
        created_at: Set(app.state.clock.now()),
    })
    .exec(&app.state.db.conn)
    .await
    .unwrap();
}

/// A current material row of each of `kinds` for `batch`, uploaded by a user of its
/// institution; their ids, in order. (The upload path has its own tests; the rules only look
/// at which kinds are present.)
pub async fn attach(app: &TestApp, batch: &Value, kinds: &[&str]) -> Vec<Uuid> {
    let batch_id: Uuid = batch["id"].as_str().unwrap().parse().unwrap();
    let institution_id: Uuid = batch["institution_id"].as_str().unwrap().parse().unwrap();
    let uploader = user::Entity::find()
        .filter(user::Column::InstitutionId.eq(institution_id))
        .one(&app.state.db.conn)
        .await
        .unwrap()
        .unwrap();
    let mut ids = Vec::with_capacity(kinds.len());
    for kind in kinds {
        let id = Uuid::now_v7();
        material::Entity::insert(material::ActiveModel {
            id: Set(id),
            batch_id: Set(Some(batch_id)),
            institution_id: Set(institution_id),
            kind: Set((*kind).to_owned()),
            file_name: Set(format!("{kind}.pdf")),
            sha256: Set("0".repeat(64)),
            size: Set(1),
            uploaded_by: Set(uploader.id),
            uploaded_at: Set(app.state.clock.now()),
            superseded_at: Set(None),
        })
        .exec(&app.state.db.conn)
        .await
        .unwrap();
        ids.push(id);
    }
    ids
}

/// How many audit events of `action` there are.
pub async fn audit_count(app: &TestApp, action: &str) -> u64 {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .count(&app.state.db.conn)
        .await
        .unwrap()
}
