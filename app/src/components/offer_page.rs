use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use passgenau_domain::case::format_date_de;
use passgenau_domain::money::{format_amount_de, format_eur_de, parse_eur_de, Cents};
use passgenau_domain::setting::parse_hours_de;
use passgenau_domain::sozialraum::{
    criterion_field, expense_field, Criterion, Expense, Financing, Offer, OfferKind, MAX_SCORE,
};
use passgenau_domain::team::hours_de;
use serde_json::{json, Map, Value};

use super::{Loading, RequireSession};
use crate::state::use_app;
use crate::store;

/// A number field that may stay empty: empty counts as 0, anything else must parse.
fn zero_if_empty<T: Default, E>(text: &str, parse: impl FnOnce(&str) -> Result<T, E>) -> Result<T, E> {
    if text.trim().is_empty() {
        Ok(T::default())
    } else {
        parse(text)
    }
}

/// One offer of the Sozialraumteam with the seed's three annexes: Maßnahmebeschreibung,
/// Kalkulationsbogen and weighted criteria; what was spent on it, and (for a group offer) the cases
/// on this device that take part. Every change is saved at once. `/sozialraum/angebot?id=<offer>`.
#[component]
pub fn OfferPage() -> impl IntoView {
    let ctx = use_app();
    let query = use_query_map();
    let id = Memo::new(move |_| query.read().get("id").unwrap_or_default());
    let offer = ctx.from_device(None, move |kv| store::offer(kv, &id.get()));
    let cases = ctx.from_device(Vec::new(), move |kv| {
        store::cases_in_offer(kv, &id.get())
            .into_iter()
            .map(|(c, l)| (c.id.to_string(), c.label.as_str().to_owned(), l.since))
            .collect::<Vec<_>>()
    });
    let error = RwSignal::new(None::<String>);

    let save = move |fields: Map<String, Value>| {
        #[cfg(feature = "hydrate")]
        {
            let Some(kv) = crate::kv::device() else { return };
            ctx.settle(store::edit_offer(&kv, &id.get_untracked(), fields, &crate::util::now_iso()), error);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = fields;
    };
    let save1 = move |field: &str, value: Value| save(Map::from_iter([(field.to_owned(), value)]));
    let set_amount = move |field: &'static str, text: String| {
        let parsed = zero_if_empty(&text, parse_eur_de);
        match parsed {
            Ok(c) => save1(field, json!(c)),
            Err(_) => error.set(Some("Bitte einen Betrag in Euro eingeben, z. B. 1.200,00.".into())),
        }
    };
    let set_hours = move |field: &'static str, text: String| {
        let parsed = zero_if_empty(&text, parse_hours_de);
        match parsed {
            Ok(m) => save1(field, json!(m)),
            Err(_) => error.set(Some("Bitte Stunden als Zahl eingeben, z. B. 40 oder 1,5.".into())),
        }
    };
    let text = move |f: fn(&Offer) -> String| move || offer.get().map(|o| f(&o)).unwrap_or_default();
    let amount = move |f: fn(&Offer) -> Cents| {
        move || offer.get().map(|o| format_amount_de(f(&o))).unwrap_or_default()
    };
    // Ending records the day (the months after it are no longer planned); taking it up again clears it.
    let toggle_ended = move |_| {
        if let Some(o) = offer.get_untracked() {
            let day = if o.ended_on.is_some() { Value::Null } else { json!(crate::util::today_iso()) };
            save1("ended_on", day);
        }
    };
    // Only in the browser: a thread-local value must not exist in server rendering, where the
    // render's owner is cleaned up on whichever thread the task ends on.
    #[cfg(feature = "hydrate")]
    let navigate = StoredValue::new_local(leptos_router::hooks::use_navigate());
    // Only an offer nothing refers to yet: no expense, no case on this device.
    let deletable =
        move || offer.get().is_some_and(|o| o.expenses.is_empty()) && cases.with(|c| c.is_empty());
    let delete = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let Some(kv) = crate::kv::device() else { return };
            match store::delete_offer(&kv, &id.get_untracked(), &crate::util::now_iso()) {
                Ok(()) => {
                    ctx.touch();
                    navigate.with_value(|n| n("/sozialraum", Default::default()));
                }
                Err(e) => {
                    use passgenau_domain::UserMessage;
                    error.set(Some(e.message_de()));
                }
            }
        }
    };

    view! {
        <RequireSession/>
        <Show when=move || ctx.mounted.get() fallback=|| view! { <Loading/> }>
            <Show when=move || offer.get().is_some()
                fallback=|| view! {
                    <section><h1>"Angebot nicht gefunden"</h1>
                        <p>"Dieses Angebot ist auf diesem Gerät nicht vorhanden. "<a href="/sozialraum">"Zu den Angeboten"</a></p></section>
                }>
                <section class="offer">
                    <p><a href="/sozialraum">"← Angebote und Budget"</a></p>
                    <h1>{text(|o| o.title.clone())}</h1>
                    <p class="subtitle">{move || offer.get().map(|o| format!("{} · {}{}", o.kind.label_de(), o.financing.label_de(), o.ended_on.map(|d| format!(" · beendet am {}", format_date_de(d))).unwrap_or_default()))}</p>
                    {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                    <p class="saved" aria-live="polite">"Jede Eingabe wird sofort auf diesem Gerät gespeichert."</p>
                    {move || {
                        let f = offer.get().map(|o| o.findings_de()).unwrap_or_default();
                        (!f.is_empty()).then(|| view! {
                            <ul class="findings" data-testid="offer-findings">
                                {f.into_iter().map(|l| view! { <li class="finding warning">{l}</li> }).collect_view()}
                            </ul>
                        })
                    }}

                    <form class="offer-form" on:submit=|ev| ev.prevent_default()>
                        <h2>"Anlage 1: Maßnahmebeschreibung"</h2>
                        <label for="an-titel">"Titel"</label>
                        <input id="an-titel" prop:value=text(|o| o.title.clone()) on:change=move |ev| save1("title", json!(event_target_value(&ev).trim()))/>
                        <label for="an-art">"Art des Angebots"</label>
                        <select id="an-art" on:change=move |ev| { if let Some(k) = OfferKind::parse(&event_target_value(&ev)) { save1("kind", json!(k)) } }>
                            {OfferKind::ALL.into_iter().map(|k| view! {
                                <option value=k.key() selected=move || offer.get().is_some_and(|o| o.kind == k)>{k.label_de()}</option>
                            }).collect_view()}
                        </select>
                        <label for="an-finanzierung">"Finanzierung"</label>
                        <select id="an-finanzierung" on:change=move |ev| { if let Some(f) = Financing::parse(&event_target_value(&ev)) { save1("financing", json!(f)) } }>
                            {Financing::ALL.into_iter().map(|f| view! {
                                <option value=f.key() selected=move || offer.get().is_some_and(|o| o.financing == f)>{f.label_de()}</option>
                            }).collect_view()}
                        </select>
                        <label for="an-traeger">"Durchgeführt von (hauptamtliche Fachkräfte)"</label>
                        <input id="an-traeger" prop:value=text(|o| o.provider.clone()) on:change=move |ev| save1("provider", json!(event_target_value(&ev).trim()))/>
                        <label for="an-bedarfe">"Bedarfe und Ergebnis der Bedarfsanalyse"</label>
                        <textarea id="an-bedarfe" rows="4" prop:value=text(|o| o.needs.clone()) on:change=move |ev| save1("needs", json!(event_target_value(&ev)))></textarea>
                        <div class="row">
                            <div>
                                <label for="an-beginn">"Geplanter Beginn"</label>
                                <input id="an-beginn" type="date" prop:value=text(|o| o.start.to_string())
                                    on:change=move |ev| { let v = event_target_value(&ev); if !v.is_empty() { save1("start", json!(v)) } }/>
                            </div>
                            <div>
                                <label for="an-laufzeit">"Geplante Laufzeit (Monate)"</label>
                                <input id="an-laufzeit" type="number" inputmode="numeric" min="1" max="60" prop:value=text(|o| o.duration_months.to_string())
                                    on:change={move |ev| match event_target_value(&ev).trim().parse::<u32>() {
                                        Ok(m) => save1("duration_months", json!(m)),
                                        Err(_) => error.set(Some("Bitte die Laufzeit in ganzen Monaten angeben.".into())),
                                    }}/>
                            </div>
                        </div>
                        <label for="an-evaluation">"Evaluation der Maßnahme (wie, wann, mit welchem Ergebnis)"</label>
                        <textarea id="an-evaluation" rows="3" prop:value=text(|o| o.evaluation.clone()) on:change=move |ev| save1("evaluation", json!(event_target_value(&ev)))></textarea>

                        <h2>"Anlage 2: Kalkulationsbogen"</h2>
                        <p class="hint">"Beträge für die gesamte geplante Laufzeit."</p>
                        <div class="row">
                            <div>
                                <label for="an-sachkosten">"Sachkosten (€)"</label>
                                <input id="an-sachkosten" inputmode="decimal" prop:value=amount(|o| o.cost.sachkosten_cents) on:change=move |ev| set_amount("sachkosten_cents", event_target_value(&ev))/>
                            </div>
                            <div>
                                <label for="an-weitere">"Ehrenamtliche und Schlüsselpersonen (€)"</label>
                                <input id="an-weitere" inputmode="decimal" prop:value=amount(|o| o.cost.weitere_personen_cents) on:change=move |ev| set_amount("weitere_personen_cents", event_target_value(&ev))/>
                            </div>
                        </div>
                        <div class="row">
                            <div>
                                <label for="an-fls">"Fachleistungsstunden (Std.)"</label>
                                <input id="an-fls" inputmode="decimal" prop:value=text(|o| hours_de(o.cost.fls_minutes)) on:change=move |ev| set_hours("fls_minutes", event_target_value(&ev))/>
                            </div>
                            <div>
                                <label for="an-satz">"Stundensatz (€)"</label>
                                <input id="an-satz" inputmode="decimal" prop:value=amount(|o| o.cost.fls_rate_cents) on:change=move |ev| set_amount("fls_rate_cents", event_target_value(&ev))/>
                            </div>
                        </div>
                        <div class="row">
                            <div>
                                <label for="an-eigen">"Eigenleistungen (€)"</label>
                                <input id="an-eigen" inputmode="decimal" prop:value=amount(|o| o.cost.eigenleistung_cents) on:change=move |ev| set_amount("eigenleistung_cents", event_target_value(&ev))/>
                            </div>
                            <div>
                                <label for="an-dritt">"Beantragte Drittmittel (€)"</label>
                                <input id="an-dritt" inputmode="decimal" prop:value=amount(|o| o.cost.drittmittel_cents) on:change=move |ev| set_amount("drittmittel_cents", event_target_value(&ev))/>
                            </div>
                        </div>
                        <table class="cost-sheet" data-testid="cost-sheet">
                            <tbody>
                                {move || offer.get().map(|o| o.cost.lines_de().into_iter().map(|(l, v)| view! {
                                    <tr><th scope="row">{l}</th><td>{v}</td></tr>
                                }).collect_view())}
                            </tbody>
                        </table>
                    </form>

                    <Criteria offer=offer save=Callback::new(save) error=error/>
                    <Expenses offer=offer save=Callback::new(save) error=error/>

                    <h2>"Teilnehmende Fälle"</h2>
                    {move || (offer.get().map(|o| o.kind) == Some(OfferKind::Gruppe)).then(|| view! {
                        <p class="hint">"Ein Gruppenangebot wird im Hilfesetting eines Falls aufgenommen und so Teil des Hilfeplans."</p>
                    })}
                    <Show when=move || !cases.get().is_empty() fallback=|| view! { <p>"Auf diesem Gerät nimmt kein Fall teil."</p> }>
                        <ul data-testid="offer-cases">
                            {move || cases.get().into_iter().map(|(id, label, since)| view! {
                                <li><a href=format!("/fall/hilfesetting?id={id}")>{label}</a>{format!(" · seit {}", format_date_de(since))}</li>
                            }).collect_view()}
                        </ul>
                    </Show>
                    <p><button type="button" on:click=toggle_ended>
                        {move || if offer.get().is_some_and(|o| o.ended_on.is_some()) { "Angebot wieder aufnehmen" } else { "Angebot beenden" }}
                    </button></p>
                    <Show when=deletable>
                        <p><button type="button" on:click=delete>"Angebot löschen"</button></p>
                        <p class="hint">"Nur solange nichts ausgegeben ist und kein Fall teilnimmt, z. B. ein doppelt angelegtes Angebot."</p>
                    </Show>
                </section>
            </Show>
        </Show>
    }
    .into_any()
}

