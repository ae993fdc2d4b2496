//! The Hilfeplan (§ 36 SGB VIII): the plan that states need, type of help and the services needed,
//! checked regularly. Each version (*Fortschreibung*) is its own sync record
//! (`<case>~hilfeplan~<n>`, one field per section), drafted from the case's data and then edited;
//! [`diff_lines`] shows what changed against the version before.

use time::Date;

use crate::case::{format_date_de, Case, CaseId};
use crate::error::UserMessage;

pub const HILFEPLAN_SCHEMA_VERSION: u16 = 1;
/// Longest section text.
pub const SECTION_MAX_CHARS: usize = 20_000;

/// The sections of a Hilfeplan, in order (`../shared/domain.md`, "Hilfeplan").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    Beteiligte,
    Ausgangslage,
    Ressourcen,
    Bedarf,
    GewaehlteHilfe,
    Umfang,
    Ziele,
    WerMachtWas,
    Bewilligung,
    Ueberpruefung,
    Kinderschutz,
    Beschwerde,
}

impl Section {
    pub const ALL: [Section; 12] = [
        Section::Beteiligte,
        Section::Ausgangslage,
        Section::Ressourcen,
        Section::Bedarf,
        Section::GewaehlteHilfe,
        Section::Umfang,
        Section::Ziele,
        Section::WerMachtWas,
        Section::Bewilligung,
        Section::Ueberpruefung,
        Section::Kinderschutz,
        Section::Beschwerde,
    ];
    pub fn key(self) -> &'static str {
        match self {
            Section::Beteiligte => "beteiligte",
            Section::Ausgangslage => "ausgangslage",
            Section::Ressourcen => "ressourcen",
            Section::Bedarf => "bedarf",
            Section::GewaehlteHilfe => "gewaehlte_hilfe",
            Section::Umfang => "umfang",
            Section::Ziele => "ziele",
            Section::WerMachtWas => "wer_macht_was",
            Section::Bewilligung => "bewilligung",
            Section::Ueberpruefung => "ueberpruefung",
            Section::Kinderschutz => "kinderschutz",
            Section::Beschwerde => "beschwerde",
        }
    }
    pub fn title_de(self) -> &'static str {
        match self {
            Section::Beteiligte => "Beteiligte und ihre Rollen",
            Section::Ausgangslage => {
                "Ausgangslage aus Sicht des jungen Menschen, der Eltern und der Fachkräfte"
            }
            Section::Ressourcen => "Ressourcen",
            Section::Bedarf => "Bedarf",
            Section::GewaehlteHilfe => "Gewählte Hilfe und Begründung",
            Section::Umfang => "Art, Umfang und Ausgestaltung der Hilfe",
            Section::Ziele => "Gesamtziel und Teilziele mit Zeitplan",
            Section::WerMachtWas => "Wer macht was",
            Section::Bewilligung => "Bewilligungszeitraum",
            Section::Ueberpruefung => "Nächste Überprüfung",
            Section::Kinderschutz => {
                "Vereinbarungen bei Anhaltspunkten für eine Kindeswohlgefährdung (§ 8a SGB VIII)"
            }
            Section::Beschwerde => "Beschwerdemöglichkeiten",
        }
    }
    /// Sections drafted from the case's data anew for each Fortschreibung; the others carry over.
    pub fn is_drafted_from_data(self) -> bool {
        matches!(
            self,
            Section::Beteiligte
                | Section::GewaehlteHilfe
                | Section::Umfang
                | Section::Ziele
                | Section::WerMachtWas
                | Section::Bewilligung
                | Section::Ueberpruefung
        )
    }
    pub fn field(self) -> String {
        format!("s.{}", self.key())
    }
}

/// The record id of version `number` of a case's Hilfeplan.
pub fn record_id(case_id: &CaseId, number: u32) -> String {
    format!("{case_id}~hilfeplan~{number}")
}

