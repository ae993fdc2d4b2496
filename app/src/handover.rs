//! What leaves a case for someone outside the team, built from the device store: a partner's copy
//! under a valid consent (§ 67b SGB X), or the pseudonymised copy for a consultation with an outside
//! Fachkraft (§ 64 Abs. 2a SGB VIII). Entrusted notes (§ 65) go only with a basis chosen for each.
//! Pure; tested natively (`handover/tests.rs`).

use std::collections::BTreeMap;

use passgenau_domain::case::{format_date_de, CaseId};
use passgenau_domain::checklist::SECTIONS;
use passgenau_domain::consent::{age_on, check_sharing, DataCategory, DisclosureBasis, SharingBlocked};
use passgenau_domain::goals::Perspective;
use passgenau_domain::UserMessage;
use time::Date;

use crate::kv::Kv;
use crate::store;

/// Who receives the copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// A cooperation partner, named as in the consent register.
    Partner(String),
    /// An outside Fachkraft for a consultation; the case appears under this pseudonym.
    Consultation { pseudonym: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub recipient: Recipient,
    pub categories: Vec<DataCategory>,
    /// For entrusted notes (by note id): the basis chosen to pass each on. Others stay in the case.
    pub bases: BTreeMap<String, DisclosureBasis>,
    pub today: Date,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub heading: String,
    pub lines: Vec<String>,
}

