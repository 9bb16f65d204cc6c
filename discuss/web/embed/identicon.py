"""Avatars drawn from the avatar hash, the same picture the widget draws in the browser."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Identicon:
    """A symmetric 5x5 pattern: background, foreground and the filled cells (x, y)."""

    background: str
    foreground: str
    cells: tuple[tuple[int, int], ...]


def identicon(avatar_hash: str) -> Identicon:
    """The pattern for a hash; mirrors ``avatar()`` in widget.js cell for cell."""
    try:
        hue = int(avatar_hash[15:18] or "0", 16) % 360
    except ValueError:
        hue = 0
    cells: list[tuple[int, int]] = []
    for i in range(15):
        char = avatar_hash[i] if i < len(avatar_hash) else "1"
        try:
            odd = int(char, 16) % 2 == 1
        except ValueError:
            odd = False
        if odd:
            continue
        x, y = divmod(i, 5)
        cells.append((x, y))
        if x < 2:
            cells.append((4 - x, y))
    return Identicon(f"hsl({hue},45%,88%)", f"hsl({hue},55%,38%)", tuple(cells))
