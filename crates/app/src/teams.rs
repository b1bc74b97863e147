//! Teams, which routing will use as skill groups.

use crate::audit::{NOTHING, record};
use crate::{Actor, App, AppError, Page, PageRequest};
use switchboard_domain::entities::Team;
use switchboard_domain::permissions::Permission;
use switchboard_domain::requests::TeamInput;
use switchboard_domain::{AccountId, TeamId, Timestamp, UserId};
use switchboard_store::AnyConnection;
use switchboard_store::repo::teams;

async fn check_members(conn: &mut AnyConnection, account: AccountId, ids: &[UserId]) -> Result<Vec<UserId>, AppError> {
    let mut unique = ids.to_vec();
    unique.sort();
    unique.dedup();
    if teams::existing_user_ids(conn, account, &unique).await?.len() != unique.len() {
        return Err(AppError::field("member_ids", "names a user that does not exist"));
    }
    Ok(unique)
}

impl App {
    pub async fn list_teams(
        &self,
        actor: &Actor,
        query: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Team>, AppError> {
        actor.require(Permission::TeamsRead)?;
        let mut conn = self.db().read().await?;
        let rows = teams::list(&mut conn, actor.account_id, query, page.after()?, page.limit() + 1).await?;
        Ok(page.page(rows, |t| t.id.as_i64()))
    }

    pub async fn get_team(&self, actor: &Actor, id: TeamId) -> Result<Team, AppError> {
        actor.require(Permission::TeamsRead)?;
        let mut conn = self.db().read().await?;
        teams::get_by_id(&mut conn, actor.account_id, id).await?.ok_or(AppError::NotFound)
    }

    pub async fn create_team(&self, actor: &Actor, input: &TeamInput) -> Result<Team, AppError> {
        actor.require(Permission::TeamsManage)?;
        let change = input.validate(true)?;
        let mut tx = self.db().begin().await?;
        let members = check_members(&mut tx, actor.account_id, change.member_ids.as_deref().unwrap_or(&[])).await?;
        let at = Timestamp::from_unix_ms(switchboard_store::now_ms());
        let team = Team {
            id: TeamId::from_i64(self.db().new_id()),
            name: change.name.map(|n| n.to_string()).unwrap_or_default(),
            description: change.description.unwrap_or_default(),
            member_ids: members,
            created_at: at,
            updated_at: at,
        };
        teams::insert(&mut tx, actor.account_id, &team).await?;
        teams::set_members(&mut tx, actor.account_id, team.id, &team.member_ids, at).await?;
        record(self, &mut tx, actor, "team.create", ("team", Some(team.id.as_i64())), NOTHING, Some(&team)).await?;
        tx.commit().await?;
        self.credentials_committed(actor.account_id);
        Ok(team)
    }

    pub async fn update_team(&self, actor: &Actor, id: TeamId, input: &TeamInput) -> Result<Team, AppError> {
        actor.require(Permission::TeamsManage)?;
        let change = input.validate(false)?;
        let mut tx = self.db().begin().await?;
        let before = teams::get_by_id(&mut tx, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        let mut after = before.clone();
        if let Some(name) = change.name {
            after.name = name.to_string();
        }
        if let Some(description) = change.description {
            after.description = description;
        }
        after.updated_at = Timestamp::from_unix_ms(switchboard_store::now_ms());
        if let Some(members) = &change.member_ids {
            after.member_ids = check_members(&mut tx, actor.account_id, members).await?;
            teams::set_members(&mut tx, actor.account_id, id, &after.member_ids, after.updated_at).await?;
        }
        teams::update(&mut tx, actor.account_id, &after).await?;
        record(self, &mut tx, actor, "team.update", ("team", Some(id.as_i64())), Some(&before), Some(&after)).await?;
        tx.commit().await?;
        self.credentials_committed(actor.account_id);
        Ok(after)
    }

    pub async fn delete_team(&self, actor: &Actor, id: TeamId) -> Result<(), AppError> {
        actor.require(Permission::TeamsManage)?;
        let mut tx = self.db().begin().await?;
        let before = teams::get_by_id(&mut tx, actor.account_id, id).await?.ok_or(AppError::NotFound)?;
        let uses = self.team_routing_uses(&mut tx, actor.account_id, id).await?;
        if !uses.is_empty() {
            let message = format!("routing still sends conversations here: {}", uses.join(", "));
            return Err(AppError::Conflict(switchboard_domain::FieldErrors::single("team", message)));
        }
        teams::delete(&mut tx, actor.account_id, id).await?;
        record(self, &mut tx, actor, "team.delete", ("team", Some(id.as_i64())), Some(&before), NOTHING).await?;
        tx.commit().await?;
        self.credentials_committed(actor.account_id);
        Ok(())
    }
}
