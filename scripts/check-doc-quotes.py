#!/usr/bin/env python3
"""Checks that the code the docs quote is still in the files they quote it from.

A quote is a fenced code block preceded by a line `<!-- quoted from PATH[, PATH...] -->` (paths from
the repository's root). The block is cut into pieces at blank lines and at lines holding only `...`
or `…`; each piece must occur in one of the files, ignoring whitespace and // comments, so a quote
may re-wrap lines, annotate them and leave parts out, but not say what the code no longer says.
Usage: check-doc-quotes.py ROOT FILE.md...   Exit status 1 lists every stale quote.
"""
import re
import sys
from pathlib import Path

MARKER = re.compile(r"<!--\s*quoted from\s+(.+?)\s*-->")


def normalised(text):
    return re.sub(r"\s+", "", re.sub(r"//[^\n]*", "", text))


def quotes(lines):
    """(line number, paths, pieces) for every marked block."""
    for i, line in enumerate(lines):
        marker = MARKER.fullmatch(line.strip())
        if not marker:
            continue
        if i + 1 >= len(lines) or not lines[i + 1].startswith("```"):
            yield i + 1, None, "the marker is not followed by a code block"
            continue
        end = next((j for j in range(i + 2, len(lines)) if lines[j].startswith("```")), None)
        if end is None:
            yield i + 1, None, "the code block is not closed"
            continue
        pieces, piece = [], []
        for code in lines[i + 2:end] + [""]:
            if code.strip() in ("", "...", "…"):
                if piece:
                    pieces.append("\n".join(piece))
                piece = []
            else:
                piece.append(code)
        yield i + 1, [p.strip() for p in marker.group(1).split(",")], pieces


def main(root, docs):
    root, problems, count = Path(root), [], 0
    for doc in docs:
        for line, paths, pieces in quotes(Path(doc).read_text(encoding="utf-8").split("\n")):
            where = f"{doc}:{line}"
            if paths is None:
                problems.append(f"{where}: {pieces}")
                continue
            missing = [p for p in paths if not (root / p).is_file()]
            if missing:
                problems.append(f"{where}: quoted file {', '.join(missing)} does not exist")
                continue
            sources = [normalised((root / p).read_text(encoding="utf-8")) for p in paths]
            count += 1
            for piece in pieces:
                if normalised(piece) and not any(normalised(piece) in s for s in sources):
                    problems.append(f"{where}: not found in {', '.join(paths)}:\n    "
                                    + piece.strip().replace("\n", "\n    "))
    for problem in problems:
        print(problem)
    print(f"{count} quotes checked, {len(problems)} stale")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2:]))
