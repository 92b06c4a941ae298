#!/usr/bin/python3
"""Renders a tmux capture with escape codes (`tmux capture-pane -e -p`) to a PNG, cell by cell,
in the colours the terminal showed: the README's pictures are the real binary's screen.

usage: render.py CAPTURE.ans OUT.png [COLUMNS ROWS]
needs: python3-pil and fonts-dejavu-core (Debian), i.e. Pillow and DejaVu Sans Mono.
"""

import re
import sys

from PIL import Image, ImageDraw, ImageFont

FONT_DIR = "/usr/share/fonts/truetype/dejavu/"
SIZE = 15
BG = (24, 26, 33)
FG = (208, 210, 214)
# The first 16 colours as a dark terminal theme shows them.
BASE16 = [
    (40, 42, 54), (224, 108, 117), (152, 195, 121), (229, 192, 123),
    (97, 175, 239), (198, 120, 221), (86, 182, 194), (171, 178, 191),
    (92, 99, 112), (240, 113, 120), (166, 226, 46), (250, 219, 111),
    (102, 217, 239), (215, 140, 245), (137, 221, 255), (255, 255, 255),
]


def palette(n):
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    g = 8 + (n - 232) * 10
    return (g, g, g)


SGR = re.compile(r"\x1b\[([0-9;:]*)m")
OTHER = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][A-Z0-9])")


def cells(line):
    """(char, fg, bg, bold, reverse) for each cell of one captured line."""
    out = []
    style = {"fg": None, "bg": None, "bold": False, "rev": False, "dim": False}
    pos = 0
    while pos < len(line):
        m = SGR.match(line, pos)
        if m:
            apply(style, [int(p) if p else 0 for p in re.split("[;:]", m.group(1))] if m.group(1) else [0])
            pos = m.end()
            continue
        m = OTHER.match(line, pos)
        if m:
            pos = m.end()
            continue
        out.append((line[pos], dict(style)))
        pos += 1
    return out


def apply(style, params):
    i = 0
    while i < len(params):
        p = params[i]
        if p == 0:
            style.update(fg=None, bg=None, bold=False, rev=False, dim=False)
        elif p == 1:
            style["bold"] = True
        elif p == 2:
            style["dim"] = True
        elif p == 22:
            style["bold"] = style["dim"] = False
        elif p == 7:
            style["rev"] = True
        elif p == 27:
            style["rev"] = False
        elif 30 <= p <= 37:
            style["fg"] = palette(p - 30)
        elif 90 <= p <= 97:
            style["fg"] = palette(p - 90 + 8)
        elif 40 <= p <= 47:
            style["bg"] = palette(p - 40)
        elif 100 <= p <= 107:
            style["bg"] = palette(p - 100 + 8)
        elif p == 39:
            style["fg"] = None
        elif p == 49:
            style["bg"] = None
        elif p in (38, 48) and i + 1 < len(params):
            key = "fg" if p == 38 else "bg"
            if params[i + 1] == 5 and i + 2 < len(params):
                style[key] = palette(params[i + 2])
                i += 2
            elif params[i + 1] == 2 and i + 4 < len(params):
                style[key] = tuple(params[i + 2:i + 5])
                i += 4
        i += 1


# Box-drawing characters drawn as lines so borders join across rows: which of (left, right,
# up, down) each one reaches.
BOX = {
    "─": (1, 1, 0, 0), "│": (0, 0, 1, 1), "┌": (0, 1, 0, 1), "┐": (1, 0, 0, 1),
    "└": (0, 1, 1, 0), "┘": (1, 0, 1, 0), "├": (0, 1, 1, 1), "┤": (1, 0, 1, 1),
    "┬": (1, 1, 0, 1), "┴": (1, 1, 1, 0), "┼": (1, 1, 1, 1),
}


def box(draw, c, left, top, cw, ch, fg):
    l, r, u, d = BOX[c]
    mx, my = left + cw // 2, top + ch // 2
    if l:
        draw.line([left, my, mx, my], fill=fg)
    if r:
        draw.line([mx, my, left + cw - 1, my], fill=fg)
    if u:
        draw.line([mx, top, mx, my], fill=fg)
    if d:
        draw.line([mx, my, mx, top + ch - 1], fill=fg)


# Braille cells (charts, the spinner), drawn dot by dot: the mono font has none. Bit → (column, row).
DOTS = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (0, 3), (1, 3)]


def braille(draw, bits, left, top, cw, ch, fg):
    r = max(1, cw // 6)
    for bit, (col, row) in enumerate(DOTS):
        if bits & (1 << bit):
            x = left + cw * (1 + 2 * col) // 4
            y = top + ch * (1 + 2 * row) // 8
            draw.rectangle([x - r, y - r, x + r - 1, y + r - 1], fill=fg)


def main():
    src, dst = sys.argv[1], sys.argv[2]
    lines = open(src, encoding="utf-8", errors="replace").read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    cols = int(sys.argv[3]) if len(sys.argv) > 3 else max(len(cells(l)) for l in lines)
    rows = int(sys.argv[4]) if len(sys.argv) > 4 else len(lines)
    regular = ImageFont.truetype(FONT_DIR + "DejaVuSansMono.ttf", SIZE)
    bold = ImageFont.truetype(FONT_DIR + "DejaVuSansMono-Bold.ttf", SIZE)
    cw = round(regular.getlength("M"))
    ch = SIZE + 4
    pad = 12
    img = Image.new("RGB", (cols * cw + 2 * pad, rows * ch + 2 * pad), BG)
    draw = ImageDraw.Draw(img)
    for y, line in enumerate(lines[:rows]):
        for x, (c, s) in enumerate(cells(line)[:cols]):
            fg, bg = s["fg"] or FG, s["bg"] or BG
            if s["rev"]:
                fg, bg = bg, fg
            if s["dim"]:
                fg = tuple(int(v * 0.6 + b * 0.4) for v, b in zip(fg, bg))
            left, top = pad + x * cw, pad + y * ch
            if bg != BG:
                draw.rectangle([left, top, left + cw - 1, top + ch - 1], fill=bg)
            if c in BOX:
                box(draw, c, left, top, cw, ch, fg)
            elif 0x2800 <= ord(c) <= 0x28FF:
                braille(draw, ord(c) - 0x2800, left, top, cw, ch, fg)
            elif c != " ":
                draw.text((left, top + 1), c, font=bold if s["bold"] else regular, fill=fg)
    img.save(dst, optimize=True)


if __name__ == "__main__":
    main()
