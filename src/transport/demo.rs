//! `fleet --demo`: hosts that answer from fixtures captured on the lab, with a short delay so the
//! "connecting" state shows, and one host that is down. No network. It runs through the same
//! runtime, discovery and views as real hosts.

use std::time::Duration;

use super::ExecOutput;
use crate::model::HostSpec;
use crate::model::{HostError, HostErrorKind, HostId};

const LON_1: &str = include_str!("../../fixtures/systemd/lab-1.txt");
const LON_2: &str = include_str!("../../fixtures/systemd/lab-2.txt");
const AMS_1: &str = include_str!("../../fixtures/systemd/old-systemd-245.txt");
const JOURNAL_1: &str = include_str!("../../fixtures/journal/lab-1.json");
const JOURNAL_2: &str = include_str!("../../fixtures/journal/lab-2.json");

/// (name, fixture output or None for a host that is down, delay before answering in ms)
const HOSTS: [(&str, Option<&str>, u64); 4] =
    [("lon-1", Some(LON_1), 250), ("lon-2", Some(LON_2), 500), ("ams-1", Some(AMS_1), 800), ("nyc-1", None, 1500)];

pub struct DemoTransport {
    id: HostId,
    output: Option<&'static str>,
    delay: Duration,
}

impl DemoTransport {
    pub fn for_host(id: &HostId) -> Option<DemoTransport> {
        HOSTS.iter().find(|(n, _, _)| *n == id.0).map(|(_, output, ms)| DemoTransport {
            id: id.clone(),
            output: *output,
            delay: Duration::from_millis(*ms),
        })
    }

    pub fn id(&self) -> &HostId {
        &self.id
    }

    /// Logs: the journal captured from the lab. A follow has nothing new to say and stays open.
    pub async fn exec_stream(&self, command: &str) -> Result<super::stream::ExecStream, HostError> {
        tokio::time::sleep(self.delay / 4).await;
        if self.output.is_none() {
            return Err(HostError::new(HostErrorKind::Unreachable, "connection refused (203.0.113.7:22)"));
        }
        if command.contains("--follow") {
            return Ok(super::stream::ExecStream::idle());
        }
        let journal = if self.id.0 == "lon-2" { JOURNAL_2 } else { JOURNAL_1 };
        let mut lines: Vec<Vec<u8>> = journal.lines().map(|l| l.as_bytes().to_vec()).collect();
        if command.contains("--reverse") {
            lines.reverse();
        }
        Ok(super::stream::ExecStream::fixed(lines))
    }

    /// Whether this demo host answers (one of them plays a host that is down).
    pub fn reachable(&self) -> bool {
        self.output.is_some()
    }

    pub async fn exec(&self, _command: &str) -> Result<ExecOutput, HostError> {
        tokio::time::sleep(self.delay).await;
        match self.output {
            Some(text) => Ok(ExecOutput { stdout: text.as_bytes().to_vec(), stderr: Vec::new(), status: Some(0) }),
            None => Err(HostError::new(HostErrorKind::Unreachable, "connection refused (203.0.113.7:22)")),
        }
    }
}

pub fn hosts() -> Vec<HostSpec> {
    HOSTS
        .iter()
        .map(|(name, _, _)| HostSpec {
            id: HostId((*name).into()),
            kind: crate::model::HostKind::Demo,
            destination: String::new(),
            tags: vec!["demo".into()],
            group: None,
        })
        .collect()
}
