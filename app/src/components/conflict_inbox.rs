use leptos::prelude::*;
use passgenau_domain::case::{format_date_de, parse_iso_date};
use passgenau_domain::conflict::{field_label_de, Conflict, ConflictKind, Resolution, Side};
use serde_json::Value;

use super::{Loading, RequireSession};
use crate::state::use_app;
use crate::store;
use crate::util::format_timestamp_de;

/// Concurrent changes the server kept instead of dropping, until someone decides which stays.
#[component]
pub fn ConflictInbox() -> impl IntoView {
    let ctx = use_app();
    let conflicts = ctx.from_device(Vec::new(), store::open_conflicts);
    let error = RwSignal::new(None::<String>);
    view! {
        <RequireSession/>
        <section class="conflicts">
            <p><a href="/">"← Alle Fälle"</a></p>
            <h1>"Konflikte"</h1>
            <p>"Hier stehen Änderungen, die auf zwei Geräten gleichzeitig am selben Fall gemacht wurden. \
                Übernommen wurde die zuletzt übertragene; die andere ist nicht verloren. Bitte entscheiden Sie, \
                was gilt."</p>
            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            <Show when=move || ctx.mounted.get() fallback=|| view! { <Loading/> }>
                <Show when=move || !conflicts.get().is_empty()
                    fallback=|| view! { <p class="empty" data-testid="no-conflicts">"Keine offenen Konflikte."</p> }>
                    <ul class="conflict-list">
                        <For each=move || conflicts.get() key=|c| c.id.clone() let:c>
                            <ConflictItem conflict=c error=error/>
                        </For>
                    </ul>
                </Show>
            </Show>
        </section>
    }
}

#[component]
fn ConflictItem(conflict: Conflict, error: RwSignal<Option<String>>) -> impl IntoView {
    let ctx = use_app();
    let c = conflict;
    let my_client =
        crate::kv::device().and_then(|kv| store::meta(&kv)).map(|m| m.client_id).unwrap_or_default();
    let label = crate::kv::device()
        .and_then(|kv| store::case(&kv, &c.record_id))
        .map(|case| case.label.as_str().to_owned())
        .or_else(|| c.overwritten.value.get("label").and_then(Value::as_str).map(str::to_owned))
        .or_else(|| c.kept.value.get("label").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| "Fall".to_owned());
    let title = match c.kind {
        ConflictKind::Field => format!("{} in „{label}“", field_label_de(c.record_kind, &c.field)),
        ConflictKind::DeleteEdit => format!("„{label}“ gelöscht, während er bearbeitet wurde"),
        ConflictKind::EditDelete => format!("„{label}“ bearbeitet, nachdem er gelöscht wurde"),
    };
    let explain = match c.kind {
        ConflictKind::Field => format!(
            "{} und {} haben dieses Feld gleichzeitig geändert.",
            who(&c.kept, &my_client),
            who(&c.overwritten, &my_client)
        ),
        ConflictKind::DeleteEdit => format!(
            "{} hat den Fall gelöscht, ohne die Änderung von {} zu kennen. Der Fall ist zurzeit gelöscht.",
            who(&c.kept, &my_client),
            who(&c.overwritten, &my_client)
        ),
        ConflictKind::EditDelete => format!(
            "{} hatte den Fall gelöscht; {} hat ihn danach, ohne davon zu wissen, bearbeitet. Der Fall ist \
             dadurch wiederhergestellt.",
            who(&c.overwritten, &my_client),
            who(&c.kept, &my_client)
        ),
    };
    let mut choices: Vec<(Resolution, String)> = match c.kind {
        ConflictKind::Field => vec![
            (Resolution::Kept, keep_label(&c.kept, &my_client)),
            (Resolution::Overwritten, keep_label(&c.overwritten, &my_client)),
        ],
        ConflictKind::DeleteEdit => vec![
            (Resolution::Kept, "Löschung bestätigen".into()),
            (Resolution::Overwritten, "Fall wiederherstellen".into()),
        ],
        ConflictKind::EditDelete => vec![
            (Resolution::Kept, "Wiederhergestellt lassen".into()),
            (Resolution::Overwritten, "Erneut löschen".into()),
        ],
    };
    if c.can_keep_both() {
        choices.push((Resolution::Both, "Beide behalten".into()));
    }
    let sides = (c.kind == ConflictKind::Field).then(|| {
        let field = c.field.clone();
        view! {
            <div class="sides">
                <div class="side">
                    <h3>{format!("Übernommen: {}", who(&c.kept, &my_client))}</h3>
                    <p class="when">{format_timestamp_de(&c.kept.client_time)}</p>
                    <p class="value">{show_value(&field, &c.kept.value)}</p>
                </div>
                <div class="side">
                    <h3>{format!("Überschrieben: {}", who(&c.overwritten, &my_client))}</h3>
                    <p class="when">{format_timestamp_de(&c.overwritten.client_time)}</p>
                    <p class="value">{show_value(&field, &c.overwritten.value)}</p>
                </div>
            </div>
        }
        .into_any()
    });
    let id = c.id.clone();
    let case_link = format!("/fall?id={}", c.record_id);
    view! {
        <li class="conflict" data-testid="conflict">
            <h2>{title}</h2>
            <p>{explain}</p>
            {sides}
            <div class="actions">
                {choices
                    .into_iter()
                    .map(|(choice, text)| {
                        let id = id.clone();
                        let on_click = move |_| {
                            #[cfg(feature = "hydrate")]
                            {
                                use passgenau_domain::UserMessage;
                                let Some(kv) = crate::kv::device() else { return };
                                match store::resolve_conflict(&kv, &id, choice, &crate::util::now_iso()) {
                                    Ok(()) => {
                                        error.set(None);
                                        ctx.touch();
                                        ctx.sync_now();
                                    }
                                    Err(e) => error.set(Some(e.message_de())),
                                }
                            }
                            #[cfg(not(feature = "hydrate"))]
                            let _ = (&id, choice, &ctx, &error);
                        };
                        view! { <button type="button" on:click=on_click>{text}</button> }.into_any()
                    })
                    .collect_view()}
            </div>
            <p><a href=case_link>"Zum Fall"</a></p>
        </li>
    }
    .into_any()
}

fn who(side: &Side, my_client: &str) -> String {
    if !my_client.is_empty() && side.client_id == my_client {
        format!("Sie ({}, dieses Gerät)", side.by)
    } else {
        side.by.clone()
    }
}

fn keep_label(side: &Side, my_client: &str) -> String {
    if !my_client.is_empty() && side.client_id == my_client {
        "Meine Version behalten".into()
    } else {
        format!("Version von {} behalten", side.by)
    }
}

fn show_value(field: &str, v: &Value) -> String {
    match v {
        Value::String(s) if field == "start_date" => {
            parse_iso_date(s).map(format_date_de).unwrap_or_else(|_| s.clone())
        }
        Value::String(s) if s.is_empty() => "(leer)".into(),
        Value::String(s) => s.clone(),
        Value::Null => "(leer)".into(),
        other => other.to_string(),
    }
}
