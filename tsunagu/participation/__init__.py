"""参加支援（第2号）: matching people to community resources.

This package is reserved by the layout in DESIGN.md; its issue has not been taken yet.
"""
