//! API keys: who may write, and what.
//!
//! A key reads `lotse_<id>_<secret>`: `id` is 12 hex digits that find the
//! key's row, `secret` 64 hex digits (256 random bits). Only the SHA-256 of
//! the secret is stored, and a presented secret's hash is compared with it in
//! constant time (`subtle`), so neither the table nor response times give
//! the key away. Why SHA-256 and not a password hash (Argon2, bcrypt): the
//! secret is 256 random bits, not a guessable password, so a slow hash adds
//! cost to every request and no protection (GitHub's and Stripe's tokens are
//! hashed the same way).
//!
//! Scopes ([`Scope`]): `write` (every collection), `write:<collection>` (one,
//! e.g. `write:offers`), `admin` (keys, audit trail). `admin` does not
//! include `write`: a key holds exactly what it was given.
use std::fmt;

use chrono::{DateTime, Utc};
use entity::api_key;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{AppError, AppResult, FieldError};

/// The prefix of every key, so a leaked key is recognisable (secret
/// scanners, logs).
pub const KEY_PREFIX: &str = "lotse_";

/// The collections a `write:<collection>` scope may name.
pub const WRITABLE: &[&str] = &[
    "partners", "regions", "topics", "projects", "offers", "meetings",
];

/// What a key may do.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Write every collection.
    Write,
    /// Write one collection (one of [`WRITABLE`]).
    WriteCollection(String),
    /// Read the audit trail and manage keys.
    Admin,
}

impl Scope {
    /// Parses `write`, `write:<collection>` or `admin`.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "write" => Ok(Scope::Write),
            "admin" => Ok(Scope::Admin),
            _ => match text.strip_prefix("write:") {
                Some(c) if WRITABLE.contains(&c) => Ok(Scope::WriteCollection(c.to_owned())),
                _ => Err(format!(
                    "unknown scope `{}`: use `write`, `admin` or `write:<collection>` with one of {}",
                    crate::limits::quote(text),
                    WRITABLE.join(", ")
                )),
            },
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Write => f.write_str("write"),
            Scope::WriteCollection(c) => write!(f, "write:{c}"),
            Scope::Admin => f.write_str("admin"),
        }
    }
}

/// The holder of a presented, valid key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The key's name: the actor in the audit trail.
    pub name: String,
    /// What it may do.
    pub scopes: Vec<Scope>,
}

impl Principal {
    /// `Ok` if the key may write `collection`; else 403 naming the scope.
    pub fn may_write(&self, collection: &str) -> AppResult<()> {
        let allowed = self.scopes.iter().any(|s| match s {
            Scope::Write => true,
            Scope::WriteCollection(c) => c == collection,
            Scope::Admin => false,
        });
        if allowed {
            Ok(())
        } else {
            Err(AppError::Forbidden {
                scope: format!("write:{collection}"),
            })
        }
    }

    /// `Ok` if the key holds `admin`; else 403.
    pub fn may_administer(&self) -> AppResult<()> {
        if self.scopes.contains(&Scope::Admin) {
            Ok(())
        } else {
            Err(AppError::Forbidden {
                scope: "admin".into(),
            })
        }
    }
}

/// A key as `lotse keys list` shows it (never the secret or its hash).
#[derive(Debug, Clone)]
pub struct KeyInfo {
    pub name: String,
    /// The public id, as in the key `lotse_<id>_…`.
    pub id: String,
    pub scopes: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

fn random_hex(bytes: usize) -> AppResult<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("no randomness: {e}")))?;
    Ok(hex(&buf))
}

fn hex(bytes: &[u8]) -> String {
    use fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Creates a key named `name` with `scopes` and returns it: the only time
/// the key is ever shown. 422 for a blank or taken name or no scope.
pub async fn create<D: ConnectionTrait>(db: &D, name: &str, scopes: &[Scope]) -> AppResult<String> {
    let name = name.trim();
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError::new("name", "must be 1 to 100 characters"));
    }
    if scopes.is_empty() {
        errors.push(FieldError::new("scope", "name at least one scope"));
    }
    if !errors.is_empty() {
        return Err(AppError::InvalidData(errors));
    }
    let id = random_hex(6)?;
    let secret = random_hex(32)?;
    let mut scopes: Vec<String> = scopes.iter().map(Scope::to_string).collect();
    scopes.sort();
    scopes.dedup();
    let row = api_key::ActiveModel {
        id: Set(id.clone()),
        name: Set(name.to_owned()),
        secret_hash: Set(hash(&secret)),
        scopes: Set(scopes.join(" ")),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
    };
    api_key::Entity::insert(row)
        .exec_without_returning(db)
        .await
        .map_err(|e| {
            AppError::on_unique_violation(e, |_| format!("a key named `{name}` exists already"))
        })?;
    Ok(format!("{KEY_PREFIX}{id}_{secret}"))
}

