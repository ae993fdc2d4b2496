use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use passgenau_domain::case::{format_date_de, parse_iso_date, CaseId};
use passgenau_domain::consent::ConsentState;
use passgenau_domain::cooperation::{Referral, REFERRAL_SCHEMA_VERSION};
use serde_json::{json, Map, Value};

use super::{Loading, RequireSession};
use crate::state::use_app;
use crate::store;

/// A case's referrals to cooperation partners with their routing slips (*Laufzettel*, seed 003):
/// first contact, first session, intensity, end, result. Data go to a partner only under a valid
/// consent; without one, the family reports back itself. `/fall/kooperation?id=<case>`.
#[component]
pub fn CooperationPage() -> impl IntoView {
    let ctx = use_app();
    let query = use_query_map();
    let case_id = Memo::new(move |_| query.read().get("id").and_then(|id| CaseId::parse(&id).ok()));
    let case = ctx.from_device(None, move |kv| case_id.get().and_then(|id| store::case(kv, id.as_str())));
    let referrals = ctx.from_device(Vec::new(), move |kv| {
        case_id.get().map(|id| store::referrals(kv, &id)).unwrap_or_default()
    });
    let partners = ctx.from_device(Vec::new(), |kv| {
        store::partners(kv).into_iter().filter(|p| !p.inactive).collect::<Vec<_>>()
    });
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);
    let chosen = RwSignal::new(String::new());
    let purpose = RwSignal::new(String::new());
    let day = RwSignal::new(crate::util::today_iso());

    let refer = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(case_id) = case_id.get_untracked() else { return };
        let Some(p) = partners.get_untracked().into_iter().find(|p| p.id == chosen.get_untracked()) else {
            error.set(Some("Bitte einen Kooperationspartner wählen.".into()));
            return;
        };
        let Ok(on) = parse_iso_date(&day.get_untracked()) else {
            error.set(Some("Bitte das Datum der Vermittlung eingeben.".into()));
            return;
        };
        #[cfg(feature = "hydrate")]
        {
            use passgenau_domain::UserMessage;
            let Some(kv) = crate::kv::device() else { return };
            let with_consent = store::consents(&kv, &case_id)
                .iter()
                .any(|c| c.is_for(&p.name) && c.state_on(on) == ConsentState::Valid);
            let r = Referral {
                schema: REFERRAL_SCHEMA_VERSION,
                id: crate::util::new_uuid().unwrap_or_default(),
                case_id: case_id.clone(),
                partner_id: p.id.clone(),
                partner_name: p.name.clone(),
                form: p.form,
                referred_on: on,
                purpose: purpose.get_untracked().trim().to_owned(),
                with_consent,
                first_contact_on: None,
                first_session_on: None,
                intensity: String::new(),
                ended_on: None,
                result: String::new(),
                report_received: false,
            };
            match r.validate().map_err(|e| e.message_de()).and_then(|()| {
                store::add_referral(&kv, &r, &crate::util::now_iso()).map_err(|e| e.message_de())
            }) {
                Ok(()) => {
                    error.set(None);
                    saved.set(Some(if with_consent {
                        format!("An „{}“ vermittelt. Eine gültige Einwilligung deckt den Austausch.", p.name)
                    } else {
                        format!("An „{}“ vermittelt, ohne Einwilligung: Es gehen keine Daten an den Partner; die Familie meldet sich selbst zurück.", p.name)
                    }));
                    purpose.set(String::new());
                    ctx.touch();
                }
                Err(m) => error.set(Some(m)),
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (p, on, case_id, ConsentState::Valid, REFERRAL_SCHEMA_VERSION);
    };
    let case_link = move || format!("/fall?id={}", case_id.get().map(|c| c.to_string()).unwrap_or_default());
    let consent_link = move || {
        format!("/fall/einwilligungen?id={}", case_id.get().map(|c| c.to_string()).unwrap_or_default())
    };

    view! {
        <RequireSession/>
        <Show when=move || ctx.mounted.get() fallback=|| view! { <Loading/> }>
            <section class="cooperation">
                <p><a href=case_link>"← Zum Fall"</a></p>
                <h1>"Kooperation und Laufzettel"</h1>
                <p class="subtitle">{move || case.get().map(|c| c.label.as_str().to_owned())}</p>
                {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                {move || saved.get().map(|m| view! { <p class="saved" role="status">{m}</p> })}
                <Show when=move || !referrals.get().is_empty() fallback=|| view! { <p>"Noch keine Vermittlung."</p> }>
                    <For each=move || referrals.get() key=|r| r.id.clone() let:r>
                        <Laufzettel referral_id=r.id.clone() case_id error/>
                    </For>
                </Show>
                <form class="add" on:submit=refer>
                    <h2>"An einen Partner vermitteln"</h2>
                    <Show when=move || !partners.get().is_empty()
                        fallback=|| view! { <p class="hint">"Das Team hat noch keine Kooperationspartner. "<a href="/partner">"Partner erfassen"</a></p> }>
                        <label for="vm-partner">"Kooperationspartner"</label>
                        <select id="vm-partner" on:change=move |ev| chosen.set(event_target_value(&ev))>
                            <option value="" selected=move || chosen.get().is_empty()>"– bitte wählen –"</option>
                            {move || partners.get().into_iter().map(|p| {
                                let id = p.id.clone();
                                view! { <option value=p.id.clone() selected=move || chosen.get() == id>{format!("{} ({})", p.name, p.form.label_de())}</option> }
                            }).collect_view()}
                        </select>
                    </Show>
                    <label for="vm-zweck">"Auftrag / Anliegen"</label>
                    <input id="vm-zweck" prop:value=move || purpose.get() on:input=move |ev| purpose.set(event_target_value(&ev))/>
                    <label for="vm-datum">"Vermittelt am"</label>
                    <input id="vm-datum" type="date" prop:value=move || day.get() on:input=move |ev| day.set(event_target_value(&ev))/>
                    <p class="hint">"Daten gehen an den Partner nur mit gültiger Einwilligung für diesen Partner. "<a href=consent_link>"Einwilligungen"</a></p>
                    <p><button type="submit" class="primary">"Vermitteln"</button></p>
                    <p><a href="/partner">"Kooperationspartner des Teams"</a></p>
                </form>
            </section>
        </Show>
    }
    .into_any()
}

/// One referral with its routing slip, each entry saved at once.
#[component]
fn Laufzettel(
    referral_id: String,
    case_id: Memo<Option<CaseId>>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let ctx = use_app();
    let rid = referral_id.clone();
    let referral = ctx.from_device(None::<Referral>, move |kv| {
        let c = case_id.get()?;
        store::referrals(kv, &c).into_iter().find(|r| r.id == rid)
    });
    let save = move |field: &'static str, value: Value| {
        let fields = Map::from_iter([(field.to_owned(), value)]);
        #[cfg(feature = "hydrate")]
        {
            let Some(kv) = crate::kv::device() else { return };
            let Some(r) = referral.get_untracked() else { return };
            ctx.settle(store::edit_referral(&kv, &r.id, fields, &crate::util::now_iso()), error);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (fields, &error);
    };
    let date_field = move |field: &'static str, label: &'static str| {
        let fid = format!("lz-{field}-{referral_id}");
        let value = move || {
            referral
                .get()
                .and_then(|r| match field {
                    "first_contact_on" => r.first_contact_on,
                    "first_session_on" => r.first_session_on,
                    _ => r.ended_on,
                })
                .map(|d| d.to_string())
                .unwrap_or_default()
        };
        view! {
            <label for=fid.clone()>{label}</label>
            <input id=fid type="date" prop:value=value on:change=move |ev| {
                let v = event_target_value(&ev);
                save(field, if v.trim().is_empty() { Value::Null } else { json!(v) });
            }/>
        }
    };
    let text_id =
        |what: &str| format!("lz-{what}-{}", referral.get_untracked().map(|r| r.id).unwrap_or_default());
    let (intensity_id, result_id, report_id) =
        (text_id("intensitaet"), text_id("ergebnis"), text_id("bericht"));
    view! {
        <article class="laufzettel" data-testid="referral">
            {move || referral.get().map(|r| view! {
                <h2>{r.partner_name.clone()}</h2>
                <p class="meta" data-testid="referral-stage">{format!("{} · vermittelt am {} · {}", r.form.label_de(), format_date_de(r.referred_on), r.stage().label_de())}</p>
                {(!r.purpose.is_empty()).then(|| view! { <p>{format!("Anliegen: {}", r.purpose)}</p> })}
                <p class=if r.with_consent { "state ok" } else { "state off" } data-testid="referral-consent">{if r.with_consent {
                    "Datenaustausch mit Einwilligung."
                } else {
                    "Ohne Einwilligung: keine Daten an den Partner; Rückmeldungen nur über die Familie (Sachstandsbericht)."
                }}</p>
            })}
            <fieldset>
                <legend>"Laufzettel"</legend>
                {date_field("first_contact_on", "Kontakt aufgenommen am")}
                {date_field("first_session_on", "Erstberatung am")}
                <label for=intensity_id.clone()>"Beratungsintensität"</label>
                <input id=intensity_id prop:value=move || referral.get().map(|r| r.intensity).unwrap_or_default()
                    on:change=move |ev| save("intensity", json!(event_target_value(&ev).trim()))/>
                {date_field("ended_on", "Abgeschlossen am")}
                <label for=result_id.clone()>"Ergebnis"</label>
                <textarea id=result_id rows="2" prop:value=move || referral.get().map(|r| r.result).unwrap_or_default()
                    on:input=move |ev| save("result", json!(event_target_value(&ev)))></textarea>
                <label class="check">
                    <input id=report_id type="checkbox" prop:checked=move || referral.get().is_some_and(|r| r.report_received)
                        on:change=move |ev| save("report_received", json!(event_target_checked(&ev)))/>
                    "Schriftlicher Bericht liegt vor"
                </label>
            </fieldset>
        </article>
    }
}
