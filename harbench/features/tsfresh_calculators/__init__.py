"""tsfresh's ``efficient`` calculators re-implemented for many series at once, with tsfresh's
feature names; `registry` maps the names to the calculators and extracts a parameter set."""
