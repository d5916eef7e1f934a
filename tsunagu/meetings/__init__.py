"""会議体の運営: sittings of the profile's bodies, agendas under a legal function per item, 守秘義務
acknowledgements, follow-up access after a 支援会議, minutes and decisions that call cases' actions.

See README.md in this package."""
