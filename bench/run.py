"""Runs every benchmark: `make bench`."""
from . import p1_completion


def main():
    p1_completion.main()


if __name__ == "__main__":
    main()