/// Anlage 3: the criteria with their weights and, once judged, how far each is met.
#[component]
fn Criteria(
    offer: Memo<Option<Offer>>,
    save: Callback<Map<String, Value>>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let put = move |c: &Criterion| {
        if let Ok(v) = serde_json::to_value(c) {
            save.run(Map::from_iter([(criterion_field(&c.id), v)]));
        }
    };
    let change = move |cid: String, f: Box<dyn FnOnce(&mut Criterion)>| {
        let Some(mut c) = offer.get_untracked().and_then(|o| o.criteria.into_iter().find(|c| c.id == cid))
        else {
            return;
        };
        f(&mut c);
        put(&c);
    };
    let name = RwSignal::new(String::new());
    let weight = RwSignal::new(String::new());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(w) = weight.get_untracked().trim().trim_end_matches('%').trim().parse::<u8>() else {
            error.set(Some("Bitte das Gewicht in Prozent angeben (1 bis 100).".into()));
            return;
        };
        let c = Criterion {
            id: crate::util::new_uuid().unwrap_or_default(),
            name: name.get_untracked().trim().to_owned(),
            weight: w,
            score: None,
        };
        put(&c);
        if error.get_untracked().is_none() {
            name.set(String::new());
            weight.set(String::new());
        }
    };
    view! {
        <section class="criteria" aria-labelledby="kriterien-titel" data-testid="criteria">
            <h2 id="kriterien-titel">"Anlage 3: Kriterien und Gewichtung"</h2>
            <p data-testid="criteria-summary">{move || offer.get().map(|o| {
                let sum = format!("Summe der Gewichte: {} %", o.weight_sum());
                match o.weighted_score() {
                    Some(w) => format!("{sum}. Ergebnis: {}", w.label_de()),
                    None => format!("{sum}. Noch kein Kriterium bewertet."),
                }
            })}</p>
            <ul class="criteria-list">
                <For each=move || offer.get().map(|o| o.criteria).unwrap_or_default() key=|c| format!("{c:?}") let:c>
                    {
                        let (id1, id2, id3, id4) = (c.id.clone(), c.id.clone(), c.id.clone(), c.id.clone());
                        let score = c.score;
                        let dom = |p: &str| format!("{p}-{}", c.id);
                        view! {
                            <li data-testid="criterion">
                                <label for=dom("k-name")>"Kriterium"</label>
                                <input id=dom("k-name") prop:value=c.name.clone()
                                    on:change=move |ev| { let v = event_target_value(&ev).trim().to_owned(); change(id1.clone(), Box::new(move |c| c.name = v)) }/>
                                <div class="row">
                                    <div>
                                        <label for=dom("k-gewicht")>"Gewicht (%)"</label>
                                        <input id=dom("k-gewicht") type="number" inputmode="numeric" min="1" max="100" prop:value=c.weight.to_string()
                                            on:change={move |ev| match event_target_value(&ev).trim().parse::<u8>() {
                                                Ok(w) => change(id2.clone(), Box::new(move |c| c.weight = w)),
                                                Err(_) => error.set(Some("Bitte das Gewicht in Prozent angeben (1 bis 100).".into())),
                                            }}/>
                                    </div>
                                    <div>
                                        <label for=dom("k-erfuellt")>"Erfüllt"</label>
                                        <select id=dom("k-erfuellt") on:change=move |ev| {
                                            let s = event_target_value(&ev).parse::<u8>().ok();
                                            change(id3.clone(), Box::new(move |c| c.score = s))
                                        }>
                                            <option value="" selected=score.is_none()>"noch nicht bewertet"</option>
                                            {(0..=MAX_SCORE).map(|s| view! {
                                                <option value=s.to_string() selected=score == Some(s)>{format!("{s} – {}", Criterion::score_label_de(s))}</option>
                                            }).collect_view()}
                                        </select>
                                    </div>
                                </div>
                                <button type="button" on:click=move |_| save.run(Map::from_iter([(criterion_field(&id4), Value::Null)]))>"Kriterium entfernen"</button>
                            </li>
                        }
                    }
                </For>
            </ul>
            <form class="add" on:submit=add>
                <h3>"Kriterium hinzufügen"</h3>
                <div class="row">
                    <div>
                        <label for="k-neu-name">"Kriterium"</label>
                        <input id="k-neu-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                    </div>
                    <div>
                        <label for="k-neu-gewicht">"Gewicht (%)"</label>
                        <input id="k-neu-gewicht" type="number" inputmode="numeric" min="1" max="100" prop:value=move || weight.get() on:input=move |ev| weight.set(event_target_value(&ev))/>
                    </div>
                </div>
                <p><button type="submit">"Kriterium hinzufügen"</button></p>
            </form>
        </section>
    }
}

