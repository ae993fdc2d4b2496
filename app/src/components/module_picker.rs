use leptos::prelude::*;
use passgenau_domain::catalog::{ModuleDef, ModuleKind, Setting};
use passgenau_domain::setting::ModuleInstance;
use passgenau_domain::text::fold_case;

use super::instance_card::default_intensity;
use super::setting_composer::{kind_label, today_or, Computed, SettingActions};
use crate::catalog::catalog;

/// Adds modules from the catalog: search by name or paragraph, filter by setting and by system.
#[component]
pub fn ModulePicker(computed: Memo<Option<Computed>>) -> impl IntoView {
    let actions = expect_context::<SettingActions>();
    let search = RwSignal::new(String::new());
    let setting = RwSignal::new(String::new());
    let system = RwSignal::new(String::new());
    let matches = move || -> Vec<ModuleDef> {
        let Some(cat) = catalog() else { return Vec::new() };
        let q = fold_case(&search.get());
        let s = setting.get();
        let k = system.get();
        cat.modules
            .iter()
            .filter(|m| {
                q.is_empty() || fold_case(&m.name_de).contains(&q) || fold_case(&m.legal_basis).contains(&q)
            })
            .filter(|m| s.is_empty() || m.settings.iter().any(|x| x.label_de() == s))
            .filter(|m| k.is_empty() || kind_label(m.kind) == k)
            .cloned()
            .collect()
    };
    let add = move |m: ModuleDef| {
        let Some(id) = crate::util::new_uuid() else { return };
        let Some(c) = computed.get_untracked() else { return };
        let start = c.hs.approval.map(|a| a.start).unwrap_or_else(|| today_or(time::Date::MIN));
        let today = today_or(start);
        let Some(billing) = m.billing_forms.first().copied() else { return };
        match ModuleInstance::from_catalog(id, &m, start, billing, default_intensity(billing), None, today) {
            Ok(inst) => actions.put(&inst),
            Err(e) => actions.error.set(Some(passgenau_domain::UserMessage::message_de(&e))),
        }
    };
    view! {
        <section class="picker" aria-labelledby="modul-hinzufuegen">
            <h2 id="modul-hinzufuegen">"Modul hinzufügen"</h2>
            <label for="modul-suche">"Suche (Name oder Paragraf)"</label>
            <input id="modul-suche" type="search" prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev))/>
            <div class="row">
                <div>
                    <label for="modul-form">"Form"</label>
                    <select id="modul-form" on:change=move |ev| setting.set(event_target_value(&ev))>
                        <option value="">"alle"</option>
                        {Setting::ALL.into_iter().map(|s| view! { <option>{s.label_de()}</option> }).collect_view()}
                    </select>
                </div>
                <div>
                    <label for="modul-system">"System"</label>
                    <select id="modul-system" on:change=move |ev| system.set(event_target_value(&ev))>
                        <option value="">"alle"</option>
                        {[ModuleKind::Hilfe, ModuleKind::Clearing, ModuleKind::AnderesSystem, ModuleKind::Sozialraum]
                            .into_iter().map(|k| view! { <option>{kind_label(k)}</option> }).collect_view()}
                    </select>
                </div>
            </div>
            <ul class="catalog" data-testid="catalog">
                {move || matches().into_iter().map(|m| {
                    let name = m.name_de.clone();
                    let settings: Vec<&str> = m.settings.iter().map(|s| s.label_de()).collect();
                    let detail = format!("{} · {}", m.legal_basis, settings.join(", "));
                    let label = format!("{} hinzufügen", m.name_de);
                    view! {
                        <li>
                            <div><strong>{name}</strong><br/><small>{detail}</small></div>
                            <button type="button" aria-label=label on:click=move |_| add(m.clone())>"Hinzufügen"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}
