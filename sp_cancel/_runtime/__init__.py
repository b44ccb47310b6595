"""What every workflow shares, one concept per module.

``context`` is what a workflow function needs from the client (``Context``) and the waits every workflow
shares; ``claims`` holds who may work on a journal key (attempt keys, the process-local lead, stale leases);
``feeds`` is the Feeds API lifecycle (``FeedRunner``: submit, search and resolve a lost feed, poll, read the
report); ``reports`` the Reports API lifecycle (``run_report``); ``cadence`` how often either is looked at while
it processes (learned per type). Import from the modules themselves.
"""
