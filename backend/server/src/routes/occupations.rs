//! The occupation catalogue (职业目录, 国家职业分类大典 2022 codes): every logged-in user reads it;
//! the admin adds and changes entries (SPEC §1). Touches `occupations`, reads
//! `institution_filings` (a level still filed by an institution cannot be withdrawn), and audits
//! every change.

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use sea_orm::sea_query::LikeExpr;
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{Set, Unchanged},
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    SqlErr,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use skillcert_domain::codecs::OccupationCode;
use skillcert_domain::rules::{RuleCode, Violation};
use skillcert_domain::{Level, Role};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::{Page, PageQuery};
use crate::audit::{self, AuditCtx, RequestMeta};
use crate::auth::CurrentUser;
use crate::entities::{institution_filing, occupation};
use crate::error::ApiError;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_occupations)
        .service(create_occupation)
        .service(update_occupation);
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OccupationView {
    /// 职业编码, e.g. `6-31-01-03`.
    pub code: String,
    /// e.g. `电工`.
    pub name: String,
    /// The levels the occupation certifies, highest number (五级) first.
    pub levels: Vec<u8>,
    /// Whether the occupation has a 综合评审 part.
    pub has_review: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOccupation {
    /// 职业编码 `N-NN-NN-NN`.
    pub code: String,
    pub name: String,
    /// Levels 1–5 the occupation certifies; at least one.
    pub levels: Vec<i64>,
    #[serde(default)]
    pub has_review: bool,
}

/// Changes to a catalogue entry; absent fields stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOccupation {
    pub name: Option<String>,
    /// Replaces the certified levels. A level still in an institution's filing scope cannot be
    /// removed (409 `OCCUPATION_LEVEL_IN_USE`).
    pub levels: Option<Vec<i64>>,
    pub has_review: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OccupationFilter {
    /// Part of the code or the name.
    pub q: Option<String>,
}

/// The level numbers of an occupation row's JSON array, highest number (五级) first; anything
/// else in the array is ignored.
pub(crate) fn stored_levels(value: &serde_json::Value) -> Vec<u8> {
    let mut levels: Vec<u8> = value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(serde_json::Value::as_u64)
        .filter_map(|n| u8::try_from(n).ok())
        .filter(|n| Level::try_from(*n).is_ok())
        .collect();
    levels.sort_unstable_by(|a, b| b.cmp(a));
    levels.dedup();
    levels
}

/// A `LIKE` pattern matching `text` anywhere, with the wildcards in `text` taken literally.
pub(crate) fn like_pattern(text: &str) -> LikeExpr {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

fn view(row: occupation::Model) -> OccupationView {
    OccupationView {
        levels: stored_levels(&row.levels),
        code: row.code,
        name: row.name,
        has_review: row.has_review,
    }
}

fn violation(field: impl Into<String>, message: impl Into<String>) -> Violation {
    Violation::new(RuleCode::Validation, message).field(field)
}

fn check_name(value: &str, out: &mut Vec<Violation>) -> Option<String> {
    let name = value.trim();
    if name.is_empty() {
        out.push(violation("name", "职业名称不能为空"));
        None
    } else if name.chars().count() > 100 {
        out.push(violation("name", "职业名称不能超过 100 个字符"));
        None
    } else {
        Some(name.to_owned())
    }
}

fn check_levels(values: &[i64], out: &mut Vec<Violation>) -> Option<Vec<u8>> {
    if values.is_empty() {
        out.push(violation("levels", "至少应认定一个等级（1–5）"));
        return None;
    }
    let mut levels = BTreeSet::new();
    let mut ok = true;
    for (i, value) in values.iter().enumerate() {
        match u8::try_from(*value)
            .ok()
            .and_then(|n| Level::try_from(n).ok())
        {
            Some(level) => {
                if !levels.insert(level.number()) {
                    out.push(violation(
                        format!("levels[{i}]"),
                        format!("等级 {value} 重复"),
                    ));
                    ok = false;
                }
            }
            None => {
                out.push(violation(
                    format!("levels[{i}]"),
                    format!("职业技能等级应为 1–5，收到 {value}"),
                ));
                ok = false;
            }
        }
    }
    ok.then(|| levels.into_iter().rev().collect())
}

/// The catalogue, ordered by code; `q` matches part of the code or the name.
#[utoipa::path(
    tag = "occupations",
    params(OccupationFilter, PageQuery),
    responses(
        (status = 200, description = "Catalogue entries", body = Page<OccupationView>),
        (status = 401, description = "Not logged in", body = crate::error::Problem),
        (status = 422, description = "Bad paging", body = crate::error::Problem),
    ),
    security(("bearer" = []))
)]
#[get("/occupations")]
pub async fn list_occupations(
    state: web::Data<AppState>,
    _user: CurrentUser,
    page: web::Query<PageQuery>,
    filter: web::Query<OccupationFilter>,
) -> Result<web::Json<Page<OccupationView>>, ApiError> {
    let (page_no, size) = page.resolve()?;
    let mut condition = Condition::all();
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        condition = condition.add(
            Condition::any()
                .add(occupation::Column::Code.like(like_pattern(q)))
                .add(occupation::Column::Name.like(like_pattern(q))),
        );
    }
    let conn = &state.db.conn;
    let query = occupation::Entity::find().filter(condition);
    let total = query.clone().count(conn).await?;
    let rows = query
        .order_by_asc(occupation::Column::Code)
        .offset((page_no - 1) * size)
        .limit(size)
        .all(conn)
        .await?;
    Ok(web::Json(Page {
        items: rows.into_iter().map(view).collect(),
        total,
        page: page_no,
        page_size: size,
    }))
}

