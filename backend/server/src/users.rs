//! Accounts (SPEC §1): who may sign in, with which role, for which institution. Used by the admin
//! routes (`/admin/users`) and by `skillcert create-user`. Touches `users` and, when a user is
//! disabled or changes role, institution or password, `refresh_tokens`; reads `institutions`;
//! audits every change in the same transaction.
//!
//! Passwords are hashed (argon2id) before the write transaction starts, so the SQLite writer
//! lock is never held while hashing.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, SqlErr,
};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};
use skillcert_domain::Role;
use skillcert_domain::codecs::Uscc;
use skillcert_domain::rules::{RuleCode, Violation};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::{self, AuditCtx};
use crate::auth::sessions;
use crate::auth::{parse_role, password};
use crate::entities::{inspector_affiliation, institution, user};
use crate::error::ApiError;
use crate::state::AppState;

/// Longest password accepted (ASVS 2.1.2 allows up to 128 characters).
const MAX_PASSWORD_CHARS: usize = 128;
/// `users.display_name` is `varchar(100)`.
const MAX_DISPLAY_NAME_CHARS: usize = 100;

// ---------------------------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------------------------

/// An account as the admin sees it. Never carries the password hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    /// 3–64 characters of `a-z 0-9 _ . -`.
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The role's Chinese name.
    pub role_name: &'static str,
    /// Set exactly when `role` is `institution`.
    pub institution_id: Option<Uuid>,
    /// Inspectors only: the institutions they are tied to, which a draw never assigns them to
    /// (SPEC §7 conflicts). Sorted; empty for every other role.
    pub affiliated_institution_ids: Vec<Uuid>,
    pub disabled: bool,
    /// Set while the account is locked after repeated failed logins.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub locked_until: Option<OffsetDateTime>,
    pub version: i32,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl UserView {
    pub fn from_model(model: &user::Model, now: OffsetDateTime) -> Result<UserView, ApiError> {
        let role = parse_role(&model.role)?;
        Ok(UserView {
            id: model.id,
            username: model.username.clone(),
            display_name: model.display_name.clone(),
            role,
            role_name: role.name_zh(),
            institution_id: model.institution_id,
            affiliated_institution_ids: Vec::new(),
            disabled: model.disabled,
            locked_until: model.locked_until.filter(|until| *until > now),
            version: model.version,
            created_at: model.created_at,
            updated_at: model.updated_at,
        })
    }

    /// The same, with the inspector's affiliations.
    pub fn with_affiliations(mut self, ids: Vec<Uuid>) -> UserView {
        self.affiliated_institution_ids = ids;
        self
    }
}

/// A new account. The password must meet the policy (at least 12 characters, or 8 with three
/// of lower case, upper case, digits and symbols).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    /// `institution`, `supervisor`, `inspector`, `info_officer` or `admin`.
    pub role: String,
    /// Required for (and only for) the `institution` role.
    #[serde(default)]
    pub institution_id: Option<Uuid>,
    /// `inspector` role only: institutions the inspector is tied to (never drawn to inspect them).
    #[serde(default)]
    pub affiliated_institution_ids: Vec<Uuid>,
    pub password: String,
}

/// Changes to an account; absent fields stay. `version` (or `If-Match`) must be the current
/// one. Changing the role, institution or password, or disabling, ends the user's sessions.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub version: Option<i32>,
    pub display_name: Option<String>,
    pub role: Option<String>,
    /// `null` clears it (for a role other than `institution`).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Uuid>, nullable)]
    pub institution_id: Option<Option<Uuid>>,
    pub disabled: Option<bool>,
    /// A new password; also lifts a lockout.
    pub password: Option<String>,
    /// `inspector` role only: replaces the inspector's affiliations. Leaving the inspector role
    /// clears them.
    pub affiliated_institution_ids: Option<Vec<Uuid>>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// List filters.
#[derive(Debug, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub institution_id: Option<Uuid>,
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

fn invalid(field: &str, message: impl Into<String>) -> Violation {
    Violation::new(RuleCode::Validation, message).field(field)
}

fn check_username(violations: &mut Vec<Violation>, username: &str) {
    let len = username.chars().count();
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c);
    if !(3..=64).contains(&len) || !username.chars().all(allowed) {
        violations.push(invalid(
            "username",
            "用户名应为 3–64 位小写字母、数字或 _ . -",
        ));
    }
}

