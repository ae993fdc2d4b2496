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
        (pending, rejected, store::export_unsent(kv))
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
                <ImportFile/>
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
            <ExportFile data=data/>
        </Show>
    }
    .into_any()
}

/// Saves the unsent changes as a file encrypted with a passphrase the user chooses: the file may be
/// carried and kept outside the browser, and opens only with that passphrase (here, "Wiederherstellen").
#[component]
fn ExportFile(data: Data) -> impl IntoView {
    let pass = NodeRef::<leptos::html::Input>::new();
    let message = RwSignal::new(None::<String>);
    let link = NodeRef::<leptos::html::A>::new();
    let href = RwSignal::new(String::new());
    let export = move |_| {
        let phrase = pass.get_untracked().map(|e| e.value()).unwrap_or_default();
        if phrase.chars().count() < 8 {
            message.set(Some("Bitte ein Passwort mit mindestens 8 Zeichen für die Datei wählen.".into()));
            return;
        }
        message.set(None);
        let json = data.get_untracked().2;
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            match crate::vault::seal_file(&phrase, &json).await {
                Ok(sealed) => {
                    href.set(download_href(&sealed));
                    // The file leaves the app: the audit log learns which cases went with it.
                    log_export();
                    if let Some(a) = link.get_untracked() {
                        a.set_href(&href.get_untracked());
                        a.click();
                    }
                    message.set(Some("Die verschlüsselte Datei wurde gespeichert.".into()));
                }
                Err(e) => message.set(Some(e.message_de())),
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = (json, link, href);
    };
    view! {
        <div class="export">
            <label for="datei-passwort">"Passwort für die Datei (mindestens 8 Zeichen)"</label>
            <input id="datei-passwort" type="password" autocomplete="new-password" node_ref=pass/>
            <button type="button" class="button" on:click=export>"Verschlüsselt herunterladen"</button>
            <a class="hidden-link" download="passgenau-nicht-uebertragen.passgenau" node_ref=link
                href=move || href.get() tabindex="-1" aria-hidden="true"></a>
            {move || message.get().map(|m| view! { <p role="status">{m}</p> })}
        </div>
    }
}

/// Takes a file of unsent changes (from this or a lost device) back into this device's queue.
#[component]
fn ImportFile() -> impl IntoView {
    let ctx = use_app();
    let file = NodeRef::<leptos::html::Input>::new();
    let pass = NodeRef::<leptos::html::Input>::new();
    let message = RwSignal::new(None::<String>);
    let import = move |_| {
        #[cfg(feature = "hydrate")]
        {
            use passgenau_domain::UserMessage;
            let phrase = pass.get_untracked().map(|e| e.value()).unwrap_or_default();
            let Some(f) = file.get_untracked().and_then(|e| e.files()).and_then(|l| l.get(0)) else {
                message.set(Some("Bitte eine Datei wählen.".into()));
                return;
            };
            leptos::task::spawn_local(async move {
                let text =
                    wasm_bindgen_futures::JsFuture::from(f.text()).await.ok().and_then(|t| t.as_string());
                let Some(text) = text else {
                    message.set(Some("Die Datei kann nicht gelesen werden.".into()));
                    return;
                };
                let plain = match crate::vault::open_file(&phrase, &text).await {
                    Ok(p) => p,
                    Err(_) => {
                        message.set(Some(
                            "Das Passwort passt nicht zu dieser Datei, oder die Datei ist beschädigt.".into(),
                        ));
                        return;
                    }
                };
                let Some(kv) = crate::kv::device() else { return };
                match store::import_unsent(&kv, &plain, &crate::util::now_iso()) {
                    Ok((taken, skipped)) => {
                        message.set(Some(format!(
                            "{taken} Änderungen übernommen{}. Sie gehen beim nächsten Synchronisieren an den Server.",
                            if skipped > 0 { format!(", {skipped} waren schon vorhanden") } else { String::new() }
                        )));
                        ctx.touch();
                    }
                    Err(e) => message.set(Some(e.message_de())),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ctx, file, pass);
    };
    view! {
        <h2>"Aus Datei wiederherstellen"</h2>
        <div class="import">
            <label for="datei-import">"Verschlüsselte Datei mit nicht übertragenen Änderungen"</label>
            <input id="datei-import" type="file" accept=".passgenau,application/json" node_ref=file/>
            <label for="datei-import-passwort">"Passwort der Datei"</label>
            <input id="datei-import-passwort" type="password" autocomplete="off" node_ref=pass/>
            <button type="button" class="button" on:click=import>"Wiederherstellen"</button>
            {move || message.get().map(|m| view! { <p role="status" data-testid="import-result">{m}</p> })}
        </div>
    }
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
        RecordKind::Consent => of_case("Einwilligung"),
        RecordKind::Hilfeplan => of_case("Hilfeplan"),
        RecordKind::Evaluation => of_case("Bewertung"),
        RecordKind::Questionnaire => of_case("Fragebogen"),
        RecordKind::Partner => "Kooperationspartner".to_owned(),
        RecordKind::Referral => of_case("Vermittlung"),
        RecordKind::Kinderschutz => of_case("§ 8a-Einschätzung"),
        RecordKind::SozialraumOffer => "Angebot im Sozialraum".to_owned(),
        RecordKind::SozialraumBudget => "Sozialraumbudget".to_owned(),
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

/// A `data:` link to a file (the encrypted unsent changes), so the user can keep it outside the browser.
#[cfg(feature = "hydrate")]
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

#[cfg(feature = "hydrate")]
fn download_href(json: &str) -> String {
    format!("data:application/json;charset=utf-8,{}", String::from(js_sys::encode_uri_component(json)))
}
