"""The Great Expectations suites, shipped with the package as ``pipeline.expectations``."""
