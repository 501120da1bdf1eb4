//! `skillcert seed-demo`: the SPEC §9 accounts, institutions, catalogue and batches, once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::each_backend;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::Value;
use skillcert_server::entities::{institution, institution_filing, occupation, user};
use skillcert_server::{BuiltApp, audit, seed};

#[actix_web::test]
async fn seed_demo_is_refused_in_a_production_profile() {
    each_backend(|app| async move {
        let mut config = (*app.state.config).clone();
        config.profile = skillcert_server::config::Profile::Production;
        let mut state = app.state.get_ref().clone();
        state.config = std::sync::Arc::new(config);
        let built = BuiltApp {
            state: actix_web::web::Data::new(state),
        };
        let err = seed::seed_demo(&built).await.unwrap_err();
        assert!(err.contains("production"), "{err}");
        let users = user::Entity::find()
            .count(&app.state.db.conn)
            .await
            .unwrap();
        assert_eq!(users, 0, "nothing was written");
        app
    })
    .await;
}

#[actix_web::test]
async fn seed_demo_creates_the_spec_accounts_once() {
    each_backend(|app| async move {
        // -- Exec
        let built = BuiltApp {
            state: app.state.clone(),
        };
        assert!(seed::seed_demo(&built).await.unwrap());
        assert!(
            !seed::seed_demo(&built).await.unwrap(),
            "a second run changes nothing"
        );
        // -- Check
        let conn = &app.state.db.conn;
        let users: Vec<String> = user::Entity::find()
            .all(conn)
            .await
            .unwrap()
            .into_iter()
            .map(|u| u.username)
            .collect();
        for name in [
            "admin",
            "supervisor",
            "info",
            "inspector1",
            "inspector2",
            "emp1",
            "train1",
            "train2",
            "school1",
        ] {
            assert!(users.contains(&name.to_owned()), "{name}");
        }
        assert_eq!(users.len(), 9);
        assert!(occupation::Entity::find().count(conn).await.unwrap() >= 12);
        assert_eq!(institution::Entity::find().count(conn).await.unwrap(), 4);
        // 电工, 焊工, 育婴员, 养老护理员, 中式烹调师 at levels 5–3 for each of the four.
        assert_eq!(
            institution_filing::Entity::find()
                .count(conn)
                .await
                .unwrap(),
            4 * 5 * 3
        );
        for row in institution::Entity::find().all(conn).await.unwrap() {
            assert!(
                skillcert_domain::codecs::Uscc::parse(&row.uscc).is_ok(),
                "{}",
                row.uscc
            );
        }
        assert_eq!(audit::verify(conn).await.unwrap(), Ok(4));

        // The supervisor has train2's plan to review; emp1's batch is at registration.
        let sup = user::Entity::find()
            .all(conn)
            .await
            .unwrap()
            .into_iter()
            .find(|u| u.username == "supervisor")
            .unwrap();
        let token = app
            .state
            .tokens
            .issue_access(sup.id, &sup.role, sup.token_version, app.state.clock.now())
            .unwrap();
        let queue: Value = app
            .get(&token, "/api/v1/reviews")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(queue["total"], 1);
        assert_eq!(queue["items"][0]["step"], "plan");
        let batches: Value = app
            .get(&token, "/api/v1/batches")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(batches["total"], 4);
        let steps: Vec<&str> = batches["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["current_step"].as_str().unwrap())
            .collect();
        assert!(steps.contains(&"registration"), "{steps:?}");

        // The plan in the queue comes with its documents: the checklist finds them, and the
        // reviewer can open the PDF.
        let batch_id = queue["items"][0]["batch_id"].as_str().unwrap();
        let checklist: Value = app
            .get(&token, &format!("/api/v1/batches/{batch_id}/checklist"))
            .await
            .json()
            .await
            .unwrap();
        let plan = checklist["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["step"] == "plan")
            .unwrap();
        let always: Vec<&Value> = plan["materials"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["condition"] == "always")
            .collect();
        assert!(!always.is_empty(), "{plan}");
        assert!(always.iter().all(|m| m["present"] == true), "{plan}");
        let materials: Value = app
            .get(&token, &format!("/api/v1/batches/{batch_id}/materials"))
            .await
            .json()
            .await
            .unwrap();
        let material = materials["items"][0]["id"].as_str().unwrap();
        let pdf = app
            .get(&token, &format!("/api/v1/materials/{material}/content"))
            .await;
        assert_eq!(pdf.status(), 200);
        assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
        app
    })
    .await;
}
