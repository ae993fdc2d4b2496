use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use passgenau_domain::case::{format_date_de, CaseId};
use passgenau_domain::hilfeplan::{diff_lines, HilfeplanVersion, LineChange, Section};
use serde_json::{json, Map};

use super::{Loading, RequireSession};
use crate::state::use_app;
use crate::store;

/// The Hilfeplan of a case (§ 36 SGB VIII), `/fall/hilfeplan?id=<case>`: drafted from the case's
/// data, edited section by section (saved at once), continued as numbered Fortschreibungen with the
/// changes against the version before; printed or saved as a PDF made on the device, offline.
#[component]
pub fn HilfeplanPage() -> impl IntoView {
    let ctx = use_app();
    let query = use_query_map();
    let case_id = Memo::new(move |_| query.read().get("id").and_then(|id| CaseId::parse(&id).ok()));
    let case = ctx.from_device(None, move |kv| case_id.get().and_then(|id| store::case(kv, id.as_str())));
    let versions = ctx.from_device(Vec::new(), move |kv| {
        case_id.get().map(|id| store::hilfeplans(kv, &id)).unwrap_or_default()
    });
    // The version shown: the latest unless another is chosen.
    let chosen = RwSignal::new(None::<u32>);
    let shown = Memo::new(move |_| {
        let vs = versions.get();
        let n = chosen.get().unwrap_or_else(|| vs.last().map_or(0, |v| v.number));
        vs.into_iter().find(|v| v.number == n)
    });
    let previous = Memo::new(move |_| {
        let n = shown.get().map_or(0, |v| v.number);
        versions.get().into_iter().find(|v| v.number + 1 == n)
    });
    let is_latest =
        move || shown.get().is_some_and(|v| Some(v.number) == versions.get().last().map(|l| l.number));
    let error = RwSignal::new(None::<String>);
    let pdf_href = RwSignal::new(String::new());
    let pdf_link = NodeRef::<leptos::html::A>::new();

    // Drafts a new version (the first, or a Fortschreibung of the latest) from the device's data.
    let new_version = move |_| {
        #[cfg(feature = "hydrate")]
        {
            use passgenau_domain::case::parse_iso_date;
            use passgenau_domain::hilfeplan::{draft, DraftInput};
            use passgenau_domain::UserMessage;
            let (Some(kv), Some(id)) = (crate::kv::device(), case_id.get_untracked()) else { return };
            let Some(c) = store::case(&kv, id.as_str()) else { return };
            let Ok(today) = parse_iso_date(&crate::util::today_iso()) else { return };
            let setting = store::hilfesetting(&kv, &id);
            let goals = store::goals(&kv, &id);
            let clearing = store::clearing(&kv, &id).map(|(r, _)| r);
            let participants: Vec<String> =
                store::visits(&kv, id.as_str()).into_iter().flat_map(|v| v.participants).collect();
            let input = DraftInput {
                case: &c,
                setting: &setting,
                catalog: crate::catalog::catalog(),
                goals: &goals,
                clearing: clearing.as_ref(),
                visit_participants: participants,
                today,
            };
            let latest = store::hilfeplans(&kv, &id).pop();
            let v = draft(&input, latest.as_ref());
            let now = crate::util::now_iso();
            // Drafting the plan is the Hilfeplan review: record it, so rules, case list and team
            // view count the next review from today, as the plan says.
            let review =
                json!({"last_review": today.to_string(), "interval_months": setting.review.interval_months});
            let saved = store::add_hilfeplan(&kv, &v, &now).and_then(|()| {
                store::change_hilfesetting(&kv, &id, Map::from_iter([("review".to_owned(), review)]), &now)
            });
            match saved {
                Ok(()) => {
                    error.set(None);
                    chosen.set(None);
                    ctx.touch();
                }
                Err(e) => error.set(Some(e.message_de())),
            }
        }
    };
    let edit = move |fields: Map<String, serde_json::Value>| {
        #[cfg(feature = "hydrate")]
        {
            use passgenau_domain::UserMessage;
            let (Some(kv), Some(id), Some(v)) =
                (crate::kv::device(), case_id.get_untracked(), shown.get_untracked())
            else {
                return;
            };
            match store::edit_hilfeplan(&kv, &id, v.number, fields, &crate::util::now_iso()) {
                Ok(()) => {
                    error.set(None);
                    ctx.touch();
                }
                Err(e) => error.set(Some(e.message_de())),
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = fields;
    };
    let save_pdf = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let (Some(kv), Some(id), Some(v), Some(c)) =
                (crate::kv::device(), case_id.get_untracked(), shown.get_untracked(), case.get_untracked())
            else {
                return;
            };
            // Leaving the app as a file: logged like every export, and only made when logged.
            if let Err(e) = log_export(&kv, &id, v.number, "pdf") {
                error.set(Some(e));
                return;
            }
            let bytes = crate::hilfeplan_pdf::render(&c, &v, &store::goals(&kv, &id));
            pdf_href.set(format!("data:application/pdf;base64,{}", crate::b64::encode(&bytes)));
            if let Some(a) = pdf_link.get_untracked() {
                a.set_href(&pdf_href.get_untracked());
                a.click();
            }
        }
    };
    let print = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let (Some(kv), Some(id), Some(v)) =
                (crate::kv::device(), case_id.get_untracked(), shown.get_untracked())
            else {
                return;
            };
            if let Err(e) = log_export(&kv, &id, v.number, "druck") {
                error.set(Some(e));
                return;
            }
            if let Some(w) = web_sys::window() {
                let _ = w.print();
            }
        }
    };

    view! {
        <RequireSession/>
        <Show when=move || ctx.mounted.get() fallback=|| view! { <Loading/> }>
            <section class="hilfeplan">
                <p class="no-print"><a href=move || format!("/fall?id={}", case_id.get().map(|c| c.to_string()).unwrap_or_default())>"← Zum Fall"</a></p>
                <h1>"Hilfeplan"</h1>
                <p class="subtitle">{move || case.get().map(|c| c.label.as_str().to_owned())}</p>
                {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                <Show when=move || !versions.get().is_empty()
                    fallback=move || view! {
                        <p>"Noch kein Hilfeplan. Der Entwurf übernimmt Beteiligte, Hilfesetting, Ziele, Schritte und Termine aus dem Fall."</p>
                        <p><button type="button" class="primary" on:click=new_version>"Hilfeplan aus den Falldaten entwerfen"</button></p>
                    }>
                    <nav class="versions no-print" aria-label="Fassungen">
                        {move || versions.get().into_iter().map(|v| {
                            let n = v.number;
                            let current = move || shown.get().is_some_and(|s| s.number == n);
                            view! {
                                <button type="button" aria-pressed=move || current().to_string()
                                    on:click=move |_| chosen.set(Some(n))>
                                    {format!("Fassung {n} ({})", format_date_de(v.drafted_on))}
                                </button>
                            }
                        }).collect_view()}
                    </nav>
                    {move || shown.get().map(|v| view! {
                        <h2 data-testid="hilfeplan-version">{format!("Fassung {} vom {}", v.number, format_date_de(v.drafted_on))}</h2>
                    })}
                    <Show when=is_latest fallback=move || view! { <ReadOnly version=shown/> }>
                        <label for="hp-ueberpruefung">"Nächste Überprüfung"</label>
                        <input id="hp-ueberpruefung" type="date"
                            prop:value=move || shown.get().and_then(|v| v.next_review).map(|d| d.to_string()).unwrap_or_default()
                            on:change=move |ev| {
                                let s = event_target_value(&ev);
                                let value = if s.is_empty() { serde_json::Value::Null } else { json!(s) };
                                edit(Map::from_iter([("next_review".to_owned(), value)]));
                            }/>
                        {Section::ALL.into_iter().map(|s| {
                            let id = format!("hp-{}", s.key());
                            view! {
                                <label for=id.clone()>{s.title_de()}</label>
                                <textarea id=id rows="5" data-section=s.key()
                                    prop:value=move || shown.get().map(|v| v.text(s).to_owned()).unwrap_or_default()
                                    on:input=move |ev| edit(Map::from_iter([(s.field(), json!(event_target_value(&ev)))]))></textarea>
                            }
                        }).collect_view()}
                        <p class="saved no-print" aria-live="polite">"Jede Eingabe wird sofort auf diesem Gerät gespeichert."</p>
                    </Show>
                    <PrintView version=shown/>
                    <Changes version=shown previous=previous/>
                    <p class="no-print">
                        <button type="button" on:click=print>"Drucken"</button>
                        " "
                        <button type="button" on:click=save_pdf>"Als PDF speichern"</button>
                        <a class="hidden-link" node_ref=pdf_link tabindex="-1" aria-hidden="true"
                            download=move || format!("hilfeplan-fassung-{}.pdf", shown.get().map_or(0, |v| v.number))
                            href=move || pdf_href.get()></a>
                    </p>
                    <Show when=is_latest>
                        <p class="no-print"><button type="button" class="primary" on:click=new_version>"Fortschreibung anlegen"</button></p>
                        <p class="hint no-print">"Die Fortschreibung übernimmt die geschriebenen Abschnitte und entwirft Beteiligte, Hilfe, Umfang, Ziele, Schritte und Termine neu aus den Falldaten."</p>
                    </Show>
                </Show>
            </section>
        </Show>
    }
    .into_any()
}

