"""The presentation layer: the only place xlcrm's words live, in English and Chinese."""
