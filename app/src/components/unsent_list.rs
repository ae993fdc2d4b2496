use leptos::prelude::*;
use passgenau_domain::conflict::field_label_de;
use passgenau_domain::sync::{Mutation, Op, RecordKind};

use super::{Loading, RequireSession};
use crate::kv::Kv;
use crate::state::use_app;
use crate::store;
use crate::util::format_timestamp_de;

/// What this device has not yet handed to the server, and what the server refused, with its reason.
#[component]
pub fn UnsentList() -> impl IntoView {
    let ctx = use_app();
    let data = ctx.from_device((Vec::new(), Vec::new(), String::new()), |kv| {
        let pending: Vec<(u64, String, String, String)> = store::pending(kv, usize::MAX)
            .iter()
            .map(|m| (m.id, format_timestamp_de(&m.client_time), record_label(kv, m), describe(m)))
            .collect();
        let rejected: Vec<(u64, String, String)> = store::rejections(kv)
            .into_iter()
            .map(|r| {
                let what = r
                    .mutation
                    .as_ref()
                    .map(|m| format!("{} – {}", record_label(kv, m), describe(m)))
                    .unwrap_or_else(|| format!("Änderung {}", r.rejection.mutation_id));
                (r.rejection.mutation_id, what, r.rejection.reason_de)
            })
            .collect();
        (pending, rejected, download_href(&store::export_unsent(kv)))
    });
    let dismiss = move |id: u64| {
        if let Some(kv) = crate::kv::device() {
            store::dismiss_rejection(&kv, id);
            ctx.touch();
        }
    };
    view! {
        <RequireSession/>
        <section class="unsent-page">
            <p><a href="/">"← Alle Fälle"</a></p>
            <h1>"Nicht übertragene Änderungen"</h1>
            <Show when=move || ctx.mounted.get() fallback=|| view! { <Loading/> }>
                <Pending data=data/>
                <Rejected data=data dismiss=dismiss/>
            </Show>
        </section>
    }
}

type Data = Memo<(Vec<(u64, String, String, String)>, Vec<(u64, String, String)>, String)>;

#[component]
fn Pending(data: Data) -> impl IntoView {
    view! {
        <Show when=move || !data.get().0.is_empty()
            fallback=|| view! { <p class="empty" data-testid="nothing-unsent">"Alle Änderungen sind beim Server."</p> }>
            <p>"Diese Änderungen sind auf diesem Gerät gespeichert und gehen beim nächsten Synchronisieren \
                an den Server. Sie können sie zusätzlich als Datei sichern."</p>
            <ol class="unsent-list" data-testid="unsent-list">
                <For each=move || data.get().0 key=|p| p.clone() let:p>
                    <li><span class="what">{format!("{} – {}", p.2, p.3)}</span>
                        <span class="meta">{p.1}</span></li>
                </For>
            </ol>
            // The file leaves the app: the audit log learns which cases went with it.
            <a class="button" download="passgenau-nicht-uebertragen.json"
                on:click=move |_| log_export()
                href=move || data.get().2>"Als Datei herunterladen"</a>
        </Show>
    }
    .into_any()
}

#[component]
fn Rejected(data: Data, dismiss: impl Fn(u64) + Copy + Send + Sync + 'static) -> impl IntoView {
    view! {
        <Show when=move || !data.get().1.is_empty()>
            <h2>"Vom Server abgelehnt"</h2>
            <p>"Diese Änderungen hat der Server nicht übernommen. Der Fall zeigt wieder den Stand des Servers."</p>
            <ul class="rejected-list" data-testid="rejected-list">
                <For each=move || data.get().1 key=|r| r.0 let:r>
                    <li>
                        <span class="what">{r.1.clone()}</span>
                        <span class="reason">{r.2.clone()}</span>
                        <button type="button" on:click=move |_| dismiss(r.0)>"Zur Kenntnis genommen"</button>
                    </li>
                </For>
            </ul>
        </Show>
    }
    .into_any()
}

fn record_label(kv: &dyn Kv, m: &Mutation) -> String {
    let case_label = |id: &str| store::case(kv, id).map(|c| c.label.as_str().to_owned());
    // Records that belong to a case name it: in the put itself, or as the prefix of their fixed id.
    let of_case = |what: &str| {
        let case_id =
            m.op.fields()
                .and_then(|f| f.get("case_id"))
                .and_then(|v| v.as_str())
                .unwrap_or_else(|| m.record_id.split('~').next().unwrap_or_default());
        match case_label(case_id) {
            Some(label) => format!("{what} zu {label}"),
            None => what.to_owned(),
        }
    };
    match m.kind {
        RecordKind::Case => case_label(&m.record_id).unwrap_or_else(|| "Gelöschter Fall".into()),
        RecordKind::Conflict => "Konflikt".into(),
        RecordKind::VisitNote => of_case("Besuchsnotiz"),
        RecordKind::Checklist => of_case("Checkliste"),
        RecordKind::Hilfesetting => of_case("Hilfesetting"),
        RecordKind::Visit => of_case("Hausbesuch"),
        RecordKind::Clearing => of_case("Clearing"),
        RecordKind::Goals => of_case("Ziele"),
    }
}

fn describe(m: &Mutation) -> String {
    match (&m.op, m.kind) {
        (Op::Delete, _) => "gelöscht".into(),
        (Op::Put { .. }, RecordKind::Conflict) => "Entscheidung getroffen".into(),
        (Op::Put { fields }, _) if fields.contains_key("schema") && fields.contains_key("id") => {
            "angelegt".into()
        }
        (Op::Put { fields }, kind) => {
            let names: Vec<String> = fields.keys().map(|f| field_label_de(kind, f)).collect();
            format!("geändert: {}", names.join(", "))
        }
    }
}

/// A `data:` link to the unsent changes as JSON, so the user can keep a copy outside the browser.
fn log_export() {
    #[cfg(feature = "hydrate")]
    if let Some(kv) = crate::kv::device() {
        for case in store::unsent_case_ids(&kv) {
            if let Some(id) = crate::util::new_uuid() {
                let _ = store::record_audit_event(&kv, "case.export", &case, &id, &crate::util::now_iso());
            }
        }
    }
}

fn download_href(json: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        format!("data:application/json;charset=utf-8,{}", String::from(js_sys::encode_uri_component(json)))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = json;
        String::new()
    }
}
