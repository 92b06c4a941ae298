use std::path::{Path, PathBuf};

/// A configuration problem the user must fix: always names the file, and the line and column
/// where we know them. The CLI exits 2 on these.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}:{line}:{col}: {message}")]
    At { path: PathBuf, line: usize, col: usize, message: String },
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("{0}")]
    Other(String),
}

impl ConfigError {
    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        ConfigError::File { path: path.to_path_buf(), message: message.into() }
    }

    /// Turns a toml/serde error into `file:line:col: message`, from the error's byte span.
    pub fn from_toml(path: &Path, source: &str, err: &toml::de::Error) -> Self {
        let message = err.message().trim().to_string();
        match err.span() {
            Some(span) => {
                let (line, col) = line_col(source, span.start);
                ConfigError::At { path: path.to_path_buf(), line, col, message }
            }
            None => ConfigError::file(path, message),
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, col)
}

/// Parses a TOML file into `T`, with errors as `file:line:col: message`.
pub fn parse_toml<T: serde::de::DeserializeOwned>(path: &Path, source: &str) -> Result<T, ConfigError> {
    toml::from_str(source).map_err(|e| ConfigError::from_toml(path, source, &e))
}

/// Reads and parses a TOML file.
pub fn load_toml<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ConfigError> {
    let source = std::fs::read_to_string(path).map_err(|e| ConfigError::file(path, format!("cannot read: {e}")))?;
    parse_toml(path, &source)
}