/// Queues the audit event of a Hilfeplan leaving the app (`how`: "pdf" or "druck").
#[cfg(feature = "hydrate")]
fn log_export(kv: &dyn crate::kv::Kv, id: &CaseId, number: u32, how: &str) -> Result<(), String> {
    use passgenau_domain::UserMessage;
    store::record_audit_event_detail(
        kv,
        "case.export",
        id.as_str(),
        Some(&format!("hilfeplan={number}; {how}")),
        &crate::util::new_uuid().unwrap_or_default(),
        &crate::util::now_iso(),
    )
    .map_err(|e| format!("Der Hilfeplan wird nur mit Protokolleintrag ausgegeben. {}", e.message_de()))
}

/// An earlier version: read only.
#[component]
fn ReadOnly(version: Memo<Option<HilfeplanVersion>>) -> impl IntoView {
    view! {
        <div class="no-print" data-testid="hilfeplan-readonly">
            <p class="hint">"Frühere Fassung: nur lesbar."</p>
            {move || version.get().map(|v| v.sections.into_iter().map(|(s, t)| view! {
                <h3>{s.title_de()}</h3>
                <p class="section-text">{if t.trim().is_empty() { "–".to_owned() } else { t }}</p>
            }).collect_view())}
        </div>
    }
}

/// What the printer gets: the text of every section (form fields print badly).
#[component]
fn PrintView(version: Memo<Option<HilfeplanVersion>>) -> impl IntoView {
    view! {
        <div class="print-only">
            {move || version.get().map(|v| view! {
                <p>{v.next_review.map(|d| format!("Nächste Überprüfung: {}", format_date_de(d))).unwrap_or_default()}</p>
                {v.sections.into_iter().map(|(s, t)| view! {
                    <h3>{s.title_de()}</h3>
                    <p class="section-text">{if t.trim().is_empty() { "–".to_owned() } else { t }}</p>
                }).collect_view()}
            })}
        </div>
    }
}

