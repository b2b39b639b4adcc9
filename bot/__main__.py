"""`python -m bot` runs the bot process; `python -m bot reindex [--re-embed]` rebuilds indexes."""

from __future__ import annotations

import os

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # before tokenizers import: 4x faster on 2 cores

from bot.cli import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
