"""PersonalBudget: with no command, open the desktop app; with one, run the command-line tool."""

import sys


def main(argv: list[str] | None = None) -> int:
    from personalbudget.cli import run

    def open_app(database_path):  # imported only when the window is wanted
        from ui.app import run as run_app

        return run_app(database_path)

    return run(sys.argv[1:] if argv is None else argv, open_app=open_app)


if __name__ == "__main__":
    sys.exit(main())