/// An entrusted note of the case, offered for an explicit decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntrustedNote {
    pub id: String,
    pub entrusted_by: String,
    pub written_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub title: String,
    pub intro: String,
    pub sections: Vec<Section>,
    /// Entrusted notes in the copy, with their basis (each is logged as `note.disclose`).
    pub disclosed: Vec<(String, DisclosureBasis)>,
    /// Entrusted notes kept back for want of a basis.
    pub withheld: usize,
    /// The consents relied on (ids).
    pub consents: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandoverError {
    #[error("case not found on this device")]
    NotFound,
    #[error(transparent)]
    Blocked(#[from] SharingBlocked),
    #[error("no data category chosen")]
    NoCategory,
}

impl UserMessage for HandoverError {
    fn message_de(&self) -> String {
        match self {
            HandoverError::NotFound => "Dieser Fall ist auf diesem Gerät nicht vorhanden.".into(),
            HandoverError::Blocked(b) => b.message_de(),
            HandoverError::NoCategory => "Bitte mindestens eine Datenart wählen.".into(),
        }
    }
}

/// The entrusted notes of a case (§ 65), for the per-note decision.
pub fn entrusted_notes(kv: &dyn Kv, case_id: &CaseId) -> Vec<EntrustedNote> {
    store::visit_notes(kv, case_id.as_str())
        .into_iter()
        .filter_map(|n| {
            Some(EntrustedNote {
                written_on: crate::util::format_timestamp_de(&n.written_at),
                entrusted_by: n.entrusted_by?,
                id: n.id,
            })
        })
        .collect()
}

/// A pseudonym for a consultation: "Fall " and four letters, none of the case's data.
pub fn pseudonym(random: &[u8]) -> String {
    const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    let tag: String =
        random.iter().take(4).map(|b| LETTERS[usize::from(*b) % LETTERS.len()] as char).collect();
    format!("Fall {tag}")
}

fn month_year(d: Date) -> String {
    format!("{:02}/{}", u8::from(d.month()), d.year())
}

/// Builds the copy, or says why it may not be made.
pub fn build(kv: &dyn Kv, case_id: &CaseId, req: &Request) -> Result<Document, HandoverError> {
    let case = store::case(kv, case_id.as_str()).ok_or(HandoverError::NotFound)?;
    if req.categories.is_empty() {
        return Err(HandoverError::NoCategory);
    }
    // For a partner: the consents relied on, and the purposes they name.
    let (pseudo, consents, purposes) = match &req.recipient {
        Recipient::Partner(p) => {
            let all = store::consents(kv, case_id);
            let used = check_sharing(&all, p, &req.categories, req.today)?;
            let mut purposes: Vec<String> = used
                .iter()
                .map(|c| {
                    format!(
                        "„{}“ (Einwilligung vom {}, {})",
                        c.purpose,
                        format_date_de(c.given_on),
                        c.given_by
                    )
                })
                .collect();
            purposes.dedup();
            (None, used.iter().map(|c| c.id.clone()).collect(), purposes)
        }
        Recipient::Consultation { pseudonym } => (Some(pseudonym.clone()), Vec::new(), Vec::new()),
    };
    let today = format_date_de(req.today);
    let (title, intro) = match &req.recipient {
        Recipient::Partner(p) => {
            // The Aktenzeichen is a Stammdatum: named only when that category is passed on.
            let title = if req.categories.contains(&DataCategory::Stammdaten) {
                format!("Weitergabe an {} – {}", p.trim(), case.label.as_str())
            } else {
                format!("Weitergabe an {}", p.trim())
            };
            (
                title,
                format!(
                    "Auf Grundlage der Einwilligung nach § 67b SGB X, Stand {today}. Nur zu verwenden für: {}.",
                    purposes.join("; ")
                ),
            )
        }
        Recipient::Consultation { pseudonym } => (
            format!("Fallberatung – {pseudonym}"),
            format!(
                "Pseudonymisiert nach § 64 Abs. 2a SGB VIII, Stand {today}: ohne Aktenzeichen, Geburtsdatum, genaue \
                 Daten, Namen von Fachkräften und Anbietern, Texte der Ziele und Notizen. Nicht an Dritte weitergeben."
            ),
        ),
    };
    let mut doc =
        Document { title, intro, sections: Vec::new(), disclosed: Vec::new(), withheld: 0, consents };
    let catalog = crate::catalog::catalog();
    for cat in DataCategory::ALL.into_iter().filter(|c| req.categories.contains(c)) {
        let mut lines = Vec::new();
        match cat {
            DataCategory::Stammdaten => match &pseudo {
                None => {
                    lines.push(format!("Aktenzeichen oder Pseudonym: {}", case.label.as_str()));
                    lines.push(format!("Beginn: {}", format_date_de(case.start_date)));
                    if let Some(b) = &case.birth {
                        lines.push(format!("Geburtsjahr oder -datum: {b}"));
                    }
                    if !case.custody.is_empty() {
                        lines.push(format!("Sorgerecht: {}", case.custody.join(", ")));
                    }
                    lines.push(format!("Status: {}", case.status.label_de()));
                }
                Some(ps) => {
                    lines.push(format!("Fall: {ps}"));
                    lines.push(format!("Hilfe seit: {}", month_year(case.start_date)));
                    if let Some(age) = case.birth.as_deref().and_then(|b| age_on(b, req.today)) {
                        lines.push(format!("Alter: {age} Jahre"));
                    }
                    if !case.custody.is_empty() {
                        lines.push(format!("Sorgerecht: {}", case.custody.join(", ")));
                    }
                    lines.push(format!("Status: {}", case.status.label_de()));
                }
            },
            DataCategory::Hilfesetting => {
                for i in store::hilfesetting(kv, case_id).instances {
                    let name = catalog
                        .and_then(|c| c.get(&i.module_id))
                        .map_or(i.module_id.to_string(), |m| format!("{} ({})", m.name_de, m.legal_basis));
                    // Exact days could identify the case; the consultation copy keeps month and year.
                    let day = |d: Date| if pseudo.is_some() { month_year(d) } else { format_date_de(d) };
                    let mut line = format!("{name}: {}, ab {}", i.intensity.label_de(), day(i.start));
                    if let Some(e) = i.end {
                        line.push_str(&format!(" bis {}", day(e)));
                    }
                    if pseudo.is_none() && !i.provider.trim().is_empty() {
                        line.push_str(&format!(", Anbieter: {}", i.provider.trim()));
                    }
                    lines.push(line);
                }
            }
            DataCategory::Ziele => {
                for (n, h) in store::goals(kv, case_id).handlungsziele().enumerate() {
                    let latest: Vec<String> = Perspective::ALL
                        .into_iter()
                        .filter_map(|p| {
                            h.ratings.iter().filter(|r| r.perspective == p).max_by_key(|r| r.on).map(|r| {
                                let s = r.score.get();
                                format!("{} {}{s}", p.label_de(), if s > 0 { "+" } else { "" })
                            })
                        })
                        .collect();
                    let rated = if latest.is_empty() {
                        String::new()
                    } else {
                        format!(" (zuletzt: {})", latest.join(", "))
                    };
                    // Goal texts often name people: the consultation copy has the area only.
                    let what = match &pseudo {
                        None => h.text.clone(),
                        Some(_) => format!("Handlungsziel {} ({})", n + 1, h.area.label_de()),
                    };
                    lines.push(format!("{what}{rated}"));
                }
            }
            DataCategory::Besuchsnotizen => {
                let notes = store::visit_notes(kv, case_id.as_str());
                if pseudo.is_some() {
                    let visits = store::visits(kv, case_id.as_str());
                    lines.push(format!("Hausbesuche: {}; Notizen werden nicht übermittelt.", visits.len()));
                    doc.withheld += notes.iter().filter(|n| n.entrusted_by.is_some()).count();
                } else {
                    for n in notes {
                        let when = crate::util::format_timestamp_de(&n.written_at);
                        match &n.entrusted_by {
                            None => lines.push(format!("{when}: {}", n.text)),
                            Some(by) => match req.bases.get(&n.id) {
                                Some(basis) => {
                                    lines.push(format!(
                                        "{when} (anvertraut von {by}; weitergegeben nach {}): {}",
                                        basis.label_de(),
                                        n.text
                                    ));
                                    doc.disclosed.push((n.id.clone(), *basis));
                                }
                                None => doc.withheld += 1,
                            },
                        }
                    }
                }
            }
            DataCategory::Checkliste => {
                let answers = store::checklist(kv, case_id);
                for s in SECTIONS {
                    let c = answers.section_completeness(s.id);
                    lines.push(format!(
                        "{}: {} von {} entschieden, {} offen",
                        s.title,
                        c.decided(),
                        c.total,
                        c.offen
                    ));
                }
            }
            DataCategory::Clearing => {
                if let Some((rec, _)) = store::clearing(kv, case_id) {
                    match &pseudo {
                        None => lines.push(format!(
                            "Clearing ab {}, Frist {}",
                            format_date_de(rec.start),
                            format_date_de(rec.deadline)
                        )),
                        Some(_) => lines.push(format!("Clearing seit {}", month_year(rec.start))),
                    }
                    if let Some(c) = &rec.category {
                        lines.push(c.category.label_de().to_owned());
                        if pseudo.is_none() {
                            lines.push(format!("Begründung: {}", c.reason));
                        }
                    }
                }
            }
        }
        if lines.is_empty() {
            lines.push("Keine Angaben.".into());
        }
        doc.sections.push(Section { heading: cat.label_de().to_owned(), lines });
    }
    if doc.withheld > 0 {
        let why = if pseudo.is_some() {
            "werden bei einer Fallberatung nicht übermittelt"
        } else {
            "ohne gewählte Grundlage"
        };
        doc.sections.push(Section {
            heading: "Nicht enthalten".into(),
            lines: vec![format!("{} anvertraute Notiz(en) nach § 65 SGB VIII {why}.", doc.withheld)],
        });
    }
    Ok(doc)
}

/// The audit detail of a handover: recipient, categories and consents; never case content.
pub fn audit_detail(req: &Request, doc: &Document) -> String {
    let cats: Vec<&str> = req.categories.iter().map(|c| c.key()).collect();
    match &req.recipient {
        Recipient::Partner(p) => format!(
            "partner={}; categories={}; consents={}",
            p.trim(),
            cats.join(","),
            doc.consents.join(",")
        ),
        Recipient::Consultation { pseudonym } => {
            format!("pseudonym={pseudonym}; categories={}", cats.join(","))
        }
    }
}

#[cfg(test)]
mod tests;
