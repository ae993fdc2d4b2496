//! Error conventions shared by every boundary.

/// Errors that reach a user carry a German message; their `Display` stays English for logs and APIs.
pub trait UserMessage {
    /// A clear, calm German sentence for the Fachkraft.
    fn message_de(&self) -> String;
}
