"""地域づくり（第3号）: community-building groups and activities.

This package is reserved by the layout in DESIGN.md; its issue has not been taken yet.
"""
