"""相談受付（第1号 包括的相談支援）: consultations at any window, per household, and escalation requests."""
