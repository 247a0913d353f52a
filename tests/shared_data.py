"""Where the read-only shared data lives: `../shared/data` beside the repo.

CI clones the repository into another folder with a copy of `shared/` beside
it, so the path is found from this file, never hard-coded.
"""

import pathlib

SHARED_DATA = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data"
