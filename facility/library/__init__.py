"""The good-practice library (A/HRC/43/37, para 60): training materials, case studies, guidance
and lessons learned, contributed by partners, experts and States and published by the
secretariat after review."""
