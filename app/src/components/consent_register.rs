use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use passgenau_domain::case::{parse_iso_date, CaseId};
use passgenau_domain::consent::{Consent, ConsentForm, ConsentState, DataCategory, CONSENT_SCHEMA_VERSION};
use passgenau_domain::visit::PARTICIPANT_ROLES;

use super::visit_screen::de_day;
use super::{CategoryChoice, Loading, RequireSession};
use crate::state::use_app;
use crate::store;

/// The case's consent register (§ 67b SGB X): per cooperation partner which data, for which
/// purpose, given when, how and by whom, until when, and revocations. Consents are revoked, never
/// deleted. `/fall/einwilligungen?id=<case>`.
#[component]
pub fn ConsentRegister() -> impl IntoView {
    let ctx = use_app();
    let query = use_query_map();
    let case_id = Memo::new(move |_| query.read().get("id").and_then(|id| CaseId::parse(&id).ok()));
    let case = ctx.from_device(None, move |kv| case_id.get().and_then(|id| store::case(kv, id.as_str())));
    let consents = ctx.from_device(Vec::new(), move |kv| {
        case_id.get().map(|id| store::consents(kv, &id)).unwrap_or_default()
    });
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<String>);
    let today = crate::util::today_iso();

    let partner = RwSignal::new(String::new());
    let given_by = RwSignal::new(String::from(PARTICIPANT_ROLES[0]));
    let purpose = RwSignal::new(String::new());
    let given_on = RwSignal::new(today.clone());
    let form = RwSignal::new(ConsentForm::Schriftlich);
    let expires_on = RwSignal::new(String::new());
    let categories = RwSignal::new(Vec::<DataCategory>::new());

    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(case_id) = case_id.get_untracked() else { return };
        let Ok(given) = parse_iso_date(&given_on.get_untracked()) else {
            error.set(Some("Bitte das Datum der Einwilligung eingeben.".into()));
            return;
        };
        let expires = match expires_on.get_untracked().trim() {
            "" => None,
            s => match parse_iso_date(s) {
                Ok(d) => Some(d),
                Err(_) => {
                    error.set(Some(
                        "Bitte ein gültiges Ablaufdatum eingeben oder das Feld leer lassen.".into(),
                    ));
                    return;
                }
            },
        };
        let consent = Consent {
            schema: CONSENT_SCHEMA_VERSION,
            id: crate::util::new_uuid().unwrap_or_default(),
            case_id,
            partner: partner.get_untracked().trim().to_owned(),
            given_by: given_by.get_untracked(),
            categories: categories.get_untracked(),
            purpose: purpose.get_untracked().trim().to_owned(),
            given_on: given,
            form: form.get_untracked(),
            expires_on: expires,
            revoked_on: None,
        };
        use passgenau_domain::UserMessage;
        let valid = consent.validate().map_err(|e| error.set(Some(e.message_de()))).is_ok();
        #[cfg(feature = "hydrate")]
        if valid {
            let Some(kv) = crate::kv::device() else { return };
            match store::add_consent(&kv, &consent, &crate::util::now_iso()) {
                Ok(()) => {
                    error.set(None);
                    saved.set(Some(format!("Einwilligung für „{}“ erfasst.", consent.partner)));
                    partner.set(String::new());
                    purpose.set(String::new());
                    expires_on.set(String::new());
                    categories.set(Vec::new());
                    ctx.touch();
                }
                Err(e) => error.set(Some(e.message_de())),
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = valid;
    };
    let revoke = move |id: String| {
        #[cfg(feature = "hydrate")]
        {
            use passgenau_domain::UserMessage;
            let Some(kv) = crate::kv::device() else { return };
            let Ok(today) = parse_iso_date(&crate::util::today_iso()) else { return };
            // A consent dated ahead is revoked from its own first day (it never becomes valid).
            let day = case_id
                .get_untracked()
                .and_then(|c| store::consents(&kv, &c).into_iter().find(|x| x.id == id))
                .map_or(today, |c| today.max(c.given_on));
            match store::revoke_consent(&kv, &id, day, &crate::util::now_iso()) {
                Ok(()) => {
                    error.set(None);
                    saved.set(Some(
                        "Widerruf erfasst. Ab heute wird nichts mehr auf dieser Grundlage weitergegeben."
                            .into(),
                    ));
                    ctx.touch();
                }
                Err(e) => error.set(Some(e.message_de())),
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = id;
    };
    let today_date = parse_iso_date(&today).ok();

    view! {
        <RequireSession/>
        <Show when=move || ctx.mounted.get() fallback=|| view! { <Loading/> }>
            <section class="consents">
                <p><a href=move || format!("/fall?id={}", case_id.get().map(|c| c.to_string()).unwrap_or_default())>"← Zum Fall"</a></p>
                <h1>"Einwilligungen"</h1>
                <p class="subtitle">{move || case.get().map(|c| c.label.as_str().to_owned())}</p>
                <p class="hint">"Daten gehen an Kooperationspartner nur mit gültiger Einwilligung (§ 67b SGB X): vorher gegeben, schriftlich oder elektronisch, mit Datenarten, Empfänger und Zweck. Sie kann jederzeit widerrufen werden."</p>
                {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                {move || saved.get().map(|m| view! { <p class="saved" role="status">{m}</p> })}
                <Show when=move || !consents.get().is_empty()
                    fallback=|| view! { <p data-testid="no-consents">"Noch keine Einwilligung erfasst."</p> }>
                    <ul class="consent-list" data-testid="consents">
                        <For each=move || consents.get() key=|c| format!("{:?}", c) let:c>
                            {
                                let state = today_date.map(|d| c.state_on(d));
                                let state_text = match state {
                                    Some(ConsentState::Valid) | None => "gültig".to_owned(),
                                    Some(ConsentState::NotYet(d)) => format!("gilt ab {}", de_day(&d.to_string())),
                                    Some(ConsentState::Expired(d)) => format!("galt bis {}", de_day(&d.to_string())),
                                    Some(ConsentState::Revoked(d)) => format!("widerrufen am {}", de_day(&d.to_string())),
                                };
                                let valid = matches!(state, Some(ConsentState::Valid | ConsentState::NotYet(_)));
                                let id = c.id.clone();
                                let cats = c.categories.iter().map(|k| k.label_de()).collect::<Vec<_>>().join(", ");
                                view! {
                                    <li data-testid="consent">
                                        <p><strong>{c.partner.clone()}</strong>" · "<span class=if valid { "state ok" } else { "state off" }>{state_text}</span></p>
                                        <p class="meta">{format!("{} am {} ({}){}", c.given_by, de_day(&c.given_on.to_string()), c.form.label_de(),
                                            c.expires_on.map(|e| format!(", gültig bis {}", de_day(&e.to_string()))).unwrap_or_default())}</p>
                                        <p>{format!("Zweck: {}", c.purpose)}</p>
                                        <p>{format!("Datenarten: {cats}")}</p>
                                        <Show when=move || c.revoked_on.is_none()>
                                            {let id = id.clone(); view! {
                                                <button type="button" on:click=move |_| revoke(id.clone())>"Widerruf erfassen"</button>
                                            }}
                                        </Show>
                                    </li>
                                }
                            }
                        </For>
                    </ul>
                </Show>
                <form class="add" on:submit=add>
                    <h2>"Einwilligung erfassen"</h2>
                    <label for="ew-partner">"Kooperationspartner (Empfänger)"</label>
                    <input id="ew-partner" prop:value=move || partner.get() on:input=move |ev| partner.set(event_target_value(&ev))/>
                    <label for="ew-wer">"Wer willigt ein"</label>
                    <select id="ew-wer" on:change=move |ev| given_by.set(event_target_value(&ev))>
                        {PARTICIPANT_ROLES.iter().map(|r| view! { <option value=*r selected=move || given_by.get() == *r>{*r}</option> }).collect_view()}
                    </select>
                    <CategoryChoice categories=categories/>
                    <label for="ew-zweck">"Zweck"</label>
                    <input id="ew-zweck" prop:value=move || purpose.get() on:input=move |ev| purpose.set(event_target_value(&ev))/>
                    <label for="ew-datum">"Erteilt am"</label>
                    <input id="ew-datum" type="date" prop:value=move || given_on.get() on:input=move |ev| given_on.set(event_target_value(&ev))/>
                    <fieldset>
                        <legend>"Form"</legend>
                        {[ConsentForm::Schriftlich, ConsentForm::Elektronisch].into_iter().map(|f| view! {
                            <label class="check">
                                <input type="radio" name="ew-form" prop:checked=move || form.get() == f on:change=move |_| form.set(f)/>
                                {f.label_de()}
                            </label>
                        }).collect_view()}
                    </fieldset>
                    <label for="ew-bis">"Gültig bis (leer: bis auf Widerruf)"</label>
                    <input id="ew-bis" type="date" prop:value=move || expires_on.get() on:input=move |ev| expires_on.set(event_target_value(&ev))/>
                    <p><button type="submit" class="primary">"Einwilligung speichern"</button></p>
                </form>
            </section>
        </Show>
    }
    .into_any()
}
