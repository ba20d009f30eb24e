"""The stage notebooks, shipped with the package as ``pipeline.notebooks``.

Open them in JupyterLab (``make lab``); this file only makes the folder installable."""
