"""Work done once per process before the first stage needs it.

A stage's kernel imports this module while the previous stage runs (``run.WARM_IMPORTS``),
and ``kuozhao bench`` imports it before its clock starts: the first charset detection loads
its tables (0.4 s), the first OpenCC conversion its dictionaries. No data is read.
"""

from __future__ import annotations

from charset_normalizer import from_bytes

from pipeline.normalise import key_text

from_bytes("技工院校扩招花名册".encode("gb18030") * 20).best()
key_text("哈爾濱")