/// The changes against the version before, section by section.
#[component]
fn Changes(
    version: Memo<Option<HilfeplanVersion>>,
    previous: Memo<Option<HilfeplanVersion>>,
) -> impl IntoView {
    let changed = move || {
        let (Some(v), Some(p)) = (version.get(), previous.get()) else { return None };
        let sections: Vec<(Section, Vec<LineChange>)> = Section::ALL
            .into_iter()
            .filter(|s| v.text(*s) != p.text(*s))
            .map(|s| (s, diff_lines(p.text(s), v.text(s))))
            .collect();
        Some((p.number, sections))
    };
    view! {
        {move || changed().map(|(n, sections)| view! {
            <details class="changes no-print" data-testid="hilfeplan-changes">
                <summary>{format!("Änderungen gegenüber Fassung {n} ({} Abschnitte)", sections.len())}</summary>
                {sections.into_iter().map(|(s, lines)| view! {
                    <h3>{s.title_de()}</h3>
                    <ul class="diff">
                        {lines.into_iter().filter(|l| !matches!(l, LineChange::Same(_))).map(|l| match l {
                            LineChange::Added(t) => view! { <li class="added"><span class="visually-hidden">"neu: "</span>{format!("+ {t}")}</li> }.into_any(),
                            LineChange::Removed(t) => view! { <li class="removed"><span class="visually-hidden">"entfallen: "</span>{format!("− {t}")}</li> }.into_any(),
                            LineChange::Same(_) => ().into_any(),
                        }).collect_view()}
                    </ul>
                }).collect_view()}
            </details>
        })}
    }
}
