"""The voluntary platform for dialogue and cooperation (A/HRC/43/37, para 60): States' progress
updates on their recommendations and the public page of each State that opens one."""
