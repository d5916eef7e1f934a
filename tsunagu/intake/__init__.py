"""相談受付（第1号）: consultations, concern taxonomy use, escalation requests.

This package is reserved by the layout in DESIGN.md; its issue has not been taken yet.
"""
