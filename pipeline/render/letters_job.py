"""``python -m pipeline.render.letters_job JOB``: the decision letters of a pickled job
(:func:`pipeline.render.letters.letters_beside` writes it and starts this process). An error
is pickled beside the job (``JOB`` with the suffix ``.error``) for the parent to raise."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

from pipeline.render.letters import write_letters


def run(job: Path) -> int:
    """Write the letters of ``job``; 0, or 1 with the error pickled beside the job."""
    data, out_dir, lang, font = pickle.loads(job.read_bytes())
    try:
        write_letters(data, out_dir, lang=lang, font=font)
    except Exception as exc:  # noqa: BLE001 - every error goes back to the parent, whole
        job.with_suffix(".error").write_bytes(pickle.dumps(exc))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1])))