/// One version of the Hilfeplan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HilfeplanVersion {
    pub case_id: CaseId,
    /// 1 for the first plan, then each Fortschreibung.
    pub number: u32,
    pub drafted_on: Date,
    pub next_review: Option<Date>,
    /// Texts by section, in [`Section::ALL`] order.
    pub sections: Vec<(Section, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HilfeplanError {
    #[error("unknown Hilfeplan schema version {0}")]
    UnknownSchema(u64),
    #[error("malformed Hilfeplan: {0}")]
    Malformed(String),
    #[error("section too long")]
    TooLong,
}

impl UserMessage for HilfeplanError {
    fn message_de(&self) -> String {
        match self {
            HilfeplanError::TooLong => {
                format!("Ein Abschnitt darf höchstens {SECTION_MAX_CHARS} Zeichen lang sein.")
            }
            _ => "Der Hilfeplan ist beschädigt oder stammt aus einer neueren Version.".into(),
        }
    }
}

impl HilfeplanVersion {
    pub fn text(&self, s: Section) -> &str {
        self.sections.iter().find(|(k, _)| *k == s).map_or("", |(_, t)| t.as_str())
    }

    /// The record's fields (see the module doc).
    pub fn to_record(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut m = serde_json::Map::new();
        m.insert("schema".into(), HILFEPLAN_SCHEMA_VERSION.into());
        m.insert("id".into(), record_id(&self.case_id, self.number).into());
        m.insert("case_id".into(), self.case_id.as_str().into());
        m.insert("number".into(), self.number.into());
        m.insert("drafted_on".into(), self.drafted_on.to_string().into());
        m.insert("next_review".into(), self.next_review.map(|d| d.to_string()).into());
        for (s, t) in &self.sections {
            m.insert(s.field(), t.clone().into());
        }
        m
    }

    pub fn from_record(value: serde_json::Value) -> Result<Self, HilfeplanError> {
        let bad = |w: &str| HilfeplanError::Malformed(w.to_owned());
        let schema = value.get("schema").and_then(|v| v.as_u64()).unwrap_or(0);
        if schema != u64::from(HILFEPLAN_SCHEMA_VERSION) {
            return Err(HilfeplanError::UnknownSchema(schema));
        }
        let case_id = value
            .get("case_id")
            .and_then(|v| v.as_str())
            .and_then(|c| CaseId::parse(c).ok())
            .ok_or_else(|| bad("case_id"))?;
        let number = value
            .get("number")
            .and_then(|v| v.as_u64())
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n >= 1)
            .ok_or_else(|| bad("number"))?;
        if value.get("id").and_then(|v| v.as_str()) != Some(record_id(&case_id, number).as_str()) {
            return Err(bad("id does not belong to case and number"));
        }
        let date = |k: &str| -> Result<Option<Date>, HilfeplanError> {
            match value.get(k) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(v) => v
                    .as_str()
                    .and_then(|s| crate::case::parse_iso_date(s).ok())
                    .map(Some)
                    .ok_or_else(|| bad(k)),
            }
        };
        let drafted_on = date("drafted_on")?.ok_or_else(|| bad("drafted_on"))?;
        let next_review = date("next_review")?;
        let mut sections = Vec::new();
        for s in Section::ALL {
            let text = match value.get(s.field()) {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(t)) => t.clone(),
                Some(_) => return Err(bad(&s.field())),
            };
            if text.chars().count() > SECTION_MAX_CHARS {
                return Err(HilfeplanError::TooLong);
            }
            sections.push((s, text));
        }
        Ok(HilfeplanVersion { case_id, number, drafted_on, next_review, sections })
    }
}

/// What a draft is made from: the case's data as the device has them.
pub struct DraftInput<'a> {
    pub case: &'a Case,
    pub setting: &'a crate::setting::Hilfesetting,
    pub catalog: Option<&'a crate::catalog::Catalog>,
    pub goals: &'a crate::goals::GoalPlan,
    pub clearing: Option<&'a crate::clearing::ClearingRecord>,
    /// Roles that took part in home visits.
    pub visit_participants: Vec<String>,
    pub today: Date,
}

fn lines(items: impl IntoIterator<Item = String>) -> String {
    items.into_iter().map(|l| format!("- {l}")).collect::<Vec<_>>().join("\n")
}

