"""Internals of the SP-API simulator (see ``sp_cancel.testing``), one concept per module.

Bottom-up (a module imports only modules listed before it):

- ``markets``, ``observe``, ``world``, ``formats``, ``faults``, ``plans``, ``timing``: marketplaces, observers,
  the simulated seller's state, wire formats (timestamps, money, page tokens), fault rules, the usage plans it
  enforces (its own table, not the client's), Amazon's lags (``Lags``, with the per-feed listing-lag draw) and
  a skewed clock;
- ``core``: requests, answers, the router, ``SimulatorCore`` and ``dispatch``;
- ``lwa``, ``orders``, ``listings``, ``fba``, ``promotions``, ``finances``, ``sellers``, ``messaging``: one API
  each; ``sqs``: sending notifications to a real SQS queue (boto3); ``notifications``: the Notifications API and
  the delivery of ``ORDER_CHANGE``;
- ``order_feed_schema``, ``order_feeds``, ``listings_feeds``: processing uploaded feed documents;
- ``processing``, ``paging``: what the Feed and Report models (and their documents) share; the query rules, pages
  and tokens ``getFeeds`` and ``getReports`` share;
- ``feeds``: the Feeds API and the feed lifecycle; ``reports``: the Reports API and report contents;
- ``seed``: builders and the seeded scenario; ``app``: the in-process transport, WSGI and HTTP serving.
"""
