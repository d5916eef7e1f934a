"""地域づくり（第3号）: sittings of community groups, the needs they surface, volunteer points ledgers."""