/// The text of a section drafted from the case's data (empty where the data say nothing).
pub fn draft_section(s: Section, d: &DraftInput<'_>) -> String {
    match s {
        Section::Beteiligte => {
            let mut who: Vec<String> = Vec::new();
            who.extend(d.case.custody.iter().map(|c| format!("Sorgerecht: {c}")));
            let mut roles = d.visit_participants.clone();
            roles.sort();
            roles.dedup();
            who.extend(roles.into_iter().map(|r| format!("{r} (beteiligt an Hausbesuchen)")));
            if let Some(a) = &d.case.assigned_to {
                who.push(format!("Fallführende Fachkraft: {a}"));
            }
            let mut providers: Vec<String> = d
                .setting
                .instances
                .iter()
                .map(|i| i.provider.trim().to_owned())
                .filter(|p| !p.is_empty())
                .collect();
            providers.sort();
            providers.dedup();
            who.extend(providers.into_iter().map(|p| format!("Leistungserbringer: {p}")));
            lines(who)
        }
        Section::Ausgangslage => d
            .clearing
            .map(|c| {
                let mut l: Vec<String> = crate::clearing::ResourceArea::ALL
                    .into_iter()
                    .filter(|a| !c.resources.area(*a).belastungen.trim().is_empty())
                    .map(|a| format!("{}: {}", a.label_de(), c.resources.area(a).belastungen.trim()))
                    .collect();
                if let Some(cat) = &c.category {
                    l.push(format!("{} ({})", cat.category.label_de(), cat.reason.trim()));
                }
                lines(l)
            })
            .unwrap_or_default(),
        Section::Ressourcen => d
            .clearing
            .map(|c| {
                lines(
                    crate::clearing::ResourceArea::ALL
                        .into_iter()
                        .filter(|a| !c.resources.area(*a).ressourcen.trim().is_empty())
                        .map(|a| format!("{}: {}", a.label_de(), c.resources.area(a).ressourcen.trim())),
                )
            })
            .unwrap_or_default(),
        Section::Bedarf => String::new(),
        Section::GewaehlteHilfe => {
            let mut l: Vec<String> = d
                .setting
                .instances
                .iter()
                .map(|i| {
                    d.catalog
                        .and_then(|c| c.get(&i.module_id))
                        .map_or(i.module_id.to_string(), |m| format!("{} ({})", m.name_de, m.legal_basis))
                })
                .collect();
            l.dedup();
            l.extend(
                d.setting.offers.iter().map(|o| {
                    format!("Gruppenangebot im Sozialraum: {} ({})", o.title, o.financing.label_de())
                }),
            );
            let mut text = lines(l);
            if let Some(r) = d.clearing.map(|c| c.recommendation.trim()).filter(|r| !r.is_empty()) {
                text.push_str(&format!("\nBegründung (Empfehlung aus dem Clearing): {r}"));
            }
            text
        }
        Section::Umfang => {
            let conv = crate::money::Conventions::default();
            lines(
                d.setting
                    .instances
                    .iter()
                    .map(|i| {
                        let name = d
                            .catalog
                            .and_then(|c| c.get(&i.module_id))
                            .map_or(i.module_id.to_string(), |m| m.name_de.clone());
                        let mut l =
                            format!("{name}: {}, ab {}", i.intensity.label_de(), format_date_de(i.start));
                        if let Some(e) = i.end {
                            l.push_str(&format!(" bis {}", format_date_de(e)));
                        }
                        if !i.provider.trim().is_empty() {
                            l.push_str(&format!(", durch {}", i.provider.trim()));
                        }
                        if let Ok(c) = crate::setting::monthly_cost(i, &conv) {
                            l.push_str(&format!(", {} je Monat", crate::money::format_eur_de(c)));
                        }
                        l
                    })
                    .chain(d.setting.offers.iter().map(|o| o.line_de())),
            )
        }
        Section::Ziele => {
            let mut out = Vec::new();
            for w in &d.goals.wirkungsziele {
                out.push(format!("Wirkungsziel: {}", w.text()));
                for h in &w.handlungsziele {
                    let latest: Vec<String> = crate::goals::Perspective::ALL
                        .into_iter()
                        .filter_map(|p| {
                            let r = h.ratings.iter().filter(|r| r.perspective == p).max_by_key(|r| r.on)?;
                            Some(format!("{} {:+} am {}", p.label_de(), r.score.get(), format_date_de(r.on)))
                        })
                        .collect();
                    let rated = if latest.is_empty() {
                        String::new()
                    } else {
                        format!(" (zuletzt eingeschätzt: {})", latest.join(", "))
                    };
                    out.push(format!("  Handlungsziel ({}): {}{rated}", h.area.label_de(), h.text));
                }
            }
            out.join("\n")
        }
        Section::WerMachtWas => lines(d.goals.handlungsziele().flat_map(|h| {
            h.steps.iter().map(|s| {
                let due = s.due.map(|d| format!(" bis {}", format_date_de(d))).unwrap_or_default();
                let done =
                    s.done_on.map(|d| format!(" (erledigt am {})", format_date_de(d))).unwrap_or_default();
                format!("{}: {}{due}{done}", s.owner, s.text)
            })
        })),
        Section::Bewilligung => d
            .setting
            .approval
            .map(|a| format!("{} bis {}", format_date_de(a.start), format_date_de(a.end)))
            .unwrap_or_default(),
        Section::Ueberpruefung => next_review(d).map(format_date_de).unwrap_or_default(),
        Section::Kinderschutz => String::new(),
        Section::Beschwerde => {
            "Beschwerden nehmen die fallführende Fachkraft, die Teamleitung und die unabhängige \
                                Ombudsstelle (§ 9a SGB VIII) entgegen."
                .into()
        }
    }
}

