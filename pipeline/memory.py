"""Arrow's memory allocator: jemalloc when pyarrow has it.

With pyarrow's default, mimalloc, stage 01 spent 1.5–2 s more at 1M rows on these machines,
most of it in the kernel mapping fresh memory (``kuozhao bench``; see the README's Scale
section). The command line calls :func:`prefer_jemalloc` before anything else; the stage
kernels it starts inherit the choice through ``ARROW_DEFAULT_MEMORY_POOL``.
"""

from __future__ import annotations

import os


def prefer_jemalloc() -> str:
    """Make jemalloc Arrow's allocator in this process and its children, unless
    ``ARROW_DEFAULT_MEMORY_POOL`` already says otherwise; the allocator's name."""
    import pyarrow as pa

    if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
        try:
            pa.set_memory_pool(pa.jemalloc_memory_pool())
        except NotImplementedError:  # a pyarrow built without jemalloc keeps its default
            return pa.default_memory_pool().backend_name
        os.environ["ARROW_DEFAULT_MEMORY_POOL"] = "jemalloc"
    return pa.default_memory_pool().backend_name
