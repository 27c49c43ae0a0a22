"""Following a board from outside over its public HTTP API: the observer's monitor and the
witness.  Reads what the board serves and checks it with the verifier's and the protocol's
code; never imports the board, the services or the web layer."""

__all__: list[str] = []
