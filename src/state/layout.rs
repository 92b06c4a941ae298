//! Screen geometry as a pure function of the terminal size, shared by drawing and by mouse
//! handling so a click maps to the row that was drawn there.

use ratatui::layout::Rect;

use super::View;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    Apps,
    Hosts,
    Detail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub title: Rect,
    pub status: Rect,
    pub apps: Rect,
    pub hosts: Rect,
    pub detail: Rect,
}

/// Tables draw a border and a header line above their first row.
const TABLE_CHROME_TOP: u16 = 2;
const TABLE_CHROME: u16 = 3;

impl Layout {
    pub fn new(width: u16, height: u16, view: &View, host_count: usize) -> Layout {
        let full = Rect::new(0, 0, width, height);
        let title = Rect::new(0, 0, width, height.min(1));
        let status = Rect::new(0, height.saturating_sub(1), width, height.min(1));
        let body = Rect::new(0, 1.min(height), width, height.saturating_sub(2));
        let empty = Rect::new(0, 0, 0, 0);
        let _ = full;
        match view {
            View::App { .. } | View::Logs { .. } | View::Host { .. } | View::Certs | View::Problems => {
                Layout { title, status, apps: empty, hosts: empty, detail: body }
            }
            View::Apps if width >= 140 => {
                let hosts_w = (width * 9 / 20).clamp(56, 96);
                let apps = Rect::new(0, body.y, width - hosts_w, body.height);
                let hosts = Rect::new(width - hosts_w, body.y, hosts_w, body.height);
                Layout { title, status, apps, hosts, detail: empty }
            }
            View::Apps => {
                // Tall enough for every host, up to half the screen.
                let want = (host_count as u16).saturating_add(TABLE_CHROME);
                let hosts_h = want.clamp(5, (body.height / 2).max(5)).min(body.height);
                let apps = Rect::new(0, body.y, width, body.height - hosts_h);
                let hosts = Rect::new(0, body.y + body.height - hosts_h, width, hosts_h);
                Layout { title, status, apps, hosts, detail: empty }
            }
        }
    }

    pub fn apps_rows(&self) -> usize {
        self.apps.height.saturating_sub(TABLE_CHROME) as usize
    }
    pub fn hosts_rows(&self) -> usize {
        self.hosts.height.saturating_sub(TABLE_CHROME) as usize
    }
    pub fn detail_rows(&self) -> usize {
        self.detail.height.saturating_sub(TABLE_CHROME) as usize
    }

    /// Which table a point is in, and which visible row (0 = first data row).
    pub fn hit(&self, column: u16, row: u16) -> Option<(Region, usize)> {
        for (region, rect) in [(Region::Apps, self.apps), (Region::Hosts, self.hosts), (Region::Detail, self.detail)] {
            let inside = column >= rect.x && column < rect.x + rect.width && row >= rect.y && row < rect.y + rect.height;
            if inside && rect.height > TABLE_CHROME {
                let first = rect.y + TABLE_CHROME_TOP;
                let last = rect.y + rect.height - 1;
                if row >= first && row < last {
                    return Some((region, (row - first) as usize));
                }
                return None;
            }
        }
        None
    }
}