fn check_display_name(violations: &mut Vec<Violation>, name: &str) -> String {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_DISPLAY_NAME_CHARS {
        violations.push(invalid(
            "display_name",
            format!("姓名应为 1–{MAX_DISPLAY_NAME_CHARS} 个字符"),
        ));
    }
    name.to_owned()
}

fn check_role(violations: &mut Vec<Violation>, role: &str) -> Option<Role> {
    match role.parse() {
        Ok(role) => Some(role),
        Err(_) => {
            violations.push(invalid(
                "role",
                format!("角色“{role}”不存在，应为 institution、supervisor、inspector、info_officer 或 admin"),
            ));
            None
        }
    }
}

fn check_password(violations: &mut Vec<Violation>, password: &str) {
    if !password::acceptable(password) || password.chars().count() > MAX_PASSWORD_CHARS {
        violations.push(invalid(
            "password",
            format!(
                "密码应至少 12 位，或至少 8 位且包含大写字母、小写字母、数字、符号中的三类；最长 {MAX_PASSWORD_CHARS} 位"
            ),
        ));
    }
}

/// SPEC §1: an institution user belongs to exactly one institution; other roles to none.
async fn check_institution<C: ConnectionTrait>(
    conn: &C,
    violations: &mut Vec<Violation>,
    role: Role,
    institution_id: Option<Uuid>,
) -> Result<(), ApiError> {
    match (role, institution_id) {
        (Role::Institution, None) => {
            violations.push(invalid("institution_id", "评价机构经办人须指定所属机构"));
        }
        (Role::Institution, Some(id)) => {
            if institution::Entity::find_by_id(id)
                .one(conn)
                .await?
                .is_none()
            {
                violations.push(invalid("institution_id", "所属机构不存在"));
            }
        }
        (_, Some(_)) => {
            violations.push(invalid(
                "institution_id",
                "只有评价机构经办人可以指定所属机构",
            ));
        }
        (_, None) => {}
    }
    Ok(())
}

/// SPEC §7: only inspectors have affiliations, and each must name an existing institution.
/// Returns them sorted without repeats.
async fn check_affiliations<C: ConnectionTrait>(
    conn: &C,
    violations: &mut Vec<Violation>,
    role: Role,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, ApiError> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(ids);
    }
    if role != Role::Inspector {
        violations.push(invalid(
            "affiliated_institution_ids",
            "只有质量督导员可以登记关联机构",
        ));
        return Ok(ids);
    }
    let found = institution::Entity::find()
        .filter(institution::Column::Id.is_in(ids.clone()))
        .all(conn)
        .await?;
    for (index, id) in ids.iter().enumerate() {
        if !found.iter().any(|i| i.id == *id) {
            violations.push(
                invalid(
                    format!("affiliated_institution_ids[{index}]").as_str(),
                    format!("关联机构 {id} 不存在"),
                )
                .details(json!({ "institution_id": id })),
            );
        }
    }
    Ok(ids)
}

/// Each user's affiliations (inspectors), sorted; users without any are absent.
pub async fn affiliations_of<C: ConnectionTrait>(
    conn: &C,
    user_ids: &[Uuid],
) -> Result<std::collections::BTreeMap<Uuid, Vec<Uuid>>, ApiError> {
    let mut map: std::collections::BTreeMap<Uuid, Vec<Uuid>> = std::collections::BTreeMap::new();
    if user_ids.is_empty() {
        return Ok(map);
    }
    for row in inspector_affiliation::Entity::find()
        .filter(inspector_affiliation::Column::InspectorId.is_in(user_ids.to_vec()))
        .all(conn)
        .await?
    {
        map.entry(row.inspector_id)
            .or_default()
            .push(row.institution_id);
    }
    for ids in map.values_mut() {
        ids.sort_unstable();
    }
    Ok(map)
}

/// A user as the admin sees it, with the affiliations read through `conn`.
pub async fn view_of<C: ConnectionTrait>(
    conn: &C,
    model: &user::Model,
    now: OffsetDateTime,
) -> Result<UserView, ApiError> {
    let mut affiliations = affiliations_of(conn, &[model.id]).await?;
    Ok(UserView::from_model(model, now)?
        .with_affiliations(affiliations.remove(&model.id).unwrap_or_default()))
}

