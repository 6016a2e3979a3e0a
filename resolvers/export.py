"""`python -m resolvers.export` rewrites schema/schema.graphql from the live schema.

It lives beside resolvers.root, which assembles the Schema: schema/ declares the types and
never imports resolvers/, so it cannot print the whole Schema itself."""

from __future__ import annotations

from pathlib import Path

import schema
from resolvers.root import schema_sdl

SDL_PATH = Path(schema.__file__).with_name("schema.graphql")


def main() -> None:
    SDL_PATH.write_text(schema_sdl())
    print(f"wrote {SDL_PATH}")


if __name__ == "__main__":
    main()
