//! Pages loaded on demand. Each of them is its own wasm chunk (`cargo leptos build --split` cuts the
//! code only these pages reach out of the main wasm), so the first load carries only what the login,
//! the case list and a case's page need. The service worker precaches every chunk with the rest of
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

/// One lazily loaded route per line: `Route => chunk: Page`. The chunk's name is the module the
/// split function lives in and becomes part of the chunk's file name.
macro_rules! lazy_pages {
    ($($route:ident => $chunk:ident: $page:ident,)*) => { $(
        #[doc = concat!("The route view of [`crate::components::", stringify!($page), "`], loaded from its chunk.")]
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_: Self) -> AnyView {
                $chunk::page().await.unwrap_or_else(|ChunkUnavailable| view! { <ChunkMissing/> }.into_any())
            }

            // The router awaits this before it leaves the current page, so the new page appears in
            // one step. A failure shows in `view`.
            async fn preload() {
                let _ = $chunk::__wasm_split_preload_page().await;
            }
        }

        mod $chunk {
            use super::ChunkUnavailable;
            use crate::components::$page;
            use leptos::prelude::*;

            #[leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible)]
            pub fn page() -> Result<AnyView, ChunkUnavailable> {
                Ok(view! { <$page/> }.into_any())
            }
        }
    )* };
}

lazy_pages! {
    ChecklistRoute => checklist: ChecklistWizard,
    SettingRoute => setting: SettingComposer,
    ClearingRoute => clearing: ClearingFlow,
    GoalsRoute => goals: GoalsPage,
    ConsentsRoute => consents: ConsentRegister,
    HilfeplanRoute => hilfeplan: HilfeplanPage,
    ShareRoute => share: SharePage,
    ConflictsRoute => conflicts: ConflictInbox,
    AdminRoute => admin: AdminPage,
    TeamRoute => team: TeamView,
    UnsentRoute => unsent: UnsentList,
    EvaluationRoute => evaluation: EvaluationPage,
    QuestionnaireRoute => questionnaire: QuestionnairePage,
    ProviderProfileRoute => provider_profile: ProviderProfile,
    CooperationRoute => cooperation: CooperationPage,
    KinderschutzRoute => kinderschutz: KinderschutzPage,
    PartnerRoute => partners: PartnerPage,
    SozialraumRoute => sozialraum: SozialraumPage,
    OfferRoute => offer: OfferPage,
}
