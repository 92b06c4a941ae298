//! The local machine as a host: commands run by the local shell, sockets opened directly.

use super::ExecOutput;
use crate::model::{HostError, HostErrorKind, HostId};

pub struct LocalTransport {
    id: HostId,
}

impl Default for LocalTransport {
    fn default() -> Self {
        LocalTransport { id: HostId("local".into()) }
    }
}

impl LocalTransport {
    pub fn id(&self) -> &HostId {
        &self.id
    }

    pub async fn exec_stream(&self, command: &str) -> Result<super::stream::ExecStream, HostError> {
        let child = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(command)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| HostError::new(HostErrorKind::Command, format!("cannot run sh: {e}")))?;
        super::stream::ExecStream::local(child)
    }

    pub async fn exec_with_input(&self, command: &str, input: &[u8]) -> Result<ExecOutput, HostError> {
        use tokio::io::AsyncWriteExt;
        let mut child = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(command)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| HostError::new(HostErrorKind::Command, format!("cannot run sh: {e}")))?;
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(input).await;
        }
        let out = child.wait_with_output().await.map_err(|e| HostError::new(HostErrorKind::Command, e.to_string()))?;
        Ok(ExecOutput { stdout: out.stdout, stderr: out.stderr, status: out.status.code().map(|c| c as u32) })
    }

    pub async fn exec(&self, command: &str) -> Result<ExecOutput, HostError> {
        let out = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(command)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|e| HostError::new(HostErrorKind::Command, format!("cannot run sh: {e}")))?;
        Ok(ExecOutput { stdout: out.stdout, stderr: out.stderr, status: out.status.code().map(|c| c as u32) })
    }
}
