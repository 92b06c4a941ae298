//! Terminal setup and restore. The terminal is restored on normal exit, on error (the guard's
//! Drop) and on panic (the hook), so a crash never leaves a raw-mode shell behind.

use std::io::{Stdout, stdout};

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

pub struct TerminalGuard {
    pub terminal: Term,
}

pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(stdout(), DisableMouseCapture, LeaveAlternateScreen, crossterm::cursor::Show);
}

impl TerminalGuard {
    pub fn enter() -> std::io::Result<TerminalGuard> {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
        enable_raw_mode()?;
        execute!(stdout(), EnterAlternateScreen, EnableMouseCapture)?;
        let terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
        Ok(TerminalGuard { terminal })
    }
}

/// Hands the terminal to a shell: the normal screen, a visible cursor, no mouse reports. Raw
/// mode stays on so every key (Ctrl-C, Ctrl-D) goes to the remote side as a byte.
pub fn suspend() {
    let _ = execute!(stdout(), DisableMouseCapture, LeaveAlternateScreen, crossterm::cursor::Show);
}

/// Takes the terminal back after a shell and redraws from scratch.
pub fn resume(guard: &mut TerminalGuard) -> std::io::Result<()> {
    enable_raw_mode()?;
    execute!(stdout(), EnterAlternateScreen, EnableMouseCapture, crossterm::terminal::Clear(crossterm::terminal::ClearType::All))?;
    // A fresh Terminal has an empty previous buffer, so the next draw paints every cell.
    // (Terminal::clear would ask the terminal for the cursor position, a read that races the
    // input stream being rebuilt.)
    guard.terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
    Ok(())
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}
