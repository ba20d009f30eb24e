"""The default configuration, shipped with the package as ``pipeline.defaults``.

``kuozhao run`` reads ``./config`` when it exists, else these files; ``config/local/`` (the
hashing salt) is never shipped."""
