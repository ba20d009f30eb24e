"""Work done once per process before the first stage needs it.

A stage's kernel imports this module while the previous stage runs (``run.WARM_IMPORTS``),
and ``kuozhao bench`` imports it before its clock starts: the first charset detection loads
its tables (0.4 s), the first OpenCC conversion its dictionaries, the first matrix product
starts the BLAS library. No data is read.
"""

from __future__ import annotations

import numpy as np
from charset_normalizer import from_bytes

from pipeline.normalise import key_text

from_bytes("技工院校扩招花名册".encode("gb18030") * 20).best()
key_text("哈爾濱")

# The first matrix product starts the BLAS library (0.15 s); the ID check digits use one.
for _dtype in (np.float32, np.float64):
    np.ones((64, 17), dtype=_dtype) @ np.ones(17, dtype=_dtype)
