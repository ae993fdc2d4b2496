use leptos::prelude::*;
use passgenau_domain::goals::visit_rating_prefix;
use passgenau_domain::visit::Visit;

use super::OccasionRatings;

/// Goal ratings given during a home visit, dated the visit's day, in one field per visit, goal and
/// perspective (`goals::visit_rating_field`).
#[component]
pub fn VisitRatings(visit: Memo<Option<Visit>>, error: RwSignal<Option<String>>) -> impl IntoView {
    let case_id = Signal::derive(move || visit.get().map(|v| v.case_id));
    let prefix = Signal::derive(move || visit.get().map(|v| visit_rating_prefix(&v.id)).unwrap_or_default());
    let day = Signal::derive(move || visit.get().map(|v| v.date).unwrap_or_default());
    view! {
        <OccasionRatings case_id prefix day id_base="besuch" title="Einschätzung der Ziele (−2 bis +2)" error/>
    }
}