async fn replace_affiliations<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
    ids: &[Uuid],
) -> Result<(), ApiError> {
    inspector_affiliation::Entity::delete_many()
        .filter(inspector_affiliation::Column::InspectorId.eq(user_id))
        .exec(conn)
        .await?;
    for id in ids {
        inspector_affiliation::Entity::insert(inspector_affiliation::ActiveModel {
            inspector_id: Set(user_id),
            institution_id: Set(*id),
        })
        .exec(conn)
        .await?;
    }
    Ok(())
}

async fn hash_password(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(|e| ApiError::Internal(format!("password hashing task: {e}")))?
        .map_err(|e| ApiError::Internal(format!("password hashing: {e}")))
}

fn username_taken() -> ApiError {
    ApiError::Conflict {
        code: "USERNAME_TAKEN",
        detail: "该用户名已被使用".to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// Create
// ---------------------------------------------------------------------------------------------

/// A validated new account with its password already hashed.
pub struct PreparedUser {
    username: String,
    display_name: String,
    role: Role,
    institution_id: Option<Uuid>,
    affiliated_institution_ids: Vec<Uuid>,
    password_hash: String,
}

/// Checks every field (all violations at once, 422) and hashes the password. Runs before the
/// write transaction.
pub async fn prepare_new<C: ConnectionTrait>(
    conn: &C,
    input: NewUser,
) -> Result<PreparedUser, ApiError> {
    let mut violations = Vec::new();
    check_username(&mut violations, &input.username);
    let display_name = check_display_name(&mut violations, &input.display_name);
    let role = check_role(&mut violations, &input.role);
    let mut affiliations = Vec::new();
    if let Some(role) = role {
        check_institution(conn, &mut violations, role, input.institution_id).await?;
        affiliations = check_affiliations(
            conn,
            &mut violations,
            role,
            &input.affiliated_institution_ids,
        )
        .await?;
    }
    check_password(&mut violations, &input.password);
    let Some(role) = role.filter(|_| violations.is_empty()) else {
        return Err(ApiError::Unprocessable(violations));
    };
    Ok(PreparedUser {
        username: input.username,
        display_name,
        role,
        institution_id: input.institution_id,
        affiliated_institution_ids: affiliations,
        password_hash: hash_password(input.password).await?,
    })
}

fn audit_state(model: &user::Model) -> Value {
    json!({
        "username": model.username,
        "display_name": model.display_name,
        "role": model.role,
        "institution_id": model.institution_id,
        "disabled": model.disabled,
    })
}

/// Inserts the account and audits it, in the caller's transaction. A taken username is 409
/// `USERNAME_TAKEN`.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    ctx: &AuditCtx,
    now: OffsetDateTime,
    new: PreparedUser,
) -> Result<user::Model, ApiError> {
    if user::Entity::find()
        .filter(user::Column::Username.eq(&new.username))
        .one(conn)
        .await?
        .is_some()
    {
        return Err(username_taken());
    }
    let model = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set(new.username),
        display_name: Set(new.display_name),
        password_hash: Set(new.password_hash),
        role: Set(new.role.code().to_owned()),
        institution_id: Set(new.institution_id),
        disabled: Set(false),
        token_version: Set(1),
        failed_logins: Set(0),
        locked_until: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
    .map_err(|e| match e.sql_err() {
        // Another writer took the name between the check and the insert (PostgreSQL).
        Some(SqlErr::UniqueConstraintViolation(_)) => username_taken(),
        _ => e.into(),
    })?;
    replace_affiliations(conn, model.id, &new.affiliated_institution_ids).await?;
    let mut after = audit_state(&model);
    after["affiliated_institution_ids"] = json!(new.affiliated_institution_ids);
    audit::record(
        conn,
        ctx,
        now,
        audit::Event {
            action: "user.create",
            entity_type: "user",
            entity_id: model.id.to_string(),
            institution_id: model.institution_id,
            summary: json!({ "after": after }),
        },
    )
    .await?;
    Ok(model)
}

// ---------------------------------------------------------------------------------------------
// Update
// ---------------------------------------------------------------------------------------------

/// Validated changes, the new password already hashed.
pub struct PreparedPatch {
    display_name: Option<String>,
    role: Option<Role>,
    institution_id: Option<Option<Uuid>>,
    disabled: Option<bool>,
    password_hash: Option<String>,
    affiliated_institution_ids: Option<Vec<Uuid>>,
}

/// Checks the fields that need no database (422, all at once) and hashes a new password.
pub async fn prepare_patch(patch: UserPatch) -> Result<PreparedPatch, ApiError> {
    let mut violations = Vec::new();
    let display_name = patch
        .display_name
        .as_deref()
        .map(|name| check_display_name(&mut violations, name));
    let role = match &patch.role {
        Some(role) => check_role(&mut violations, role),
        None => None,
    };
    if let Some(password) = &patch.password {
        check_password(&mut violations, password);
    }
    if !violations.is_empty() {
        return Err(ApiError::Unprocessable(violations));
    }
    let password_hash = match patch.password {
        Some(password) => Some(hash_password(password).await?),
        None => None,
    };
    Ok(PreparedPatch {
        display_name,
        role,
        institution_id: patch.institution_id,
        disabled: patch.disabled,
        password_hash,
        affiliated_institution_ids: patch.affiliated_institution_ids,
    })
}

/// Applies `patch` to user `id` if its version is still `expected_version` (else 409), in the
/// caller's transaction. Changing the role, the institution or the password, or disabling,
/// bumps `token_version` — outstanding access tokens stop working at once — and revokes every
/// refresh token. `actor` may not disable themselves or change their own role.
pub async fn update<C: ConnectionTrait>(
    conn: &C,
    ctx: &AuditCtx,
    now: OffsetDateTime,
    id: Uuid,
    expected_version: i32,
    patch: PreparedPatch,
) -> Result<user::Model, ApiError> {
    let before = user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound)?;
    if before.version != expected_version {
        return Err(ApiError::conflict_version());
    }
    let old_role = parse_role(&before.role)?;
    let role = patch.role.unwrap_or(old_role);
    let institution_id = match patch.institution_id {
        Some(given) => given,
        // Leaving the institution role leaves the institution too.
        None if role != Role::Institution => None,
        None => before.institution_id,
    };
    let disabled = patch.disabled.unwrap_or(before.disabled);
    let is_self = ctx.actor_id == Some(id);
    if is_self && (role != old_role || disabled) {
        return Err(ApiError::invalid_state(
            "不能停用自己的账号或更改自己的角色",
        ));
    }
    let mut violations = Vec::new();
    check_institution(conn, &mut violations, role, institution_id).await?;
    let affiliations_before = affiliations_of(conn, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let affiliations = match &patch.affiliated_institution_ids {
        Some(ids) => check_affiliations(conn, &mut violations, role, ids).await?,
        // Leaving the inspector role leaves the affiliations too.
        None if role != Role::Inspector => Vec::new(),
        None => affiliations_before.clone(),
    };
    if !violations.is_empty() {
        return Err(ApiError::Unprocessable(violations));
    }

    let ends_sessions = role != old_role
        || institution_id != before.institution_id
        || (disabled && !before.disabled)
        || patch.password_hash.is_some();
    let mut active = before.clone().into_active_model();
    if let Some(name) = patch.display_name {
        active.display_name = Set(name);
    }
    active.role = Set(role.code().to_owned());
    active.institution_id = Set(institution_id);
    active.disabled = Set(disabled);
    let password_reset = patch.password_hash.is_some();
    if let Some(hash) = patch.password_hash {
        active.password_hash = Set(hash);
        // A reset password lifts a lockout.
        active.failed_logins = Set(0);
        active.locked_until = Set(None);
    }
    if ends_sessions {
        active.token_version = Set(before.token_version + 1);
    }
    active.version = Set(before.version + 1);
    active.updated_at = Set(now);
    // Conditional on the version read above, so two concurrent edits cannot both win.
    let result = user::Entity::update_many()
        .set(active)
        .filter(user::Column::Id.eq(id))
        .filter(user::Column::Version.eq(expected_version))
        .exec(conn)
        .await?;
    if result.rows_affected != 1 {
        return Err(ApiError::conflict_version());
    }
    if ends_sessions {
        sessions::revoke_user(conn, id, now).await?;
    }
    if password_reset {
        // A reset password lifts a lockout (the attempts counted in `login_attempts`).
        crate::auth::throttle::forget_username(conn, &before.username).await?;
    }
    if affiliations != affiliations_before {
        replace_affiliations(conn, id, &affiliations).await?;
    }
    let after = user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound)?;
    audit::record(
        conn,
        ctx,
        now,
        audit::Event {
            action: "user.update",
            entity_type: "user",
            entity_id: id.to_string(),
            institution_id: after.institution_id.or(before.institution_id),
            summary: json!({
                "before": audit_state(&before),
                "after": audit_state(&after),
                "affiliated_institution_ids": {
                    "before": affiliations_before,
                    "after": affiliations,
                },
                "password_changed": after.password_hash != before.password_hash,
                "sessions_ended": ends_sessions,
            }),
        },
    )
    .await?;
    Ok(after)
}

