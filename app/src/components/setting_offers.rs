use leptos::prelude::*;
use passgenau_domain::sozialraum::{OfferKind, OfferLink};

use super::setting_composer::{today_or, Computed, SettingActions};
use crate::state::use_app;
use crate::store;

/// The case's group offers of the Sozialraum (seed 004) in its Hilfesetting: taken in from the
/// team's running group offers, with the theme the case brings; paid from the Sozialraumbudget, they
/// add nothing to the case's cost.
#[component]
pub fn SettingOffers(computed: Memo<Option<Computed>>) -> impl IntoView {
    let ctx = use_app();
    let actions = expect_context::<SettingActions>();
    let today = today_or(time::macros::date!(2026 - 01 - 01));
    let linked = Memo::new(move |_| computed.get().map(|c| c.hs.offers).unwrap_or_default());
    // Group offers not ended and not yet over, not linked already.
    let available = ctx.from_device(Vec::new(), move |kv| {
        store::offers(kv)
            .into_iter()
            .filter(|o| o.kind == OfferKind::Gruppe && o.not_over_on(today))
            .collect::<Vec<_>>()
    });
    let choices = Memo::new(move |_| {
        let linked = linked.get();
        available.get().into_iter().filter(|o| linked.iter().all(|l| l.offer_id != o.id)).collect::<Vec<_>>()
    });
    let chosen = RwSignal::new(String::new());
    let theme = RwSignal::new(String::new());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let id = chosen.get_untracked();
        let Some(o) = choices.get_untracked().into_iter().find(|o| o.id == id) else {
            actions.error.set(Some("Bitte ein Gruppenangebot auswählen.".into()));
            return;
        };
        let link = OfferLink {
            offer_id: o.id.clone(),
            title: o.title.clone(),
            financing: o.financing,
            since: today.max(o.start),
            theme: theme.get_untracked().trim().to_owned(),
        };
        actions.link_offer(link);
        // Refused: what was chosen and typed stays.
        if actions.error.get_untracked().is_none() {
            chosen.set(String::new());
            theme.set(String::new());
        }
    };
    view! {
        <section class="setting-offers" aria-labelledby="sr-gruppen" data-testid="setting-offers">
            <h2 id="sr-gruppen">"Gruppenangebote im Sozialraum"</h2>
            <p class="hint">"Aus dem Sozialraumbudget finanziert: ohne Kosten für den Fall, aber Teil des Hilfesettings und des Hilfeplans."</p>
            <ul>
                <For each=move || linked.get() key=|l| format!("{l:?}") let:l>
                    {
                        let id = l.offer_id.clone();
                        view! {
                            <li data-testid="linked-offer">
                                <p>{l.line_de()}</p>
                                <button type="button" on:click=move |_| actions.unlink_offer(id.clone())>
                                    "Aus dem Hilfesetting nehmen"
                                </button>
                            </li>
                        }
                    }
                </For>
            </ul>
            <Show when=move || !choices.get().is_empty()
                fallback=|| view! { <p class="hint">"Keine weiteren laufenden Gruppenangebote. "<a href="/sozialraum">"Angebote im Sozialraum"</a></p> }>
                <form class="add" on:submit=add>
                    <label for="sr-gruppe">"Gruppenangebot"</label>
                    <select id="sr-gruppe" on:change=move |ev| chosen.set(event_target_value(&ev))>
                        <option value="" selected=move || chosen.get().is_empty()>"bitte wählen"</option>
                        {move || choices.get().into_iter().map(|o| {
                            let id = o.id.clone();
                            view! { <option value=o.id.clone() selected=move || chosen.get() == id>{format!("{} ({})", o.title, o.financing.short_de())}</option> }
                        }).collect_view()}
                    </select>
                    <label for="sr-thema">"Thema des Falls in der Gruppe"</label>
                    <input id="sr-thema" prop:value=move || theme.get() on:input=move |ev| theme.set(event_target_value(&ev))/>
                    <p><button type="submit">"In das Hilfesetting aufnehmen"</button></p>
                </form>
            </Show>
        </section>
    }
}
