"""Promises: the date a customer order (or a quote) can reach its customer, and why.

Pure rules: ``date_rules`` (one line's date and its dominant term), ``plan_rules`` (every
open production order and the quoted lines scheduled together), ``term_rules`` (handling and
transit per shop and carrier service), ``quote_rules``, ``slip_rules`` (a later date waits to
be confirmed), ``material_wait_rules`` (what each order lacks at every recipe level) and
``open_production_rules`` (what an open production order still waits for).
Use cases and adapters: ``quotes`` (capable to promise, read only), ``open_production`` (the
open production as the promise sees it), ``replanner`` (the re-plan loop publishing
``OrderPromised``), ``missing_materials`` (``OrderMaterialsChanged``) and ``customer_orders``
(the read model of customer orders whose terms a promise counts).
"""
