//! Host and app metrics. Hosts: Prometheus node_exporter on the host (127.0.0.1:9100, reached
//! through the ssh connection), or /proc and df over ssh when there is none, and the answer
//! says which. Apps: systemd's accounting per unit. Rates come from two samples.

pub mod endpoint;
pub mod node;
pub mod procfs;
pub mod prometheus;
pub mod series;
pub mod units;

pub use crate::model::metrics::{Disk, HostMetrics};

/// Raw counters and gauges at one moment.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HostSample {
    /// Seconds (the host's clock where the source gives it).
    pub at: f64,
    pub cpu_total: f64,
    pub cpu_idle: f64,
    pub load: [f64; 3],
    pub mem_total: u64,
    pub mem_available: u64,
    pub disks: Vec<Disk>,
    pub net_rx: u64,
    pub net_tx: u64,
    pub uptime_secs: Option<u64>,
}

/// Derives rates from two samples of the same source (`b` later than `a`).
pub fn derive(source: &'static str, a: &HostSample, b: &HostSample) -> HostMetrics {
    let dt = b.at - a.at;
    let dtotal = b.cpu_total - a.cpu_total;
    let cpu = (dtotal > 0.0).then(|| (100.0 * (1.0 - (b.cpu_idle - a.cpu_idle) / dtotal)).clamp(0.0, 100.0));
    let rate = |x: u64, y: u64| (dt > 0.0).then(|| y.saturating_sub(x) as f64 / dt);
    HostMetrics {
        source,
        cpu_percent: cpu,
        load: b.load,
        mem_used: b.mem_total.saturating_sub(b.mem_available),
        mem_available: b.mem_available,
        mem_total: b.mem_total,
        disks: b.disks.clone(),
        net_rx_per_sec: rate(a.net_rx, b.net_rx),
        net_tx_per_sec: rate(a.net_tx, b.net_tx),
        uptime_secs: b.uptime_secs,
    }
}

/// File systems worth showing: real ones, each device once, under its shortest mount point;
/// and a tmpfs mounted where apps keep data (/srv, /mnt, /data, /media, /home), which fills and
/// then fails writes as a disk does. The key groups mounts of one device (None: not a disk).
pub fn disk_key(fstype: &str, device: &str, mount: &str) -> Option<String> {
    if fstype == "tmpfs" {
        let data = ["/srv/", "/mnt/", "/data", "/media/", "/home/"];
        return data.iter().any(|p| mount.starts_with(p)).then(|| format!("tmpfs:{mount}"));
    }
    let pseudo = matches!(fstype, "devtmpfs" | "squashfs" | "proc" | "sysfs" | "ramfs" | "nsfs" | "autofs" | "fuse.lxcfs");
    (!pseudo && !fstype.starts_with("cgroup")).then(|| device.to_string())
}

/// Mount points worth showing as a disk: not a file bind-mounted into a container
/// (/etc/hosts), not the system's own trees, not a container engine's layers or volumes.
pub fn keep_mount(mount: &str) -> bool {
    let system = ["/etc/", "/proc", "/sys", "/dev", "/run", "/snap/", "/boot/efi"];
    let layers = ["/overlay2/", "/containers/", "/var/lib/docker/", "/var/lib/kubelet/", "/var/lib/containerd/", "/var/lib/rancher/"];
    !system.iter().any(|p| mount.starts_with(p)) && !layers.iter().any(|p| mount.contains(p))
}

pub fn dedupe_disks(disks: Vec<(String, Disk)>) -> Vec<Disk> {
    // Inside a container (node_exporter leaves out the overlay root) the bind-mounted files are
    // all there is of the disk: better those than no disk at all.
    let real = |dev: &str| !dev.starts_with("tmpfs:");
    let kept: Vec<(String, Disk)> = disks.iter().filter(|(_, d)| keep_mount(&d.mount)).cloned().collect();
    let mut disks = if kept.iter().any(|(dev, _)| real(dev)) { kept } else { disks };
    disks.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.mount.len().cmp(&b.1.mount.len())));
    let mut out: Vec<Disk> = Vec::new();
    let mut last_dev = String::new();
    for (dev, d) in disks {
        if dev != last_dev {
            out.push(d);
            last_dev = dev;
        }
    }
    out.sort_by(|a, b| a.mount.cmp(&b.mount));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_mounts_and_layers_are_not_disks() {
        let d = |dev: &str, mount: &str, avail: u64| (dev.to_string(), Disk { mount: mount.into(), size: 100, avail });
        let kept = dedupe_disks(vec![
            d("/dev/vda1", "/etc/hostname", 1),
            d("/dev/vda1", "/etc/hosts", 1),
            d("overlay", "/", 40),
            d("/dev/vdb", "/srv/data", 70),
            d("/dev/vda1", "/var/lib/docker/overlay2/abc/merged", 1),
            d("/dev/vda2", "/boot/efi", 2),
        ]);
        let mounts: Vec<&str> = kept.iter().map(|d| d.mount.as_str()).collect();
        assert_eq!(mounts, ["/", "/srv/data"]);
    }

    #[test]
    fn a_container_whose_disk_shows_only_through_bind_mounts_still_has_one() {
        let d = |mount: &str| ("/dev/vda".to_string(), Disk { mount: mount.into(), size: 100, avail: 60 });
        let kept = dedupe_disks(vec![d("/etc/hostname"), d("/etc/hosts"), d("/etc/resolv.conf")]);
        assert_eq!(kept.len(), 1, "one disk, seen through its first bind mount");
    }

    #[test]
    fn a_tmpfs_where_apps_keep_data_is_a_disk_and_the_system_ones_are_not() {
        assert_eq!(disk_key("tmpfs", "tmpfs", "/srv/data").as_deref(), Some("tmpfs:/srv/data"));
        assert_eq!(disk_key("tmpfs", "tmpfs", "/run/user/0"), None);
        assert_eq!(disk_key("tmpfs", "tmpfs", "/dev/shm"), None);
        assert_eq!(disk_key("proc", "proc", "/proc"), None);
        // Beside a container's bind mounts, the data tmpfs does not hide the real disk.
        let d = |dev: &str, mount: &str| (dev.to_string(), Disk { mount: mount.into(), size: 100, avail: 60 });
        let kept = dedupe_disks(vec![d("/dev/vda", "/etc/hostname"), d("/dev/vda", "/etc/hosts"), d("tmpfs:/srv/data", "/srv/data")]);
        let mounts: Vec<&str> = kept.iter().map(|d| d.mount.as_str()).collect();
        assert_eq!(mounts, ["/etc/hosts", "/srv/data"]);
    }
}
