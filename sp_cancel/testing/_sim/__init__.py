"""Internals of the SP-API simulator (see :mod:`sp_cancel.testing`)."""
