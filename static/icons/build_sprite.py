"""Rebuild sprite.svg from the lucide-static npm package (ISC licence, LICENSE beside this file).

Only the icons the templates use go into the sprite. To add one: put its Lucide name in ICONS,
then `npm pack lucide-static && tar xzf lucide-static-*.tgz` somewhere and run
`python static/icons/build_sprite.py <that folder>/package/icons`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ICONS = sorted(
    [
        "arrow-right",
        "banknote",
        "building-2",
        "chart-line",
        "chart-no-axes-column",
        "chevron-down",
        "circle-check",
        "circle-dollar-sign",
        "clock",
        "download",
        "file-spreadsheet",
        "file-text",
        "inbox",
        "key-round",
        "languages",
        "layout-dashboard",
        "lock",
        "log-out",
        "megaphone",
        "menu",
        "message-square",
        "plus",
        "scroll-text",
        "search",
        "settings",
        "shield-check",
        "sparkles",
        "triangle-alert",
        "upload",
        "user",
        "users",
        "users-round",
        "wallet",
        "x",
    ]
)


def build(source: Path) -> str:
    symbols = []
    for name in ICONS:
        svg = (source / f"{name}.svg").read_text(encoding="utf-8")
        body = re.search(r"<svg[^>]*>(.*)</svg>", svg, re.S).group(1)
        body = " ".join(line.strip() for line in body.strip().splitlines())
        symbols.append(f'<symbol id="{name}" viewBox="0 0 24 24">{body}</symbol>')
    return (
        '<svg xmlns="http://www.w3.org/2000/svg">\n'
        "<!-- Lucide icons (https://lucide.dev), ISC licence: see LICENSE -->\n"
        + "\n".join(symbols)
        + "\n</svg>\n"
    )


if __name__ == "__main__":
    out = Path(__file__).with_name("sprite.svg")
    out.write_text(build(Path(sys.argv[1])), encoding="utf-8")
    print(f"{out}: {len(ICONS)} icons")
