"""`python -m mongars_client`: the `mongars` command (see `mongars_client.cli`)."""

from mongars_client.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
