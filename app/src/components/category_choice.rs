use leptos::prelude::*;
use passgenau_domain::consent::DataCategory;

/// The data categories a consent covers or a copy carries, as checkboxes (kept in order).
#[component]
pub fn CategoryChoice(categories: RwSignal<Vec<DataCategory>>) -> impl IntoView {
    view! {
        <fieldset>
            <legend>"Datenarten"</legend>
            {DataCategory::ALL.into_iter().map(|cat| view! {
                <label class="check">
                    <input type="checkbox" prop:checked=move || categories.get().contains(&cat)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            categories.update(|v| {
                                v.retain(|c| *c != cat);
                                if on {
                                    v.push(cat);
                                    v.sort();
                                }
                            });
                        }/>
                    {cat.label_de()}
                </label>
            }).collect_view()}
        </fieldset>
    }
}
