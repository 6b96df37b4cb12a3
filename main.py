"""PersonalBudget: with no command, open the desktop app; with one, run the command-line tool."""

import sys


def main(argv: list[str] | None = None) -> int:
    from personalbudget.cli import run

    def open_app(database_path):  # imported only when the window is wanted
        from ui.app import run_then_end_process

        return run_then_end_process(database_path)  # closing waits for nothing the person needs

    def check_window(services):  # the window part of --self-test, imported only when asked for
        from ui.self_test_window import check_main_window

        return check_main_window(services)

    return run(sys.argv[1:] if argv is None else argv, open_app=open_app, check_front_end=check_window)


if __name__ == "__main__":
    sys.exit(main())
