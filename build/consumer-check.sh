#!/usr/bin/env bash
# Uses LinearDsl as a user outside the repository would: packs every package into a temporary local feed, then, in a
# temporary folder with a NuGet.config that points at that feed (and no project reference into the repository):
#   1. creates an app from each template, builds and runs it;
#   2. builds the program assembled from docs/getting-started.md's compiled snippets, and runs it;
#   3. builds a project with a leaky declaration and requires the build to FAIL with LDSL2001;
#   4. installs the command line as a tool into a temporary tool path, runs `lineardsl generate`, and starts
#      `lineardsl serve` on a loopback port and asks it for one chat completion.
# The packages get a version of their own (0.2.0-consumer.<time>), so no NuGet cache can hand back an older build, and
# they are restored into a temporary packages folder (everything else comes from the user's cache as a fallback).
# Usage: bash build/consumer-check.sh   (from anywhere; needs the .NET SDK; about 3-5 minutes)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/lineardsl-consumer.XXXXXX)"
trap 'rm -rf "$work"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
step() { printf '\n== consumer check: %s\n' "$*"; }
fail() { printf 'consumer check FAILED: %s\n' "$*" >&2; exit 1; }

suffix="consumer.$(date +%s)"
feed="$work/feed"
step "pack LinearDsl.sln (version suffix $suffix) into $feed"
dotnet pack "$repo/LinearDsl.sln" -c Release -o "$feed" --version-suffix "$suffix" > "$work/pack.log" 2>&1 \
  || { tail -n 40 "$work/pack.log"; fail "dotnet pack failed"; }
if grep -E ': warning [A-Z]+[0-9]+' "$work/pack.log" | sort -u | grep .; then fail "dotnet pack printed warnings"; fi
version="$(basename "$(ls "$feed"/LinearDsl.Abstractions.*.nupkg)" .nupkg)"; version="${version#LinearDsl.Abstractions.}"
for id in LinearDsl LinearDsl.Abstractions LinearDsl.Backend.Cpu LinearDsl.Hosting LinearDsl.Training LinearDsl.Testing LinearDsl.Server LinearDsl.Models LinearDsl.Cli LinearDsl.Templates; do
  [ -f "$feed/$id.$version.nupkg" ] || fail "$id.$version.nupkg was not packed"
done
for unwanted in LinearDsl.Benchmarks LinearDsl.Runtime.Tests LinearDsl.Samples.ChatHost LinearDsl.Study LinearDsl.Gguf.Tests LinearDsl.Server.Tests; do
  ! ls "$feed" | grep -q "^$unwanted\." || fail "$unwanted must not be packable"
done

mkdir -p "$work/apps"
cat > "$work/apps/NuGet.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <config>
    <add key="globalPackagesFolder" value="$work/packages" />
  </config>
  <packageSources>
    <add key="lineardsl-local" value="$feed" />
  </packageSources>
  <fallbackPackageFolders>
    <add key="user-cache" value="${NUGET_PACKAGES:-$HOME/.nuget/packages}" />
  </fallbackPackageFolders>
</configuration>
EOF
cd "$work/apps"
hive="$work/template-hive"

step "dotnet new install LinearDsl.Templates $version"
dotnet new install "$feed/LinearDsl.Templates.$version.nupkg" --debug:custom-hive "$hive" > "$work/new.log" 2>&1 || { cat "$work/new.log"; fail "template install failed"; }

step "dotnet new lineardsl-app: build and run"
dotnet new lineardsl-app -n MyModel -o MyModel --steps 5 --debug:custom-hive "$hive" > /dev/null
dotnet run --project MyModel -c Release > "$work/app.log" 2>&1 || { tail -n 30 "$work/app.log"; fail "the lineardsl-app template's app failed"; }
cat "$work/app.log"
grep -q '^trained 5 steps' "$work/app.log" || fail "the app did not train"
grep -q '^In the beginning' "$work/app.log" || fail "the app did not generate"

step "dotnet new lineardsl-chat: build and run"
dotnet new lineardsl-chat -n MyChat -o MyChat --debug:custom-hive "$hive" > /dev/null
dotnet run --project MyChat -c Release > "$work/chat.log" 2>&1 || { tail -n 30 "$work/chat.log"; fail "the lineardsl-chat template's app failed"; }
cat "$work/chat.log"
[ "$(wc -c < "$work/chat.log")" -gt 40 ] && grep -q '^And God said' "$work/chat.log" || fail "the chat app did not answer"

