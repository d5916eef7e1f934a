"""帳票: PDF, Excel and chart rendering shared by all apps.

This package is reserved by the layout in DESIGN.md; its issue has not been taken yet.
"""
