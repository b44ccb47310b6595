"""SP-API plumbing: the only package that imports ``sp_api`` and ``httpx``."""
