import sys
from pathlib import Path

# Components and actions are imported as `components.*` / `actions.*`, as Rasa and the action server do.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
