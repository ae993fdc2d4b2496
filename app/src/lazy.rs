//! Pages loaded on demand. Each of them is its own wasm chunk (`cargo leptos build --split` cuts the
//! code only these pages reach out of the main wasm), so the first load carries only what the login,
//! the lock and the case list need. The service worker precaches every chunk with the rest of
//! the build (server/src/sw.rs), so after the first visit they load from the device, offline too.
//!
//! A route's view is [`leptos_router::Lazy`] of a unit type here. Leptos' `#[lazy_route]` would panic
//! (and so stop the whole app) when a chunk cannot be fetched; these use the `fallible` form of the
//! split and show [`ChunkMissing`] instead. The split's JavaScript loader keeps a failed fetch for the
//! life of the page, so the notice offers to reload it.

use leptos::prelude::*;
use leptos_router::LazyRoute;

/// A page's chunk could not be loaded: neither in the service worker's cache nor from the server
/// (e.g. the first visit went offline before the worker had stored the app, or a page of an old
/// build asks for a chunk the server no longer has).
pub struct ChunkUnavailable;

impl From<leptos::wasm_split::SplitLoaderError> for ChunkUnavailable {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        ChunkUnavailable
    }
}

/// Shown instead of a page whose code could not be loaded. Everything saved on the device stays;
/// reloading the page (online) fetches the code afresh.
#[component]
pub fn ChunkMissing() -> impl IntoView {
    let reload = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let _ = leptos::prelude::window().location().reload();
        }
    };
    view! {
        <section>
            <h1>"Seite nicht verfügbar"</h1>
            <p role="alert">
                "Dieser Teil der App ist auf diesem Gerät noch nicht gespeichert und konnte nicht geladen werden. \
                 Ihre Daten sind davon nicht betroffen. Bitte laden Sie die Seite neu, sobald das Gerät mit dem Internet verbunden ist."
            </p>
            <p>
                <button type="button" class="primary" on:click=reload>"Seite neu laden"</button>
                " "
                <a href="/">"Zur Fallübersicht"</a>
            </p>
        </section>
    }
}

/// One lazily loaded route per line: `Route => chunk / module: Page`. Pages of one `chunk` are cut
/// into one wasm file (`split_<chunk>.*.wasm`); `module` holds the page's split function of that name.
///
/// Pages are grouped by what is used together, not one chunk each: code that two chunks share is
/// cut into a shared `chunk_N` file for each set of chunks that uses it, and with a chunk per page
/// that made 431 shared files, each a line of the loader the first load carries (12.8 KB brotli) and
/// a hundred fetches for one page.
macro_rules! lazy_pages {
    ($($route:ident => $chunk:ident / $module:ident: $page:ident,)*) => { $(
        #[doc = concat!("The route view of [`crate::components::", stringify!($page), "`], loaded from its chunk.")]
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_: Self) -> AnyView {
                $module::$module().await.unwrap_or_else(|ChunkUnavailable| view! { <ChunkMissing/> }.into_any())
            }

            // The router awaits this before it leaves the current page, so the new page appears in
            // one step. A failure shows in `view`.
            async fn preload() {
                let _ = $module::preload().await;
            }
        }

        mod $module {
            use super::ChunkUnavailable;
            use crate::components::$page;
            use leptos::prelude::*;

            // Named after its module: the split functions of one chunk need distinct names.
            #[leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible, preload(preload))]
            pub fn $module() -> Result<AnyView, ChunkUnavailable> {
                Ok(view! { <$page/> }.into_any())
            }
        }
    )* };
}

lazy_pages! {
    // A home visit: a case's page, a new case, the visit.
    CaseRoute => fall / case: CaseDetail,
    CaseNewRoute => fall / case_new: CaseNew,
    VisitRoute => fall / visit: VisitScreen,
    // Planning the help: checklist, Hilfesetting, clearing, goals.
    ChecklistRoute => plan / checklist: ChecklistWizard,
    SettingRoute => plan / setting: SettingComposer,
    ClearingRoute => plan / clearing: ClearingFlow,
    GoalsRoute => plan / goals: GoalsPage,
    // Documents of the Hilfeplan process.
    HilfeplanRoute => bericht / hilfeplan: HilfeplanPage,
    EvaluationRoute => bericht / evaluation: EvaluationPage,
    QuestionnaireRoute => bericht / questionnaire: QuestionnairePage,
    // Consents, sharing and cooperation of a case, child protection.
    ConsentsRoute => akte / consents: ConsentRegister,
    ShareRoute => akte / share: SharePage,
    CooperationRoute => akte / cooperation: CooperationPage,
    KinderschutzRoute => akte / kinderschutz: KinderschutzPage,
    // The team's and the device's views, administration.
    TeamRoute => team / team: TeamView,
    ConflictsRoute => team / conflicts: ConflictInbox,
    UnsentRoute => team / unsent: UnsentList,
    AdminRoute => team / admin: AdminPage,
    ProviderProfileRoute => team / provider_profile: ProviderProfile,
    PartnerRoute => team / partners: PartnerPage,
    // Sozialraum offers and budget.
    SozialraumRoute => sozialraum / sozialraum: SozialraumPage,
    OfferRoute => sozialraum / offer: OfferPage,
}
