"""kuozhao: enrollment-expansion monitoring for technical schools (技工院校扩招).

Importing the package does nothing but define it; the command line chooses Arrow's allocator
(:func:`pipeline.memory.prefer_jemalloc`).
"""

__version__ = "0.1.0"
