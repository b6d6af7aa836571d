"""Runs every benchmark: `make bench`."""
from . import p1_completion, p_hearing_sweep


def main():
    p1_completion.main()
    p_hearing_sweep.main()


if __name__ == "__main__":
    main()
