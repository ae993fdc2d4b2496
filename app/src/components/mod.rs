//! One component per file.

mod case_detail;
mod case_list;
mod case_new;
mod checklist_wizard;
mod clearing_flow;
mod conflict_inbox;
mod header;
mod instance_card;
mod loading;
mod login;
mod module_picker;
mod not_found;
mod require_session;
mod setting_composer;
mod status_bar;
mod tab_notice;
mod unsent_list;
mod visit_screen;

pub use case_detail::CaseDetail;
pub use case_list::CaseList;
pub use case_new::CaseNew;
pub use checklist_wizard::ChecklistWizard;
pub use clearing_flow::ClearingFlow;
pub use conflict_inbox::ConflictInbox;
pub use header::Header;
pub use instance_card::InstanceCard;
pub use loading::Loading;
pub use login::Login;
pub use module_picker::ModulePicker;
pub use not_found::NotFound;
pub use require_session::RequireSession;
pub use setting_composer::SettingComposer;
pub use status_bar::StatusBar;
pub use tab_notice::TabNotice;
pub use unsent_list::UnsentList;
pub use visit_screen::VisitScreen;
