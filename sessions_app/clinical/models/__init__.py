"""Clinical records: dosing sessions (``dosing``), notes and addenda (``notes``), follow-up checks."""
