"""Write every corpus case's inputs into DIR/<case>/ for review: `python make_corpus.py DIR`."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from corpus import all_cases


def main(target: str) -> None:
    for case in all_cases():
        folder = Path(target) / case.name
        folder.mkdir(parents=True, exist_ok=True)
        paths = case.make(folder)
        (folder / "CASE.txt").write_text(
            f"{case.about}\njixiao {case.command} {' '.join(case.args)} {' '.join(paths)}\n"
            f"exit {case.exit_code}; message {case.message!r}\n",
            encoding="utf-8",
        )
        print(folder)


if __name__ == "__main__":
    main(sys.argv[1])
