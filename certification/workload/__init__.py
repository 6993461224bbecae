"""Counsellors' workload credit: services, selectors, forms, views and URLs (models in ../models/workload.py)."""