step "docs/getting-started.md: build and run its compiled snippets"
mkdir -p GettingStarted
python3 - "$repo/docs/getting-started.md" GettingStarted <<'PY'
import re, sys, pathlib
doc, out = pathlib.Path(sys.argv[1]).read_text(encoding="utf-8"), pathlib.Path(sys.argv[2])
files = {}
for name, code in re.findall(r"<!-- compiled: (\S+) -->\s*```csharp\n(.*?)```", doc, re.S):
    files.setdefault(name, []).append(code)
if not files: sys.exit("no compiled snippets found")
for name, parts in files.items():
    (out / name).write_text("\n".join(parts), encoding="utf-8")
print(f"{sum(map(len, files.values()))} snippets into {', '.join(files)}")
PY
cat > GettingStarted/GettingStarted.csproj <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="LinearDsl" Version="$version" />
    <PackageReference Include="LinearDsl.Backend.Cpu" Version="$version" />
    <PackageReference Include="LinearDsl.Training" Version="$version" />
    <PackageReference Include="LinearDsl.Hosting" Version="$version" />
    <PackageReference Include="LinearDsl.Models" Version="$version" />
    <PackageReference Include="Microsoft.Extensions.Hosting" Version="10.0.15" />
  </ItemGroup>
</Project>
EOF
dotnet run --project GettingStarted -c Release > "$work/gs.log" 2>&1 || { tail -n 30 "$work/gs.log"; fail "the getting-started program failed"; }
cat "$work/gs.log"
grep -q '^chat: ' "$work/gs.log" || fail "the getting-started program did not reach its end"

step "a leaky declaration must not compile (LDSL2001)"
mkdir -p Leaky
cat > Leaky/Leaky.csproj <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="LinearDsl" Version="$version" />
  </ItemGroup>
</Project>
EOF
cat > Leaky/Leaky.cs <<'EOF'
using LinearDsl;

namespace Leaky;

// A centred convolution reads later tokens: the analyzers must stop this build.
[CausalLM(VocabSize = 256, Dim = 64, Layers = 1, ContextLength = 64)]
[LinearAttention(Heads = 1, Groups = 4, DWConv = true, ConvPadding = ConvPadding.Centered)]
public partial class LeakyModel;
EOF
if dotnet build Leaky -c Release > "$work/leaky.log" 2>&1; then cat "$work/leaky.log"; fail "the leaky declaration compiled"; fi
grep -q 'error LDSL2001' "$work/leaky.log" || { cat "$work/leaky.log"; fail "the build failed, but not with LDSL2001"; }
grep -m1 'error LDSL2001' "$work/leaky.log"

step "dotnet tool install LinearDsl.Cli $version; lineardsl generate"
dotnet tool install --tool-path "$work/tools" --add-source "$feed" --version "$version" LinearDsl.Cli > "$work/tool.log" 2>&1 \
  || { cat "$work/tool.log"; fail "the tool did not install"; }
(cd "$work" && "$work/tools/lineardsl" generate "And God said" --max-tokens 60 --timed-runs 1) > "$work/generate.log" 2>&1 \
  || { tail -n 30 "$work/generate.log"; fail "lineardsl generate failed"; }
cat "$work/generate.log"
grep -q 'And God said' "$work/generate.log" || fail "lineardsl generate printed no text"

step "lineardsl serve: /health, then one chat completion over HTTP"
port=$((20000 + RANDOM % 20000))
(cd "$work" && exec "$work/tools/lineardsl" serve --urls "http://127.0.0.1:$port") > "$work/serve.log" 2>&1 &
server=$!
python3 - "$port" <<'PY' || { kill "$server" 2>/dev/null; cat "$work/serve.log"; fail "lineardsl serve did not answer"; }
import json, sys, time, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}"
for _ in range(120):
    try:
        if urllib.request.urlopen(base + "/health", timeout=2).status == 200: break
    except Exception:
        time.sleep(0.5)
else:
    sys.exit("not healthy after 60 s")
body = json.dumps({"model": "lineardsl", "messages": [{"role": "user", "content": "And God said"}], "max_tokens": 20, "temperature": 0}).encode()
request = urllib.request.Request(base + "/v1/chat/completions", body, {"Content-Type": "application/json"})
reply = json.load(urllib.request.urlopen(request, timeout=60))
text = reply["choices"][0]["message"]["content"]
print(f"chat completion: {reply['usage']['completion_tokens']} tokens, finish {reply['choices'][0]['finish_reason']}: {text!r}")
assert reply["usage"]["completion_tokens"] > 0
PY
kill "$server"; wait "$server" 2>/dev/null || true

printf '\nconsumer check passed (packages %s)\n' "$version"