// ---------------------------------------------------------------------------------------------
// Read
// ---------------------------------------------------------------------------------------------

pub async fn find<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<user::Model, ApiError> {
    user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound)
}

/// One page of accounts, by username; `page` is 1-based.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    filter: &UserFilter,
    page: u64,
    page_size: u64,
) -> Result<(Vec<user::Model>, u64), ApiError> {
    let mut condition = Condition::all();
    if let Some(role) = filter.role {
        condition = condition.add(user::Column::Role.eq(role.code()));
    }
    if let Some(id) = filter.institution_id {
        condition = condition.add(user::Column::InstitutionId.eq(id));
    }
    let paginator = user::Entity::find()
        .filter(condition)
        .order_by_asc(user::Column::Username)
        .paginate(conn, page_size);
    let total = paginator.num_items().await?;
    let items = paginator.fetch_page(page.saturating_sub(1)).await?;
    Ok((items, total))
}

// ---------------------------------------------------------------------------------------------
// `skillcert create-user`
// ---------------------------------------------------------------------------------------------

/// What `skillcert create-user` was given. The password comes from the environment, never the
/// command line (it would show in the process list and shell history).
pub struct CliNewUser {
    pub username: String,
    pub display_name: String,
    pub role: String,
    /// The institution's 统一社会信用代码, for the `institution` role.
    pub institution_uscc: Option<String>,
    pub password: String,
}

