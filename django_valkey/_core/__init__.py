"""The sans-I/O core: what every cache call computes before and after its round trip, with no
I/O and nothing sync- or async-specific. ``commands`` builds each operation's ``Request``;
``codec`` turns values into stored bytes and back; ``keys`` makes stored keys; ``guard`` is the
error policy around a call; ``herd`` and ``grouping`` are the requests of ``HerdClient`` and of
the sharded and cluster clients."""
