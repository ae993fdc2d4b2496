use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use passgenau_domain::case::{parse_iso_date, Case, CaseId};
use passgenau_domain::catalog::{ModuleKind, Setting};
use passgenau_domain::money::{format_eur_de, Conventions};
use passgenau_domain::rules::{evaluate, Evaluation, RuleConfig};
use passgenau_domain::setting::{setting_mix, Hilfesetting, ModuleInstance, SettingMix};
use passgenau_domain::sozialraum::OfferLink;
use serde_json::{Map, Value};

use super::{CaseNotFound, InstanceCard, Loading, ModulePicker, RequireSession, SettingOffers};
use crate::catalog::catalog;
use crate::state::use_app;
use crate::store;

/// What the composer computes from the stored Hilfesetting: rule findings, costs, budget, mix.
#[derive(Clone, PartialEq)]
pub struct Computed {
    pub hs: Hilfesetting,
    pub eval: Evaluation,
    pub mix: Option<SettingMix>,
}

/// Saves changes of the Hilfesetting; shared by the composer's parts.
#[derive(Clone, Copy)]
pub struct SettingActions {
    pub case_id: Memo<Option<CaseId>>,
    pub error: RwSignal<Option<String>>,
}

impl SettingActions {
    pub fn change(&self, fields: Map<String, Value>) {
        self.write(move |kv, id, now| store::change_hilfesetting(kv, id, fields, now));
    }
    /// Takes a group offer of the Sozialraum into the setting, through the store's check of the link.
    pub fn link_offer(&self, link: OfferLink) {
        self.write(move |kv, id, now| store::link_offer(kv, id, &link, now));
    }
    pub fn unlink_offer(&self, offer_id: String) {
        self.write(move |kv, id, now| store::unlink_offer(kv, id, &offer_id, now));
    }
    /// One write of the case's setting: a refused one shows its German reason, a taken one clears
    /// it and tells the views.
    fn write(&self, f: impl FnOnce(&dyn crate::kv::Kv, &CaseId, &str) -> Result<(), store::StoreError>) {
        #[cfg(feature = "hydrate")]
        {
            use passgenau_domain::UserMessage;
            let Some(id) = self.case_id.get_untracked() else { return };
            let Some(kv) = crate::kv::device() else { return };
            match f(&kv, &id, &crate::util::now_iso()) {
                Ok(()) => {
                    self.error.set(None);
                    crate::state::use_app().touch();
                }
                Err(e) => self.error.set(Some(e.message_de())),
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (f, self.case_id);
    }
    pub fn put(&self, inst: &ModuleInstance) {
        if let Ok(v) = serde_json::to_value(inst) {
            self.change(Map::from_iter([(passgenau_domain::setting::instance_field(&inst.id), v)]));
        }
    }
    pub fn remove(&self, instance_id: &str) {
        self.change(Map::from_iter([(passgenau_domain::setting::instance_field(instance_id), Value::Null)]));
    }
}

/// Today as a date, or the case's start when the device clock says nothing usable.
pub fn today_or(fallback: time::Date) -> time::Date {
    parse_iso_date(&crate::util::today_iso()).unwrap_or(fallback)
}

fn compute(hs: Hilfesetting, case: &Case) -> Option<Computed> {
    let cat = catalog()?;
    let conv = Conventions::default();
    let today = today_or(case.start_date);
    let eval = evaluate(&hs, cat, &conv, case.start_date, today, &RuleConfig::default());
    let mix = eval.costs.as_ref().map(|c| setting_mix(&hs, c, cat));
    Some(Computed { hs, eval, mix })
}

/// The Hilfesetting composer: modules from the catalog, their provider, staff, intensity and period,
/// the live cost with its formula, the rule findings, the setting mix and the case budget.
/// `/fall/hilfesetting?id=<case>`. Every change is saved on the device at once.
#[component]
pub fn SettingComposer() -> impl IntoView {
    let ctx = use_app();
    let query = use_query_map();
    let case_id = Memo::new(move |_| query.read().get("id").and_then(|id| CaseId::parse(&id).ok()));
    let case = ctx.from_device(None, move |kv| case_id.get().and_then(|id| store::case(kv, id.as_str())));
    let computed = ctx.from_device(None, move |kv| {
        let id = case_id.get()?;
        let case = store::case(kv, id.as_str())?;
        compute(store::hilfesetting(kv, &id), &case)
    });
    let actions = SettingActions { case_id, error: RwSignal::new(None) };
    provide_context(actions);

    view! {
        <RequireSession/>
        <Show when=move || ctx.mounted.get() fallback=|| view! { <Loading/> }>
            <Show when=move || case.get().is_some()
                fallback=|| view! { <CaseNotFound/> }>
                <section class="composer">
                    <p><a href=move || format!("/fall?id={}", case_id.get().map(|c| c.to_string()).unwrap_or_default())>
                        "← Zum Fall"
                    </a></p>
                    <h1>"Hilfesetting"</h1>
                    <p class="subtitle">{move || case.get().map(|c| c.label.as_str().to_owned())}</p>
                    {move || actions.error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                    {move || match computed.get() {
                        None => view! { <p class="error" role="alert">"Der Modulkatalog ist nicht lesbar. Bitte die App neu laden."</p> }.into_any(),
                        Some(c) => view! { <SettingOverview computed=c/> }.into_any(),
                    }}
                    <h2>"Module"</h2>
                    <ul class="instances">
                        <For each=move || computed.get().map(|c| c.hs.instances.clone()).unwrap_or_default()
                            key=|i| i.id.clone()
                            let:inst>
                            <InstanceCard instance_id=inst.id.clone() computed=computed/>
                        </For>
                    </ul>
                    <ModulePicker computed=computed/>
                    <SettingOffers computed=computed/>
                    <p class="saved" aria-live="polite">"Jede Änderung wird sofort auf diesem Gerät gespeichert."</p>
                </section>
            </Show>
        </Show>
    }
    .into_any()
}

/// Bewilligungszeitraum, Fallbudget, the totals, the mix and the findings.
#[component]
fn SettingOverview(computed: Computed) -> impl IntoView {
    let actions = expect_context::<SettingActions>();
    let hs = computed.hs.clone();
    let approval = hs.approval;
    let set_approval = move |start: Option<String>, end: Option<String>| {
        let cur = approval;
        let start = start.or(cur.map(|a| a.start.to_string()));
        let end = end.or(cur.map(|a| a.end.to_string()));
        let value = match (start, end) {
            (Some(s), Some(e)) if !s.is_empty() && !e.is_empty() => serde_json::json!({"start": s, "end": e}),
            (Some(s), _) if !s.is_empty() => serde_json::json!({"start": s, "end": s}),
            _ => Value::Null,
        };
        actions.change(Map::from_iter([("approval".to_owned(), value)]));
    };
    let budget_kind = match hs.case_budget {
        None => "",
        Some(passgenau_domain::setting::CaseBudget::Fallbudget { .. }) => "fallbudget",
        Some(passgenau_domain::setting::CaseBudget::MonatlicheFallpauschale { .. }) => {
            "monatliche_fallpauschale"
        }
    };
    let budget_amount = match hs.case_budget {
        Some(passgenau_domain::setting::CaseBudget::Fallbudget { total_cents: c })
        | Some(passgenau_domain::setting::CaseBudget::MonatlicheFallpauschale { cents_per_month: c }) => {
            passgenau_domain::money::format_amount_de(c)
        }
        None => String::new(),
    };
    let budget_amount_now = budget_amount.clone();
    // What is typed and chosen so far: a budget is saved once both kind and amount are there, in
    // whichever order they are entered.
    let kind_typed = RwSignal::new(budget_kind.to_owned());
    let amount_typed = RwSignal::new(budget_amount.clone());
    let set_budget = move |kind: String, amount: String| {
        kind_typed.set(kind.clone());
        amount_typed.set(amount.clone());
        if !kind.is_empty() && amount.trim().is_empty() {
            actions.error.set(None);
            return;
        }
        let value = match (kind.as_str(), passgenau_domain::money::parse_eur_de(&amount)) {
            ("", _) => Value::Null,
            ("fallbudget", Ok(c)) => serde_json::json!({"type": "fallbudget", "total_cents": c}),
            ("monatliche_fallpauschale", Ok(c)) => {
                serde_json::json!({"type": "monatliche_fallpauschale", "cents_per_month": c})
            }
            _ => {
                actions.error.set(Some("Bitte einen Betrag in Euro eingeben, z. B. 12.000,00.".into()));
                return;
            }
        };
        actions.change(Map::from_iter([("case_budget".to_owned(), value)]));
    };
    let costs = computed.eval.costs.clone();
    let budget = computed.eval.budget;
    let findings = computed.eval.findings.clone();
    let mix = computed.mix.clone();
    // The Jugendamt decides on the help (§ 36 Abs. 2): others see the approval but do not set it;
    // the server refuses such a change too (`roles::APPROVAL_FIELDS`).
    let may_approve = crate::state::use_app().session.get_untracked().is_some_and(|s| {
        passgenau_domain::roles::may(&s.role, passgenau_domain::roles::Permission::ApproveSetting)
    });
    view! {
        <fieldset class="approval" disabled=!may_approve>
            <legend>"Bewilligung"</legend>
            {(!may_approve).then(|| view! {
                <p class="hint" data-testid="approval-hint">"Die Bewilligung tragen das Jugendamt (ASD) oder die Teamleitung ein."</p>
            })}
            <div class="row">
                <div>
                    <label for="bewilligt-von">"Bewilligt von"</label>
                    <input id="bewilligt-von" type="date" prop:value=approval.map(|a| a.start.to_string()).unwrap_or_default()
                        on:change=move |ev| set_approval(Some(event_target_value(&ev)), None)/>
                </div>
                <div>
                    <label for="bewilligt-bis">"Bewilligt bis"</label>
                    <input id="bewilligt-bis" type="date" prop:value=approval.map(|a| a.end.to_string()).unwrap_or_default()
                        on:change=move |ev| set_approval(None, Some(event_target_value(&ev)))/>
                </div>
            </div>
            <div class="row">
                <div>
                    <label for="fallbudget-art">"Fallbudget"</label>
                    <select id="fallbudget-art" on:change=move |ev| set_budget(event_target_value(&ev), amount_typed.get_untracked())>
                        <option value="" selected=budget_kind.is_empty()>"keines"</option>
                        <option value="fallbudget" selected=budget_kind == "fallbudget">"Individuelles Fallbudget"</option>
                        <option value="monatliche_fallpauschale" selected=budget_kind == "monatliche_fallpauschale">"Monatliche Fallpauschale"</option>
                    </select>
                </div>
                <div>
                    <label for="fallbudget-betrag">"Betrag (€)"</label>
                    <input id="fallbudget-betrag" inputmode="decimal" prop:value=budget_amount_now
                        on:change=move |ev| set_budget(kind_typed.get_untracked(), event_target_value(&ev))/>
                </div>
            </div>
        </fieldset>
        <section class="totals" aria-label="Kosten und Zusammensetzung" data-testid="setting-totals">
            {match &costs {
                Some(c) => view! {
                    <p class="total">"Kosten je Monat: " <strong data-testid="cost-per-month">{format_eur_de(c.per_month_total_cents)}</strong></p>
                    {approval.map(|a| view! {
                        <p>{format!("Im Bewilligungszeitraum {} bis {}: ", de_date(a.start), de_date(a.end))}
                            <strong data-testid="cost-period">{format_eur_de(c.period_total_cents)}</strong></p>
                    })}
                }.into_any(),
                None => view! { <p>"Die Kosten erscheinen, sobald alle Module vollständig sind."</p> }.into_any(),
            }}
            {budget.map(|b| view! {
                <p class=if b.exceeded { "budget exceeded" } else { "budget" } data-testid="budget-remaining">
                    {format!("Fallbudget {}, geplant {}, ", format_eur_de(b.limit_cents), format_eur_de(b.planned_cents))}
                    <strong>{if b.exceeded {
                        format!("überschritten um {}", format_eur_de(-b.remaining_cents))
                    } else {
                        format!("verbleibend {}", format_eur_de(b.remaining_cents))
                    }}</strong>
                </p>
            })}
            {mix.map(|m| view! {
                <p data-testid="setting-mix">"Zusammensetzung: " {m.summary_de.clone()}</p>
                <ul class="mix" aria-label="Anteile an den Kosten je Monat">
                    {m.by_setting.iter().map(|s| {
                        let pct = format!("{},{}", s.share_permille / 10, s.share_permille % 10);
                        view! {
                            <li>
                                <span class="mix-label">{format!("{} ({}): {} je Monat, {pct} %", s.setting.label_de(), s.instances, format_eur_de(s.per_month_cents))}</span>
                                <span class=format!("bar {}", setting_class(s.setting)) style=format!("width: {}%", s.share_permille / 10) aria-hidden="true"></span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
        </section>
        <section class="findings" aria-label="Hinweise zum Hilfesetting">
            {if findings.is_empty() {
                view! { <p>"Keine Hinweise."</p> }.into_any()
            } else {
                view! {
                    <ul data-testid="findings">
                        {findings.iter().map(|f| view! {
                            <li class=format!("finding {:?}", f.severity).to_ascii_lowercase()>
                                <strong>{format!("{:?}: ", f.severity)}</strong>{f.message_de.clone()}
                                " " <span class="legal">{format!("({})", f.legal_basis)}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
    .into_any()
}

pub fn setting_class(s: Setting) -> &'static str {
    match s {
        Setting::Ambulant => "ambulant",
        Setting::Teilstationaer => "teilstationaer",
        Setting::Stationaer => "stationaer",
        Setting::AnderesSystem => "anderes",
        Setting::Sozialraum => "sozialraum",
    }
}

pub fn de_date(d: time::Date) -> String {
    format!("{:02}.{:02}.{}", d.day(), u8::from(d.month()), d.year())
}

pub fn kind_label(k: ModuleKind) -> &'static str {
    match k {
        ModuleKind::Hilfe => "Hilfe nach SGB VIII",
        ModuleKind::Clearing => "Clearing",
        ModuleKind::AnderesSystem => "anderes System",
        ModuleKind::Sozialraum => "Sozialraum",
    }
}
