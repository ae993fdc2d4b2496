//! Which parts of the device store a view read and which a change wrote, so that a keystroke
//! recomputes only the views that read what it changed, not every summary on the page.
//!
//! A *topic* is the record kind of a record key (`pg1:rec:visit:…` is `rec:visit`) or the first
//! segment of any other key of the store (`pg1:mut:…` is `mut`, `pg1:session` is `session`). A read
//! of a prefix wider than one topic (`pg1:`, `pg1:rec:`) and a change of the whole store (unlock,
//! lock, erase) stand for every topic.
//!
//! [`crate::kv`] reports reads and changes here; [`crate::state::AppCtx::from_device`] collects the
//! reads of one view value and [`crate::state::AppCtx::touch`] hands out the changes.

use std::cell::RefCell;
use std::collections::BTreeSet;

/// A set of topics, or all of them.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Topics {
    pub all: bool,
    pub named: BTreeSet<String>,
}

impl Topics {
    fn add(&mut self, topic: Option<&str>) {
        match topic {
            _ if self.all => {}
            Some(t) => {
                if !self.named.contains(t) {
                    self.named.insert(t.to_owned());
                }
            }
            None => {
                self.all = true;
                self.named.clear();
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        !self.all && self.named.is_empty()
    }
}

/// The topic of `key`, or with `prefix` of every key that starts with it; `None`: every topic.
pub fn topic(key: &str, prefix: bool) -> Option<&str> {
    let rest = key.strip_prefix(crate::store::PREFIX)?;
    let (head, tail) = match rest.strip_prefix("rec:") {
        Some(tail) => (4, tail),
        None => (0, rest),
    };
    match tail.find(':') {
        Some(i) => Some(&rest[..head + i]),
        None if !prefix && !tail.is_empty() => Some(rest),
        None => None,
    }
}

thread_local! {
    /// One entry per view value being computed (innermost last).
    static READING: RefCell<Vec<Topics>> = const { RefCell::new(Vec::new()) };
    /// What changed since the views were last told.
    static CHANGED: RefCell<Topics> = RefCell::new(Topics::default());
}

/// Notes a read of `key` (or of the keys under the prefix `key`) for the value being computed.
pub fn read(key: &str, prefix: bool) {
    READING.with(|r| {
        if let Some(top) = r.borrow_mut().last_mut() {
            top.add(topic(key, prefix));
        }
    });
}

/// Notes a change of `key`.
pub fn changed(key: &str) {
    CHANGED.with(|c| c.borrow_mut().add(topic(key, false)));
}

/// Notes a change of the whole store.
pub fn changed_all() {
    CHANGED.with(|c| c.borrow_mut().add(None));
}

/// Runs `f` and returns what it read of the store.
pub fn reading<T>(f: impl FnOnce() -> T) -> (T, Topics) {
    READING.with(|r| r.borrow_mut().push(Topics::default()));
    let value = f();
    let read = READING.with(|r| r.borrow_mut().pop()).unwrap_or_default();
    (value, read)
}

/// What changed since the last call.
pub fn take_changed() -> Topics {
    CHANGED.with(|c| std::mem::take(&mut *c.borrow_mut()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kv::{Kv, MemKv};

    #[test]
    fn a_record_key_belongs_to_its_kind_and_any_other_key_to_its_first_segment() {
        assert_eq!(topic("pg1:rec:visit:0b5e", false), Some("rec:visit"));
        assert_eq!(topic("pg1:rec:visit:", true), Some("rec:visit"));
        assert_eq!(topic("pg1:mut:000000000012", false), Some("mut"));
        assert_eq!(topic("pg1:mut:", true), Some("mut"));
        assert_eq!(topic("pg1:session", false), Some("session"));
        assert_eq!(topic("pg1:catalog:v", false), Some("catalog"));
        assert_eq!(topic("pg1:catalog", false), Some("catalog"));
        // Wider than one topic, or outside the store: everything.
        assert_eq!(topic("pg1:", true), None);
        assert_eq!(topic("pg1:rec:", true), None);
        assert_eq!(topic("pg1:rec:vis", true), None);
        assert_eq!(topic("pg1:cat", true), None);
        assert_eq!(topic("other", false), None);
    }

    #[test]
    fn a_value_depends_on_what_it_read_and_a_change_names_what_it_wrote() {
        let kv = MemKv::default();
        take_changed();
        kv.set("pg1:rec:case:1", "{}").unwrap();
        kv.set("pg1:mut:000000000001", "{}").unwrap();
        assert_eq!(
            take_changed(),
            Topics { all: false, named: ["mut".to_owned(), "rec:case".to_owned()].into() }
        );
        assert!(take_changed().is_empty());

        let ((), outer) = reading(|| {
            kv.get("pg1:rec:case:1");
            // A value computed inside another one reads for itself.
            let ((), inner) = reading(|| {
                kv.keys("pg1:rec:visit:");
            });
            assert_eq!(inner.named, ["rec:visit".to_owned()].into());
            kv.keys("pg1:mut:");
        });
        assert_eq!(outer, Topics { all: false, named: ["mut".to_owned(), "rec:case".to_owned()].into() });

        let ((), wide) = reading(|| {
            kv.get("pg1:session");
            kv.keys("pg1:");
            kv.get("pg1:rec:goals:1");
        });
        assert!(wide.all && wide.named.is_empty());

        kv.remove("pg1:rec:case:1");
        changed_all();
        assert!(take_changed().all);
    }
}
