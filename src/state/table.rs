/// The selected row of a list. The scroll offset is derived when drawing (and when mapping a
/// click back to a row) from the same pure function, so state holds only the selection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListCursor {
    pub selected: usize,
}

impl ListCursor {
    pub fn up(&mut self, n: usize) {
        self.selected = self.selected.saturating_sub(n);
    }
    pub fn down(&mut self, n: usize, len: usize) {
        self.selected = (self.selected + n).min(len.saturating_sub(1));
    }
    pub fn clamp(&mut self, len: usize) {
        self.selected = self.selected.min(len.saturating_sub(1));
    }
}

/// The first visible row for a selection in a list `height` rows tall: keeps the selection on
/// screen, scrolling only as far as needed.
pub fn scroll_offset(selected: usize, height: usize) -> usize {
    if height == 0 { 0 } else { selected.saturating_sub(height - 1) }
}
