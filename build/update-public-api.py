#!/usr/bin/env python3
"""Brings every PublicAPI.Unshipped.txt up to date after a deliberate change of public API.

Builds the solution with RS0016/RS0017 reported as warnings, adds each symbol that RS0016 names to the
PublicAPI.Unshipped.txt of its project (found by walking up from the file that declares it, generated files in obj/
included) and removes each symbol that RS0017 names from the file that lists it. Review the diff before committing:
that diff is the change of public API.

Usage: python3 build/update-public-api.py   (from anywhere; runs dotnet build, about a minute)
"""
import pathlib
import re
import subprocess
import sys

repo = pathlib.Path(__file__).resolve().parent.parent
build = subprocess.run(
    ["dotnet", "build", str(repo / "LinearDsl.sln"), "-c", "Release", "-p:WarningsNotAsErrors=RS0016%3BRS0017",
     "-p:TreatWarningsAsErrors=false"],
    capture_output=True, text=True)
added, removed = {}, {}
for line in build.stdout.splitlines():
    m = re.match(r"(.+?)\(\d+,\d+\): (?:warning|error) (RS001[67]): Symbol '(.+?)' (?:is not part of|is part of)", line)
    if not m:
        continue
    path, rule, symbol = pathlib.Path(m.group(1)), m.group(2), m.group(3)
    project = next((d for d in path.parents if (d / "PublicAPI.Unshipped.txt").exists()), None)
    if (repo / "Shared") in path.parents:
        project = repo / "Runtime"   # Shared/ source is public API of the runtime only (the Roslyn components' copies are not tracked)
    if project is None:
        sys.exit(f"no PublicAPI.Unshipped.txt above {path}")
    if rule == "RS0016":
        added.setdefault(project, set()).add(symbol)
    else:
        removed.setdefault(path, set()).add(symbol)

for api_file, symbols in removed.items():
    lines = api_file.read_text(encoding="utf-8").splitlines()
    api_file.write_text("\n".join(l for l in lines if l.strip() not in symbols) + "\n", encoding="utf-8")
for project, symbols in added.items():
    api_file = project / "PublicAPI.Unshipped.txt"
    lines = [l for l in api_file.read_text(encoding="utf-8").splitlines() if l.strip()]
    header = [l for l in lines if l.startswith("#")]
    body = sorted(set(l for l in lines if not l.startswith("#")) | symbols, key=str.lower)
    api_file.write_text("\n".join(header + body) + "\n", encoding="utf-8")

for project, symbols in sorted(added.items()):
    print(f"{project.relative_to(repo)}: {len(symbols)} symbol(s) added")
for api_file, symbols in sorted(removed.items()):
    print(f"{api_file.relative_to(repo)}: {len(symbols)} symbol(s) removed")
if build.returncode != 0:
    errors = [l for l in build.stdout.splitlines() if ": error " in l]
    print("\n".join(sorted(set(errors))[:20]))
    sys.exit("the build has other errors (above); fix them and run this again")
