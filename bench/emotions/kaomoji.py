"""`python -m bench.emotions.kaomoji`: the kaomoji parts (memory/emotions/kaomoji.py) on the labelled faces
of the `kaomoji-dataset` package (FontVibe, CC BY 4.0; the `bench` extra), read from the installed package.

Its ``core`` faces whose first emotion label maps onto ours (happy/cute → joy, love → affection, sad/
crying/hurt → sadness, ...) are scored; faces labelled with something we have no label for (cool,
sleepy, doubt) count as "no emotion". The dataset's labels are noisy (a character classifier trained
on them gets about 58% right), so read the agreement as a sanity check, not a target.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

from bench.table import Table, pct
from memory.emotions.kaomoji import extract

DATASET_TO_KEY = {
    "happy": "joy", "cute": "joy", "love": "affection", "surprised": "surprise", "angry": "anger",
    "rude": "anger", "shy": "shame", "embarrassed": "shame", "sad": "sadness", "crying": "sadness",
    "hurt": "sadness", "excited": "excitement", "scared": "fear", "panic": "fear", "disgusted": "disgust",
}


def faces() -> list[tuple[str, str]]:
    """(face, our label or "none") for the dataset's labelled core faces."""
    import kaomoji_dataset

    path = Path(kaomoji_dataset.__file__).parent / "data" / "kaomoji.jsonl.gz"
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if '"tier":"core"' not in line:
                continue
            row = json.loads(line)
            if row.get("emotion"):
                out.append((row["text"], DATASET_TO_KEY.get(row["emotion"][0], "none")))
    return out


def main() -> None:
    try:
        labelled = faces()
    except ImportError:
        print("kaomoji check skipped: pip install 'kaomoji-dataset==1.0.6' (the bench extra) to run it")
        return
    found: Counter[str] = Counter()
    agree: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for face, gold in labelled:
        total[gold] += 1
        weights, _ = extract(face)
        if weights:
            found[gold] += 1
            agree[gold] += max(weights, key=weights.__getitem__) == gold
    table = Table(["dataset label (ours)", "faces", "given a label", "top label agrees"])
    for gold, n in total.most_common():
        table.add(gold, str(n), pct(found[gold] / n), pct(agree[gold] / found[gold]) if found[gold] else "-")
    emotive = [g for g in total if g != "none"]
    n, hit, ok = (sum(total[g] for g in emotive), sum(found[g] for g in emotive), sum(agree[g] for g in emotive))
    table.add("all emotive", str(n), pct(hit / n), pct(ok / hit) if hit else "-")
    print(f"\n## Kaomoji parts on kaomoji-dataset's {sum(total.values())} labelled core faces\n")
    print(table.render())


if __name__ == "__main__":
    main()
