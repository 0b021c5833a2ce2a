"""`rasa` (same arguments) with ParcelDesk's fix for Rasa's hottest spot installed first (see speedups.py):
scripts/rasa.sh serves the bot through it, and scripts/test.sh replays the test stories through it."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bot/, for speedups (and components, actions)

import speedups  # noqa: E402

speedups.install()

from rasa.__main__ import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
