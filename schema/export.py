"""`python -m schema.export` rewrites schema/schema.graphql from the live schema."""

from __future__ import annotations

from pathlib import Path

from schema.build import schema_sdl

SDL_PATH = Path(__file__).with_name("schema.graphql")


def main() -> None:
    SDL_PATH.write_text(schema_sdl())
    print(f"wrote {SDL_PATH}")


if __name__ == "__main__":
    main()
