use leptos::prelude::*;
use passgenau_domain::case::{format_date_de, parse_iso_date};
use passgenau_domain::money::{format_amount_de, format_eur_de, parse_eur_de};
use passgenau_domain::roles::{may, Permission};
use passgenau_domain::sozialraum::{
    budget_overview, Budget, Financing, Offer, OfferKind, BUDGET_SCHEMA_VERSION,
};
use serde_json::{json, Map};

use super::setting_composer::today_or;
use super::team_view::TableView;
use super::{Loading, RequireSession};
use crate::state::use_app;
use crate::store;

/// Case-independent community work of the Sozialraumteam (seed 004): the team's offers and the
/// year's Sozialraumbudget, planned against spent, with a new offer's first data. `/sozialraum`.
#[component]
pub fn SozialraumPage() -> impl IntoView {
    let ctx = use_app();
    let offers = ctx.from_device(Vec::new(), |kv| store::offers(kv));
    let budgets = ctx.from_device(Vec::new(), |kv| store::budgets(kv));
    let today = today_or(time::macros::date!(2026 - 01 - 01));
    let year = RwSignal::new(today.year());
    let error = RwSignal::new(None::<String>);
    let overview = Memo::new(move |_| budget_overview(&offers.get(), &budgets.get(), year.get()).ok());
    let may_set_budget = move || ctx.session.get().is_some_and(|s| may(&s.role, Permission::ApproveSetting));

    let set_year = move |v: String| match v.trim().parse::<i32>() {
        Ok(y) if (2000..=2100).contains(&y) => {
            error.set(None);
            year.set(y);
        }
        _ => error.set(Some("Bitte ein Jahr zwischen 2000 und 2100 angeben.".into())),
    };
    // Enters the year's budget, or changes it when there is exactly one.
    let set_budget = move |amount: String| {
        let cents = match parse_eur_de(&amount) {
            Ok(c) => c,
            Err(_) => {
                error.set(Some("Bitte einen Betrag in Euro eingeben, z. B. 45.000,00.".into()));
                return;
            }
        };
        let existing = overview.get_untracked().map(|o| o.budgets).unwrap_or_default();
        let new_budget = Budget {
            schema: BUDGET_SCHEMA_VERSION,
            id: crate::util::new_uuid().unwrap_or_default(),
            year: year.get_untracked(),
            amount_cents: cents,
            note: String::new(),
        };
        #[cfg(feature = "hydrate")]
        {
            let Some(kv) = crate::kv::device() else { return };
            let now = crate::util::now_iso();
            let result = match existing.as_slice() {
                [] => store::add_budget(&kv, &new_budget, &now),
                [b] => store::edit_budget(
                    &kv,
                    &b.id,
                    Map::from_iter([("amount_cents".into(), json!(cents))]),
                    &now,
                ),
                _ => {
                    error.set(Some(
                        "Für dieses Jahr sind mehrere Beträge erfasst. Bitte zuerst den falschen löschen."
                            .into(),
                    ));
                    return;
                }
            };
            ctx.settle(result, error);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (existing, new_budget, json!(cents), Map::<String, serde_json::Value>::new());
    };
    let delete_budget = move |id: String| {
        #[cfg(feature = "hydrate")]
        {
            let Some(kv) = crate::kv::device() else { return };
            ctx.settle(store::delete_budget(&kv, &id, &crate::util::now_iso()), error);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = id;
    };

    view! {
        <RequireSession/>
        <Show when=move || ctx.mounted.get() fallback=|| view! { <Loading/> }>
            <section class="sozialraum">
                <h1>"Sozialraum: Angebote und Budget"</h1>
                <p class="hint">"Fallübergreifende Gemeinwesenarbeit des Sozialraumteams: Angebote für alle und Gruppenangebote zu Themen laufender Fälle, finanziert aus dem Sozialraumbudget (§ 74 oder § 77 SGB VIII)."</p>
                {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                <div class="row">
                    <div>
                        <label for="sr-jahr">"Jahr"</label>
                        <input id="sr-jahr" type="number" inputmode="numeric" min="2000" max="2100"
                            prop:value=move || year.get().to_string()
                            on:change=move |ev| set_year(event_target_value(&ev))/>
                    </div>
                </div>
                {move || overview.get().map(|o| {
                    let y = o.year;
                    let budget = o.budget_cents();
                    let several = o.budgets.len() > 1;
                    let entries = o.budgets.clone();
                    view! {
                        <section class="budget-summary" aria-label=format!("Sozialraumbudget {y}") data-testid="sr-budget">
                            <h2>{format!("Sozialraumbudget {y}")}</h2>
                            <dl class="figures">
                                <dt>"Budget"</dt>
                                <dd data-testid="sr-budget-amount">{match (budget, o.budgets.len()) {
                                    (Some(b), _) => format_eur_de(b),
                                    (None, 0) => "nicht erfasst".into(),
                                    (None, n) => format!("{n} Beträge erfasst"),
                                }}</dd>
                                <dt>"Geplant (Angebote)"</dt>
                                <dd data-testid="sr-planned">{format_eur_de(o.planned_cents)}</dd>
                                <dt>"Ausgegeben"</dt>
                                <dd data-testid="sr-spent">{format_eur_de(o.spent_cents)}</dd>
                                {budget.map(|b| view! {
                                    <dt>"Noch nicht verplant"</dt>
                                    <dd data-testid="sr-unplanned">{format_eur_de(b - o.planned_cents)}</dd>
                                    <dt>"Noch verfügbar (Budget − Ausgaben)"</dt>
                                    <dd data-testid="sr-available">{format_eur_de(b - o.spent_cents)}</dd>
                                })}
                            </dl>
                            {several.then(|| view! {
                                <ul class="consent-list">
                                    {entries.into_iter().map(|b| {
                                        let id = b.id.clone();
                                        view! {
                                            <li>{format!("Erfasst: {}", format_eur_de(b.amount_cents))}" "
                                                <Show when=may_set_budget>
                                                    <button type="button" on:click={let id = id.clone(); move |_| delete_budget(id.clone())}>"Diesen Betrag löschen"</button>
                                                </Show>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            })}
                            <Show when=may_set_budget
                                fallback=|| view! { <p class="hint">"Das Sozialraumbudget setzt das Jugendamt (ASD) oder die Teamleitung."</p> }>
                                <label for="sr-budget">{format!("Sozialraumbudget {y} (€)")}</label>
                                <input id="sr-budget" inputmode="decimal"
                                    prop:value=budget.map(format_amount_de).unwrap_or_default()
                                    on:change=move |ev| set_budget(event_target_value(&ev))/>
                            </Show>
                            {(!o.findings.is_empty()).then(|| view! {
                                <ul class="findings" data-testid="sr-findings">
                                    {o.findings.iter().map(|f| view! { <li class="finding warning">{f.clone()}</li> }).collect_view()}
                                </ul>
                            })}
                        </section>
                        <TableView key="sozialraum" title=format!("Geplant und ausgegeben {y}") table=o.table()/>
                    }
                })}
                <h2>"Angebote"</h2>
                <Show when=move || !offers.get().is_empty() fallback=|| view! { <p>"Noch keine Angebote."</p> }>
                    <ul class="consent-list" data-testid="sr-offers">
                        <For each=move || offers.get() key=|o| format!("{o:?}") let:o>
                            <OfferItem offer=o/>
                        </For>
                    </ul>
                </Show>
                <NewOffer error=error/>
            </section>
        </Show>
    }
    .into_any()
}

#[component]
fn OfferItem(offer: Offer) -> impl IntoView {
    let period = match offer.end_exclusive().and_then(|e| e.previous_day()) {
        Some(last) => format!("{} bis {}", format_date_de(offer.start), format_date_de(last)),
        None => format!("ab {}", format_date_de(offer.start)),
    };
    let score = offer.weighted_score().map(|w| w.label_de());
    let open = offer.findings_de().len();
    view! {
        <li data-testid="sr-offer">
            <p><a href=format!("/sozialraum/angebot?id={}", offer.id)><strong>{offer.title.clone()}</strong></a>
                {offer.ended_on.map(|d| format!(" · beendet am {}", format_date_de(d)))}</p>
            <p class="meta">{format!("{} · {} · {period}", offer.kind.label_de(), offer.financing.label_de())}</p>
            {score.map(|s| view! { <p>{format!("Kriterien: {s}")}</p> })}
            {(open > 0).then(|| view! { <p class="hint">{format!("{open} offene Hinweise")}</p> })}
        </li>
    }
}

/// The first data of a new offer; the rest is filled in on its own page.
#[component]
fn NewOffer(error: RwSignal<Option<String>>) -> impl IntoView {
    let ctx = use_app();
    let title = RwSignal::new(String::new());
    let kind = RwSignal::new(OfferKind::Offen);
    let financing = RwSignal::new(Financing::Zuschuss);
    let start = RwSignal::new(crate::util::today_iso());
    let months = RwSignal::new("12".to_owned());
    let navigate = leptos_router::hooks::use_navigate();
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        use passgenau_domain::UserMessage;
        let Ok(day) = parse_iso_date(&start.get_untracked()) else {
            error.set(Some("Bitte den geplanten Beginn als Datum angeben.".into()));
            return;
        };
        let Ok(duration) = months.get_untracked().trim().parse::<u32>() else {
            error.set(Some("Bitte die geplante Laufzeit in Monaten angeben.".into()));
            return;
        };
        let new_id = || crate::util::new_uuid().unwrap_or_default();
        let o = Offer::new(
            new_id(),
            &title.get_untracked(),
            kind.get_untracked(),
            financing.get_untracked(),
            day,
            duration,
            new_id,
        );
        if let Err(e) = o.validate() {
            error.set(Some(e.message_de()));
            return;
        }
        #[cfg(feature = "hydrate")]
        {
            let Some(kv) = crate::kv::device() else { return };
            match store::add_offer(&kv, &o, &crate::util::now_iso()) {
                Ok(()) => {
                    error.set(None);
                    ctx.touch();
                    navigate(&format!("/sozialraum/angebot?id={}", o.id), Default::default());
                }
                Err(e) => error.set(Some(e.message_de())),
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&navigate, ctx);
    };
    view! {
        <form class="add" on:submit=add>
            <h2>"Neues Angebot"</h2>
            <label for="sr-titel">"Titel"</label>
            <input id="sr-titel" prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev))/>
            <fieldset>
                <legend>"Art des Angebots"</legend>
                {OfferKind::ALL.into_iter().map(|k| view! {
                    <label class="check">
                        <input type="radio" name="sr-art" prop:checked=move || kind.get() == k on:change=move |_| kind.set(k)/>
                        <span>{k.label_de()}<br/><small>{k.hint_de()}</small></span>
                    </label>
                }).collect_view()}
            </fieldset>
            <fieldset>
                <legend>"Finanzierung"</legend>
                {Financing::ALL.into_iter().map(|f| view! {
                    <label class="check">
                        <input type="radio" name="sr-finanzierung" prop:checked=move || financing.get() == f on:change=move |_| financing.set(f)/>
                        <span>{f.label_de()}</span>
                    </label>
                }).collect_view()}
            </fieldset>
            <div class="row">
                <div>
                    <label for="sr-beginn">"Geplanter Beginn"</label>
                    <input id="sr-beginn" type="date" prop:value=move || start.get() on:change=move |ev| start.set(event_target_value(&ev))/>
                </div>
                <div>
                    <label for="sr-laufzeit">"Geplante Laufzeit (Monate)"</label>
                    <input id="sr-laufzeit" type="number" inputmode="numeric" min="1" max="60"
                        prop:value=move || months.get() on:input=move |ev| months.set(event_target_value(&ev))/>
                </div>
            </div>
            <p><button type="submit" class="primary">"Angebot anlegen"</button></p>
        </form>
    }
}
