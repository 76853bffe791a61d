"""Build step that pyproject.toml cannot express: the wheel carries the Alembic migrations.

They live in the repository's top-level `alembic/` folder (where Alembic's tools expect them)
and are copied into the built package as `facility/migrations/`, which `facility.db` uses when
the package is installed. An editable install reads `alembic/` itself.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

MIGRATIONS = Path(__file__).resolve().parent / "alembic"


class BuildWithMigrations(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "facility" / "migrations"
        for source in [MIGRATIONS / "env.py", MIGRATIONS / "script.py.mako",
                       *sorted((MIGRATIONS / "versions").glob("*.py"))]:
            destination = target / source.relative_to(MIGRATIONS)
            destination.parent.mkdir(parents=True, exist_ok=True)
            self.copy_file(str(source), str(destination))


setup(cmdclass={"build_py": BuildWithMigrations})
