"""Tools around the pipeline, not part of a run: the synthetic sample (``kuozhao sample``)
and the benchmark (``kuozhao bench``).

They use the package as a caller would: the programme's vocabulary comes from the
configuration (:func:`pipeline.config.load_pipeline_config`), shipped files from
:mod:`pipeline.resources`, and the stages from :mod:`pipeline.stages`.
"""
