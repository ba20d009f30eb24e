"""kuozhao: enrollment-expansion monitoring for technical schools (技工院校扩招).

Importing the package makes jemalloc Arrow's allocator (unless ``ARROW_DEFAULT_MEMORY_POOL``
says otherwise): with pyarrow's default, mimalloc, stage 01 spent 1.5–2 s more at 1M rows on
these machines, most of it in the kernel mapping fresh memory (``kuozhao bench``; see the
README's Scale section).
"""

import os

__version__ = "0.1.0"

if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
    import pyarrow as _pa

    try:
        _pa.set_memory_pool(_pa.jemalloc_memory_pool())
    except NotImplementedError:  # a pyarrow built without jemalloc keeps its default
        pass
    else:
        os.environ["ARROW_DEFAULT_MEMORY_POOL"] = "jemalloc"  # kernels, child processes
