use leptos::prelude::*;
use passgenau_domain::catalog::{BillingForm, ModuleDef, Setting};
use passgenau_domain::money::{format_eur_de, parse_eur_de, Conventions};
use passgenau_domain::setting::{
    formula_de, parse_hours_de, Intensity, ModuleInstance, Qualification, RateSnapshot, StaffAssignment,
};
use passgenau_domain::UserMessage;

use super::setting_composer::{today_or, Computed, SettingActions};
use crate::catalog::catalog;

const QUALIFICATIONS: [Qualification; 7] = [
    Qualification::SozialeArbeit,
    Qualification::Erzieher,
    Qualification::Diplompaedagogik,
    Qualification::Erziehungswissenschaft,
    Qualification::Kindheitspaedagogik,
    Qualification::Psychologie,
    Qualification::Sonstige,
];

/// The ways of stating the amount for a billing form: (key, label).
fn amount_kinds(billing: BillingForm) -> &'static [(&'static str, &'static str)] {
    match billing {
        BillingForm::Fachleistungsstunde => {
            &[("std_woche", "Stunden je Woche"), ("std_monat", "Stunden je Monat")]
        }
        BillingForm::Tagesentgelt => {
            &[("tage_woche", "Tage je Woche"), ("tage_monat", "Tage je Monat"), ("taeglich", "täglich")]
        }
        BillingForm::Wochenentgelt => &[("woechentlich", "jede Woche")],
        BillingForm::Monatsentgelt | BillingForm::Leistungspauschale => &[("monatlich", "Anzahl je Monat")],
        BillingForm::Budget => &[("budget", "Budget gesamt (€)")],
        BillingForm::KeineFallkosten => &[("keine", "ohne Fallkosten")],
    }
}

fn kind_of(i: &Intensity) -> &'static str {
    match i {
        Intensity::HoursPerWeek { .. } => "std_woche",
        Intensity::HoursPerMonth { .. } => "std_monat",
        Intensity::DaysPerWeek { .. } => "tage_woche",
        Intensity::DaysPerMonth { .. } => "tage_monat",
        Intensity::EveryDay => "taeglich",
        Intensity::EveryWeek => "woechentlich",
        Intensity::PerMonth { .. } => "monatlich",
        Intensity::Budget { .. } => "budget",
        Intensity::NoCost => "keine",
    }
}

fn hours_text(minutes: i64) -> String {
    if minutes % 60 == 0 {
        (minutes / 60).to_string()
    } else {
        format!("{},{:02}", minutes / 60, (minutes % 60) * 100 / 60).trim_end_matches('0').to_owned()
    }
}

fn amount_text(i: &Intensity) -> String {
    match *i {
        Intensity::HoursPerWeek { minutes } | Intensity::HoursPerMonth { minutes } => hours_text(minutes),
        Intensity::DaysPerWeek { days } | Intensity::DaysPerMonth { days } => days.to_string(),
        Intensity::PerMonth { units } => units.to_string(),
        Intensity::Budget { total_cents } => passgenau_domain::money::format_amount_de(total_cents),
        Intensity::EveryDay | Intensity::EveryWeek | Intensity::NoCost => String::new(),
    }
}

/// The intensity for a kind and the typed amount, or a German message.
pub fn build_intensity(kind: &str, amount: &str) -> Result<Intensity, String> {
    let whole = |what: &str| -> Result<i64, String> {
        amount
            .trim()
            .parse::<i64>()
            .map_err(|_| format!("Bitte die Zahl der {what} als ganze Zahl eingeben."))
    };
    let hours = || parse_hours_de(amount).map_err(|e| e.message_de());
    Ok(match kind {
        "std_woche" => Intensity::HoursPerWeek { minutes: hours()? },
        "std_monat" => Intensity::HoursPerMonth { minutes: hours()? },
        "tage_woche" => Intensity::DaysPerWeek { days: whole("Tage")? },
        "tage_monat" => Intensity::DaysPerMonth { days: whole("Tage")? },
        "taeglich" => Intensity::EveryDay,
        "woechentlich" => Intensity::EveryWeek,
        "monatlich" => Intensity::PerMonth { units: whole("Einheiten")? },
        "budget" => Intensity::Budget { total_cents: parse_eur_de(amount).map_err(|e| e.message_de())? },
        _ => Intensity::NoCost,
    })
}