/// What was spent: Fachleistungsstunden delivered (at the offer's rate) and amounts paid.
#[component]
fn Expenses(
    offer: Memo<Option<Offer>>,
    save: Callback<Map<String, Value>>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let on = RwSignal::new(crate::util::today_iso());
    let hours = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(day) = passgenau_domain::case::parse_iso_date(&on.get_untracked()) else {
            error.set(Some("Bitte das Datum der Ausgabe angeben.".into()));
            return;
        };
        let Ok(minutes) = zero_if_empty(&hours.get_untracked(), parse_hours_de) else {
            error.set(Some("Bitte Stunden als Zahl eingeben, z. B. 40 oder 1,5.".into()));
            return;
        };
        let Ok(cents) = zero_if_empty(&amount.get_untracked(), parse_eur_de) else {
            error.set(Some("Bitte einen Betrag in Euro eingeben, z. B. 1.200,00.".into()));
            return;
        };
        if minutes == 0 && cents == 0 {
            error.set(Some("Bitte erbrachte Stunden oder einen Betrag angeben.".into()));
            return;
        }
        let rate = offer.get_untracked().map(|o| o.cost.fls_rate_cents).unwrap_or(0);
        let x = Expense {
            id: crate::util::new_uuid().unwrap_or_default(),
            on: day,
            fls_minutes: minutes,
            amount_cents: cents,
            rate_cents: (minutes > 0).then_some(rate),
            note: note.get_untracked().trim().to_owned(),
        };
        if let Ok(v) = serde_json::to_value(&x) {
            save.run(Map::from_iter([(expense_field(&x.id), v)]));
        }
        if error.get_untracked().is_none() {
            hours.set(String::new());
            amount.set(String::new());
            note.set(String::new());
        }
    };
    view! {
        <section class="expenses" aria-labelledby="ausgaben-titel" data-testid="expenses">
            <h2 id="ausgaben-titel">"Durchführung und Ausgaben"</h2>
            <p class="hint">"Erfasst wird, was das Sozialraumbudget bezahlt; Eigenleistungen und Drittmittel gehören nicht hierher. Stunden gelten zum Stundensatz des Tages."</p>
            <p data-testid="expenses-summary">{move || offer.get().map(|o| {
                let planned = o.cost.from_budget_cents().unwrap_or(0).max(0);
                let spent = o.spent_cents(None).unwrap_or(0);
                format!(
                    "Erbracht {} Std.; ausgegeben {} von geplant {} aus dem Sozialraumbudget.",
                    hours_de(o.delivered_minutes()),
                    format_eur_de(spent),
                    format_eur_de(planned)
                )
            })}</p>
            <ul class="consent-list">
                <For each=move || offer.get().map(|o| { let r = o.cost.fls_rate_cents; o.expenses.into_iter().map(move |x| (x, r)).collect::<Vec<_>>() }).unwrap_or_default()
                    key=|(x, r)| format!("{x:?}{r}") let:pair>
                    {
                        let (x, rate) = pair;
                        let id = x.id.clone();
                        let cost = x.cost_cents(rate).map(format_eur_de).unwrap_or_default();
                        let mut what = Vec::new();
                        if x.fls_minutes > 0 {
                            what.push(format!("{} Std.", hours_de(x.fls_minutes)));
                        }
                        if x.amount_cents > 0 {
                            what.push(format_eur_de(x.amount_cents));
                        }
                        view! {
                            <li data-testid="expense">
                                <p>{format!("{}: {} = {cost}", format_date_de(x.on), what.join(" + "))}</p>
                                {(!x.note.is_empty()).then(|| view! { <p class="meta">{x.note.clone()}</p> })}
                                <button type="button" on:click=move |_| save.run(Map::from_iter([(expense_field(&id), Value::Null)]))>"Ausgabe entfernen"</button>
                            </li>
                        }
                    }
                </For>
            </ul>
            <form class="add" on:submit=add>
                <h3>"Ausgabe erfassen"</h3>
                <div class="row">
                    <div>
                        <label for="x-tag">"Datum"</label>
                        <input id="x-tag" type="date" prop:value=move || on.get() on:change=move |ev| on.set(event_target_value(&ev))/>
                    </div>
                    <div>
                        <label for="x-std">"Erbrachte Fachleistungsstunden"</label>
                        <input id="x-std" inputmode="decimal" prop:value=move || hours.get() on:input=move |ev| hours.set(event_target_value(&ev))/>
                    </div>
                    <div>
                        <label for="x-betrag">"Betrag (€), z. B. Material"</label>
                        <input id="x-betrag" inputmode="decimal" prop:value=move || amount.get() on:input=move |ev| amount.set(event_target_value(&ev))/>
                    </div>
                </div>
                <label for="x-notiz">"Notiz"</label>
                <input id="x-notiz" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/>
                <p><button type="submit">"Ausgabe speichern"</button></p>
            </form>
        </section>
    }
}