/// The next review of a plan drafted `today`: drafting the plan is the review (the app records it
/// as the setting's `last_review`), so the setting's interval counts from today, as the rules and
/// the team view count it from the last review.
pub fn next_review(d: &DraftInput<'_>) -> Option<Date> {
    crate::setting::add_months(d.today, u32::from(d.setting.review.interval_months))
}

/// The first plan, or a Fortschreibung of `previous`: sections drawn from data are drafted anew,
/// the others carry the previous text over.
pub fn draft(d: &DraftInput<'_>, previous: Option<&HilfeplanVersion>) -> HilfeplanVersion {
    let sections = Section::ALL
        .into_iter()
        .map(|s| {
            let text = match previous {
                Some(p) if !s.is_drafted_from_data() => p.text(s).to_owned(),
                _ => draft_section(s, d),
            };
            (s, text)
        })
        .collect();
    HilfeplanVersion {
        case_id: d.case.id.clone(),
        number: previous.map_or(1, |p| p.number + 1),
        drafted_on: d.today,
        next_review: next_review(d),
        sections,
    }
}

/// One line of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineChange {
    Same(String),
    Added(String),
    Removed(String),
}

/// What changed from `old` to `new`, line by line (longest common subsequence).
pub fn diff_lines(old: &str, new: &str) -> Vec<LineChange> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // Texts of a plan are short; the quadratic table stays small (capped for safety).
    if a.len() * b.len() > 4_000_000 {
        return a
            .iter()
            .map(|l| LineChange::Removed((*l).to_owned()))
            .chain(b.iter().map(|l| LineChange::Added((*l).to_owned())))
            .collect();
    }
    let mut t = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            t[i][j] = if a[i] == b[j] { t[i + 1][j + 1] + 1 } else { t[i + 1][j].max(t[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            out.push(LineChange::Same(a[i].to_owned()));
            i += 1;
            j += 1;
        } else if t[i + 1][j] >= t[i][j + 1] {
            out.push(LineChange::Removed(a[i].to_owned()));
            i += 1;
        } else {
            out.push(LineChange::Added(b[j].to_owned()));
            j += 1;
        }
    }
    out.extend(a[i..].iter().map(|l| LineChange::Removed((*l).to_owned())));
    out.extend(b[j..].iter().map(|l| LineChange::Added((*l).to_owned())));
    out
}

#[cfg(test)]
mod tests;