/// A sensible start for a billing form, changed by the Fachkraft right away.
pub fn default_intensity(billing: BillingForm) -> Intensity {
    match billing {
        BillingForm::Fachleistungsstunde => Intensity::HoursPerWeek { minutes: 120 },
        BillingForm::Tagesentgelt => Intensity::DaysPerWeek { days: 5 },
        BillingForm::Wochenentgelt => Intensity::EveryWeek,
        BillingForm::Monatsentgelt | BillingForm::Leistungspauschale => Intensity::PerMonth { units: 1 },
        BillingForm::Budget => Intensity::Budget { total_cents: 100_000 },
        BillingForm::KeineFallkosten => Intensity::NoCost,
    }
}

/// One module of the Hilfesetting with everything that decides its cost, saved on every change.
#[component]
pub fn InstanceCard(instance_id: String, computed: Memo<Option<Computed>>) -> impl IntoView {
    let actions = expect_context::<SettingActions>();
    let id = instance_id.clone();
    let inst =
        Memo::new(move |_| computed.get().and_then(|c| c.hs.instances.into_iter().find(|i| i.id == id)));
    let module = move || inst.get().and_then(|i| catalog()?.get(&i.module_id).cloned());
    let local_error = RwSignal::new(None::<String>);
    let edit = move |f: &dyn Fn(&mut ModuleInstance)| {
        if let Some(mut i) = inst.get_untracked() {
            f(&mut i);
            local_error.set(None);
            actions.put(&i);
        }
    };
    let p = instance_id.clone();
    let field_id = move |name: &str| format!("{name}-{p}");
    // The card's structure depends only on the module, billing form and kind of amount; the values
    // inside follow the stored instance reactively, so typing never replaces the focused field.
    let shape =
        Memo::new(move |_| inst.get().map(|i| (i.module_id.clone(), i.billing, kind_of(&i.intensity))));
    let fid = field_id.clone();
    view! {
        <li class="instance" data-testid="instance">
            {move || {
                shape.get();
                let (Some(i), Some(m)) = (inst.get_untracked(), untrack(module)) else { return view! { <p>"Modul nicht im Katalog."</p> }.into_any() };
                let fid = fid.clone();
                let amount_kind = kind_of(&i.intensity);
                let kinds = amount_kinds(i.billing);
                let needs_amount = !matches!(amount_kind, "taeglich" | "woechentlich" | "keine");
                let iid = i.id.clone();
                let period = move || computed.get().and_then(|c| c.eval.costs).and_then(|c| c.instances.into_iter().find(|x| x.instance_id == iid));
                let iid = i.id.clone();
                let problems = move || -> Vec<String> { computed.get().map(|c| {
                    let errs = c.eval.errors.iter().filter(|(id, _)| id == &iid).map(|(_, e)| e.message_de());
                    let finds = c.eval.findings.iter().filter(|f| f.instance_id.as_deref() == Some(&iid)).map(|f| format!("{} ({})", f.message_de, f.legal_basis));
                    errs.chain(finds).collect()
                }).unwrap_or_default() };
                let staff = move || inst.get().and_then(|i| i.staff.first().cloned());
                let staff_name = move || staff().map(|s| s.name).unwrap_or_default();
                let staff_q = move || staff().map(|s| s.qualification);
                let staff_a = move || staff().is_some_and(|s| s.staatliche_anerkennung);
                let set_staff = move |f: &dyn Fn(&mut StaffAssignment)| edit(&|i: &mut ModuleInstance| {
                    if i.staff.is_empty() {
                        i.staff.push(StaffAssignment { name: String::new(), qualification: Qualification::SozialeArbeit, staatliche_anerkennung: false });
                    }
                    f(&mut i.staff[0]);
                });
                let billing_forms = m.billing_forms.clone();
                let settings = m.settings.clone();
                let module_for_billing: ModuleDef = m.clone();
                view! {
                    <h3>{m.name_de.clone()}</h3>
                    <p class="legal">{m.legal_basis.clone()}</p>
                    <div class="row">
                        <div>
                            <label for=fid("setting")>"Form"</label>
                            <select id=fid("setting") on:change=move |ev| {
                                let v = event_target_value(&ev);
                                if let Some(s) = Setting::ALL.into_iter().find(|s| s.label_de() == v) { edit(&|i| i.setting = s) }
                            }>
                                {settings.into_iter().map(|s| view! { <option selected=move || inst.get().is_some_and(|i| i.setting == s)>{s.label_de()}</option> }).collect_view()}
                            </select>
                        </div>
                        <div>
                            <label for=fid("traeger")>"Träger / Leistungserbringer"</label>
                            <input id=fid("traeger") prop:value=move || inst.get().map(|i| i.provider).unwrap_or_default()
                                on:input=move |ev| { let v = event_target_value(&ev); edit(&|i| i.provider = v.clone()) }/>
                        </div>
                    </div>
                    <div class="row">
                        <div>
                            <label for=fid("fachkraft")>"Fachkraft (Name oder Kürzel)"</label>
                            <input id=fid("fachkraft") prop:value=staff_name
                                on:input=move |ev| { let v = event_target_value(&ev); set_staff(&|s| s.name = v.clone()) }/>
                        </div>
                        <div>
                            <label for=fid("qualifikation")>"Qualifikation"</label>
                            <select id=fid("qualifikation") on:change=move |ev| {
                                let v = event_target_value(&ev);
                                if let Some(q) = QUALIFICATIONS.into_iter().find(|q| q.label_de() == v) { set_staff(&|s| s.qualification = q) }
                            }>
                                <option disabled=true selected=move || staff_q().is_none()>"bitte wählen"</option>
                                {QUALIFICATIONS.into_iter().map(|q| view! { <option selected=move || staff_q() == Some(q)>{q.label_de()}</option> }).collect_view()}
                            </select>
                        </div>
                    </div>
                    <label class="check">
                        <input type="checkbox" prop:checked=staff_a on:change=move |ev| { let v = event_target_checked(&ev); set_staff(&|s| s.staatliche_anerkennung = v) }/>
                        "staatliche Anerkennung"
                    </label>
                    <div class="row">
                        <div>
                            <label for=fid("beginn")>"Beginn"</label>
                            <input id=fid("beginn") type="date" prop:value=move || inst.get().map(|i| i.start.to_string()).unwrap_or_default()
                                on:change=move |ev| match passgenau_domain::case::parse_iso_date(&event_target_value(&ev)) {
                                    Ok(d) => edit(&|i| i.start = d),
                                    Err(e) => local_error.set(Some(e.message_de())),
                                }/>
                        </div>
                        <div>
                            <label for=fid("ende")>"Ende (leer: offen)"</label>
                            <input id=fid("ende") type="date" prop:value=move || inst.get().and_then(|i| i.end).map(|d| d.to_string()).unwrap_or_default()
                                on:change=move |ev| {
                                    let v = event_target_value(&ev);
                                    if v.is_empty() { edit(&|i| i.end = None) } else {
                                        match passgenau_domain::case::parse_iso_date(&v) {
                                            Ok(d) => edit(&|i| i.end = Some(d)),
                                            Err(e) => local_error.set(Some(e.message_de())),
                                        }
                                    }
                                }/>
                        </div>
                    </div>
                    <div class="row">
                        <div>
                            <label for=fid("abrechnung")>"Abrechnung"</label>
                            <select id=fid("abrechnung") on:change=move |ev| {
                                let v = event_target_value(&ev);
                                let Some(b) = module_for_billing.billing_forms.iter().copied().find(|b| b.label_de() == v) else { return };
                                let today = today_or(inst.get_untracked().map(|i| i.start).unwrap_or(time::Date::MIN));
                                let rate = module_for_billing.rates_on(b, today).first().map(|r| RateSnapshot::from_default(r, today));
                                edit(&|i| { i.billing = b; i.intensity = default_intensity(b); i.rate = rate.clone(); })
                            }>
                                {billing_forms.into_iter().map(|b| view! { <option selected=b == i.billing>{b.label_de()}</option> }).collect_view()}
                            </select>
                        </div>
                        <div>
                            <label for=fid("umfang-art")>"Umfang"</label>
                            <select id=fid("umfang-art") on:change=move |ev| {
                                let k = event_target_value(&ev);
                                let amount = inst.get_untracked().map(|i| amount_text(&i.intensity)).unwrap_or_default();
                                let b = inst.get_untracked().map(|i| i.billing);
                                let fallback = b.map(default_intensity).unwrap_or(Intensity::NoCost);
                                let next = build_intensity(&k, &amount).ok().filter(|x| kind_of(x) == k)
                                    .or_else(|| build_intensity(&k, &amount_text(&fallback)).ok())
                                    .unwrap_or(fallback);
                                edit(&|i| i.intensity = next)
                            }>
                                {kinds.iter().map(|(k, l)| view! { <option value=*k selected=*k == amount_kind>{*l}</option> }).collect_view()}
                            </select>
                        </div>
                    </div>
                    <div class="row">
                        {needs_amount.then(|| view! {
                            <div>
                                <label for=fid("umfang")>{kinds.iter().find(|(k, _)| *k == amount_kind).map(|(_, l)| *l).unwrap_or("Umfang")}</label>
                                <input id=fid("umfang") inputmode="decimal" prop:value=move || inst.get_untracked().map(|i| amount_text(&i.intensity)).unwrap_or_default()
                                    on:input=move |ev| {
                                        let v = event_target_value(&ev);
                                        match build_intensity(amount_kind, &v) {
                                            Ok(x) => edit(&|i| i.intensity = x),
                                            Err(m) => local_error.set(Some(m)),
                                        }
                                    }/>
                            </div>
                        })}
                        {i.billing.needs_rate().then(|| view! {
                            <div>
                                <label for=fid("satz")>"Satz (€)"</label>
                                <input id=fid("satz") inputmode="decimal"
                                    prop:value=move || inst.get().and_then(|i| i.rate).map(|r| passgenau_domain::money::format_amount_de(r.amount_cents)).unwrap_or_default()
                                    on:change=move |ev| match parse_eur_de(&event_target_value(&ev)) {
                                        Ok(c) => {
                                            let today = today_or(inst.get_untracked().map(|i| i.start).unwrap_or(time::Date::MIN));
                                            edit(&|i| i.rate = Some(RateSnapshot { amount_cents: c, label: None, valid_from: today, source: "eigene Angabe".into(), taken_on: today }))
                                        }
                                        Err(e) => local_error.set(Some(e.message_de())),
                                    }/>
                                <small class="source">{move || inst.get().and_then(|i| i.rate).map(|r| format!("Quelle: {}", r.source))}</small>
                            </div>
                        })}
                    </div>
                    <p class="formula" data-testid="formula">{move || inst.get().map(|i| formula_de(&i, &Conventions::default()))}</p>
                    {move || period().filter(|p| !p.months.is_empty()).map(|p| view! {
                        <p class="period-cost">{format!("Im Bewilligungszeitraum: {}", format_eur_de(p.period_cents))}</p>
                    })}
                    {move || { let problems = problems(); (!problems.is_empty()).then(|| view! {
                        <ul class="problems">{problems.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                    })}}
                    {move || local_error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                    <p><button type="button" class="danger" on:click={
                        let id = i.id.clone();
                        move |_| actions.remove(&id)
                    }>"Modul entfernen"</button></p>
                }.into_any()
            }}
        </li>
    }
    .into_any()
}