/// Adds an occupation to the catalogue.
#[utoipa::path(
    tag = "occupations",
    request_body = CreateOccupation,
    responses(
        (status = 201, description = "Added", body = OccupationView),
        (status = 401, description = "Not logged in", body = crate::error::Problem),
        (status = 403, description = "Not admin", body = crate::error::Problem),
        (status = 409, description = "OCCUPATION_EXISTS: the code is already in the catalogue", body = crate::error::Problem),
        (status = 422, description = "VALIDATION: every bad field named", body = crate::error::Problem),
    ),
    security(("bearer" = []))
)]
#[post("/admin/occupations")]
pub async fn create_occupation(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    body: web::Json<CreateOccupation>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Admin])?;
    let body = body.into_inner();
    let mut violations = Vec::new();
    let code = match OccupationCode::parse(&body.code) {
        Ok(code) => Some(code),
        Err(e) => {
            violations
                .push(violation("code", e.to_string()).details(json!({ "reason": e.reason() })));
            None
        }
    };
    let name = check_name(&body.name, &mut violations);
    let levels = check_levels(&body.levels, &mut violations);
    let (Some(code), Some(name), Some(levels), true) = (code, name, levels, violations.is_empty())
    else {
        return Err(ApiError::Unprocessable(violations));
    };
    let exists = || ApiError::Conflict {
        code: "OCCUPATION_EXISTS",
        detail: format!("职业编码 {code} 已在职业目录中"),
    };
    let txn = state.db.begin_write().await?;
    if occupation::Entity::find_by_id(code.as_str().to_owned())
        .one(&*txn)
        .await?
        .is_some()
    {
        return Err(exists());
    }
    let row = occupation::Model {
        code: code.as_str().to_owned(),
        name,
        levels: json!(levels),
        has_review: body.has_review,
    };
    occupation::Entity::insert(occupation::ActiveModel {
        code: Set(row.code.clone()),
        name: Set(row.name.clone()),
        levels: Set(row.levels.clone()),
        has_review: Set(row.has_review),
    })
    .exec(&*txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => exists(),
        _ => e.into(),
    })?;
    let created = view(row);
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        state.clock.now(),
        audit::Event {
            action: "occupation.create",
            entity_type: "occupation",
            entity_id: created.code.clone(),
            institution_id: None,
            summary: json!({ "before": null, "after": created }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(created))
}

/// Changes a catalogue entry.
#[utoipa::path(
    tag = "occupations",
    params(("code" = String, Path, description = "职业编码, e.g. 6-31-01-03")),
    request_body = UpdateOccupation,
    responses(
        (status = 200, description = "Updated", body = OccupationView),
        (status = 401, description = "Not logged in", body = crate::error::Problem),
        (status = 403, description = "Not admin", body = crate::error::Problem),
        (status = 404, description = "No such occupation", body = crate::error::Problem),
        (status = 409, description = "OCCUPATION_LEVEL_IN_USE: a removed level is still filed by an institution", body = crate::error::Problem),
        (status = 422, description = "VALIDATION: every bad field named", body = crate::error::Problem),
    ),
    security(("bearer" = []))
)]
#[patch("/admin/occupations/{code}")]
pub async fn update_occupation(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    code: web::Path<String>,
    body: web::Json<UpdateOccupation>,
) -> Result<web::Json<OccupationView>, ApiError> {
    user.require(&[Role::Admin])?;
    let code = code.into_inner();
    let body = body.into_inner();
    let mut violations = Vec::new();
    let name = body.name.as_deref().map(|v| check_name(v, &mut violations));
    let levels = body
        .levels
        .as_deref()
        .map(|v| check_levels(v, &mut violations));

    let txn = state.db.begin_write().await?;
    let row = occupation::Entity::find_by_id(code.clone())
        .one(&*txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    if !violations.is_empty() {
        return Err(ApiError::Unprocessable(violations));
    }
    let before = view(row.clone());
    let mut update = occupation::ActiveModel {
        code: Unchanged(row.code.clone()),
        ..Default::default()
    };
    if let Some(name) = name.flatten() {
        update.name = Set(name);
    }
    if let Some(levels) = levels.flatten() {
        let removed: Vec<i16> = before
            .levels
            .iter()
            .filter(|l| !levels.contains(l))
            .map(|l| i16::from(*l))
            .collect();
        if !removed.is_empty() {
            let in_use = institution_filing::Entity::find()
                .filter(institution_filing::Column::OccupationCode.eq(row.code.as_str()))
                .filter(institution_filing::Column::Level.is_in(removed))
                .count(&*txn)
                .await?;
            if in_use > 0 {
                return Err(ApiError::Conflict {
                    code: "OCCUPATION_LEVEL_IN_USE",
                    detail: format!(
                        "职业 {} 的待删除等级仍在 {in_use} 个机构备案范围内，请先调整机构备案",
                        row.code
                    ),
                });
            }
        }
        update.levels = Set(json!(levels));
    }
    if let Some(has_review) = body.has_review {
        update.has_review = Set(has_review);
    }
    if !update.is_changed() {
        return Ok(web::Json(before));
    }
    let updated = occupation::Entity::update(update).exec(&*txn).await?;
    let after = view(updated);
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        state.clock.now(),
        audit::Event {
            action: "occupation.update",
            entity_type: "occupation",
            entity_id: after.code.clone(),
            institution_id: None,
            summary: json!({ "before": before, "after": after }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(web::Json(after))
}