/// Every key, by name, revoked ones included.
pub async fn list<D: ConnectionTrait>(db: &D) -> AppResult<Vec<KeyInfo>> {
    let rows = api_key::Entity::find()
        .order_by_asc(api_key::Column::Name)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|k| KeyInfo {
            name: k.name,
            id: k.id,
            scopes: k.scopes,
            created_at: k.created_at,
            last_used_at: k.last_used_at,
            revoked_at: k.revoked_at,
        })
        .collect())
}

/// Revokes the key named `name`: it authenticates nothing from now on.
/// 404 if there is none; revoking a revoked key changes nothing.
pub async fn revoke<D: ConnectionTrait>(db: &D, name: &str) -> AppResult<()> {
    let key = api_key::Entity::find()
        .filter(api_key::Column::Name.eq(name))
        .one(db)
        .await?
        .ok_or_else(|| AppError::NotFound {
            resource: "key",
            key: name.to_owned(),
        })?;
    if key.revoked_at.is_none() {
        let mut key: api_key::ActiveModel = key.into();
        key.revoked_at = Set(Some(Utc::now()));
        key.update(db).await?;
    }
    Ok(())
}

/// How often `last_used_at` is written: at most once a minute per key, so a
/// busy writer does not add a write per request.
const LAST_USED_GRANULARITY: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

/// The holder of `key` (the token of `Authorization: Bearer <key>`).
///
/// 401 for a malformed, unknown or revoked key, with one message for all
/// three so a caller learns nothing about which keys exist.
pub async fn authenticate<D: ConnectionTrait>(db: &D, key: &str) -> AppResult<Principal> {
    let invalid = || AppError::Unauthorized {
        reason: "the API key is not valid (unknown, revoked or mistyped)".into(),
        presented: true,
    };
    let (id, secret) = key
        .strip_prefix(KEY_PREFIX)
        .and_then(|rest| rest.split_once('_'))
        .filter(|(id, secret)| id.len() == 12 && secret.len() == 64)
        .ok_or_else(invalid)?;
    let row = api_key::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .ok_or_else(invalid)?;
    let matches: bool = hash(secret)
        .as_bytes()
        .ct_eq(row.secret_hash.as_bytes())
        .into();
    if !matches || row.revoked_at.is_some() {
        return Err(invalid());
    }
    let now = Utc::now();
    if row
        .last_used_at
        .is_none_or(|t| now - t > LAST_USED_GRANULARITY)
    {
        // Bookkeeping only: a failure must not refuse the request.
        let update = api_key::Entity::update_many()
            .col_expr(
                api_key::Column::LastUsedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(api_key::Column::Id.eq(id))
            .exec(db)
            .await;
        if let Err(err) = update {
            tracing::warn!(error = %err, "could not record the key's last use");
        }
    }
    let scopes = row
        .scopes
        .split_whitespace()
        .filter_map(|s| Scope::parse(s).ok())
        .collect();
    Ok(Principal {
        name: row.name,
        scopes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_and_print_alike() {
        for text in ["write", "admin", "write:offers", "write:meetings"] {
            assert_eq!(Scope::parse(text).map(|s| s.to_string()), Ok(text.into()));
        }
        for bad in [
            "",
            "read",
            "write:",
            "write:contacts",
            "write:offer",
            "WRITE",
        ] {
            assert!(Scope::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_collection_scope_allows_that_collection_only() {
        let p = Principal {
            name: "p".into(),
            scopes: vec![Scope::WriteCollection("offers".into()), Scope::Admin],
        };
        assert!(p.may_write("offers").is_ok());
        assert!(matches!(
            p.may_write("partners"),
            Err(AppError::Forbidden { scope }) if scope == "write:partners"
        ));
        assert!(p.may_administer().is_ok());
        let writer = Principal {
            name: "w".into(),
            scopes: vec![Scope::Write],
        };
        assert!(writer.may_write("regions").is_ok());
        assert!(writer.may_administer().is_err());
    }

    #[test]
    fn the_hash_is_sha256_hex() {
        // FIPS 180-2 test vector "abc".
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