/// Creates an account from the command line, audited as the system.
pub async fn create_from_cli(state: &AppState, input: CliNewUser) -> Result<user::Model, String> {
    let conn = &state.db.conn;
    let institution_id = match &input.institution_uscc {
        None => None,
        Some(text) => {
            let uscc = Uscc::parse(text).map_err(|e| format!("--institution: {e}"))?;
            let found = institution::Entity::find()
                .filter(institution::Column::Uscc.eq(uscc.as_str()))
                .one(conn)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("--institution: 统一社会信用代码为 {uscc} 的机构不存在"))?;
            Some(found.id)
        }
    };
    let new = NewUser {
        username: input.username,
        display_name: input.display_name,
        role: input.role,
        institution_id,
        affiliated_institution_ids: Vec::new(),
        password: input.password,
    };
    let prepared = prepare_new(conn, new).await.map_err(describe)?;
    let txn = state.db.begin_write().await.map_err(|e| e.to_string())?;
    let ctx = AuditCtx::system(&format!("cli-{}", Uuid::new_v4().simple()));
    let model = insert(&*txn, &ctx, state.clock.now(), prepared)
        .await
        .map_err(describe)?;
    txn.commit().await.map_err(|e| e.to_string())?;
    Ok(model)
}

/// An API error as one line for the terminal.
fn describe(err: ApiError) -> String {
    match err {
        ApiError::Unprocessable(violations) => violations
            .iter()
            .map(|v| match &v.field {
                Some(field) => format!("{field}: {}", v.message),
                None => v.message.clone(),
            })
            .collect::<Vec<_>>()
            .join("; "),
        ApiError::Conflict { detail, .. } => detail,
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn username_ok(name: &str) -> bool {
        let mut violations = Vec::new();
        check_username(&mut violations, name);
        violations.is_empty()
    }

    #[test]
    fn usernames_are_3_to_64_of_lower_case_digits_and_three_marks() {
        assert!(username_ok("emp1"));
        assert!(username_ok("zhang.san-01_x"));
        assert!(username_ok(&"a".repeat(64)));
        assert!(!username_ok("ab"));
        assert!(!username_ok(&"a".repeat(65)));
        assert!(!username_ok("Admin"));
        assert!(!username_ok("张三"));
        assert!(!username_ok("a b c"));
    }

    #[test]
    fn patch_tells_absent_from_null() {
        let absent: UserPatch = serde_json::from_str(r#"{"version":1}"#).unwrap();
        assert!(absent.institution_id.is_none());
        let null: UserPatch =
            serde_json::from_str(r#"{"version":1,"institution_id":null}"#).unwrap();
        assert_eq!(null.institution_id, Some(None));
    }
}
