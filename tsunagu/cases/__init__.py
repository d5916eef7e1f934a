"""多機関協働（第5号）と支援プラン（第6号）: cases, consent, assessment, support plans, monitoring, closure."""
