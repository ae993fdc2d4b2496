//! Schema versions of stored and transmitted records.
//!
//! Every record carries a `schema: u16` field. Readers call the record's `from_json`, which looks at the
//! version, runs the explicit migrations `v(n) → v(n+1)` on the raw JSON up to the current version, and only
//! then deserialises into the current Rust type. A record from a *newer* version is a typed error (the
//! app must be updated), never a silent guess. Writers always write the current version.

use serde::de::DeserializeOwned;
use serde_json::Value;

/// The `schema` field of a raw record; 0 when absent or not a number (no record was ever written as 0).
pub fn version_of(value: &Value) -> u16 {
    value.get("schema").and_then(Value::as_u64).map(|v| v.min(u16::MAX as u64) as u16).unwrap_or(0)
}

/// A migration step: turns the raw JSON of version `n` into the raw JSON of version `n + 1`.
pub type Migration = fn(Value) -> Result<Value, String>;

/// Why a record could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    #[error("unknown schema version {found} (this build reads up to {current})")]
    Unknown { found: u16, current: u16 },
    #[error("migration from schema version {from} failed: {reason}")]
    Migration { from: u16, reason: String },
    #[error("malformed record: {0}")]
    Malformed(String),
}

impl crate::UserMessage for SchemaError {
    fn message_de(&self) -> String {
        match self {
            SchemaError::Unknown { found, .. } => {
                format!("Dieser Datensatz stammt aus einer unbekannten Version ({found}). Bitte die App aktualisieren.")
            }
            SchemaError::Migration { .. } | SchemaError::Malformed(_) => {
                "Der Datensatz ist beschädigt und konnte nicht gelesen werden.".into()
            }
        }
    }
}

/// Reads a record: `migrations[i]` migrates version `i + 1` to `i + 2`, so a type at version `current`
/// has `current - 1` migrations. Version 0 (missing field) and versions above `current` are errors.
pub fn read_versioned<T: DeserializeOwned>(
    mut value: Value,
    current: u16,
    migrations: &[Migration],
) -> Result<T, SchemaError> {
    let found = version_of(&value);
    if found == 0 || found > current {
        return Err(SchemaError::Unknown { found, current });
    }
    let mut v = found;
    while v < current {
        let step = migrations
            .get(usize::from(v) - 1)
            .ok_or(SchemaError::Migration { from: v, reason: "no migration registered".into() })?;
        value = step(value).map_err(|reason| SchemaError::Migration { from: v, reason })?;
        v += 1;
        if let Some(obj) = value.as_object_mut() {
            obj.insert("schema".into(), Value::from(v));
        }
    }
    serde_json::from_value(value).map_err(|e| SchemaError::Malformed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, PartialEq, Deserialize)]
    struct V3 {
        schema: u16,
        full_name: String,
        count: u32,
    }

    fn v1_to_v2(mut v: Value) -> Result<Value, String> {
        let obj = v.as_object_mut().ok_or("not an object")?;
        let name = obj.remove("name").ok_or("name missing")?;
        obj.insert("full_name".into(), name);
        Ok(v)
    }
    fn v2_to_v3(mut v: Value) -> Result<Value, String> {
        v.as_object_mut().ok_or("not an object")?.entry("count").or_insert(json!(0));
        Ok(v)
    }
    const MIGRATIONS: &[Migration] = &[v1_to_v2, v2_to_v3];

    #[test]
    fn old_versions_are_migrated_step_by_step() {
        let old = json!({"schema": 1, "name": "A"});
        let r: V3 = read_versioned(old, 3, MIGRATIONS).unwrap();
        assert_eq!(r, V3 { schema: 3, full_name: "A".into(), count: 0 });
        let mid = json!({"schema": 2, "full_name": "B", "count": 4});
        let r: V3 = read_versioned(mid, 3, MIGRATIONS).unwrap();
        assert_eq!(r.count, 4);
    }

    #[test]
    fn unknown_missing_and_broken_versions_are_typed_errors() {
        let r: Result<V3, _> = read_versioned(json!({"schema": 4}), 3, MIGRATIONS);
        assert_eq!(r, Err(SchemaError::Unknown { found: 4, current: 3 }));
        let r: Result<V3, _> = read_versioned(json!({"name": "x"}), 3, MIGRATIONS);
        assert_eq!(r, Err(SchemaError::Unknown { found: 0, current: 3 }));
        let r: Result<V3, _> = read_versioned(json!({"schema": 1}), 3, MIGRATIONS);
        assert!(matches!(r, Err(SchemaError::Migration { from: 1, .. })));
        let r: Result<V3, _> = read_versioned(json!({"schema": 3, "full_name": 5}), 3, MIGRATIONS);
        assert!(matches!(r, Err(SchemaError::Malformed(_))));
        let r: Result<V3, _> = read_versioned(json!({"schema": 2, "full_name": "x"}), 3, &[]);
        assert!(matches!(r, Err(SchemaError::Migration { from: 2, .. })));
    }
}
