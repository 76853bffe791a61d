"""The programmes directory (A/HRC/43/37, para 61): programmes of regional and multilateral
agencies and bilateral donors that the facility does not fund itself, suggested to a State
next to its request when their rules fit."""
