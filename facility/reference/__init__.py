"""Reference data: regional groups, States, themes, SDGs, and the recommendations States received."""
