#!/usr/bin/env bash
# Runs `aimsc eval` in the working folder, writing one report per format, and exits with
# aimsc's exit code: 0 nothing fails, 1 a control fails (per --fail-on), 2 bad input. Run by
# action.yml; runs the same outside GitHub, which is how tests/tools/check-distribution tests it.
#
# Environment:
#   AIMSC_FORMATS     comma-separated formats (text, json, sarif, junit, markdown, oscal, html)
#   AIMSC_OUTPUT_DIR  the reports' folder, made when missing; default aimsc-reports
#   AIMSC_AS_OF       the evaluation date, YYYY-MM-DD; default today, UTC, so that a run does
#                     not depend on the runner's time zone
#   AIMSC_FAIL_ON     aimsc's --fail-on; empty: aimsc's default (fail,error)
#   AIMSC_ARGS        more arguments to `aimsc eval`, split at whitespace (no quoting)
#   AIMSC             the aimsc to run; default: aimsc on PATH
# Writes `exit-code` and, per format written, FORMAT=path (absolute) to GITHUB_OUTPUT, and
# appends the Markdown report to GITHUB_STEP_SUMMARY, when they are set.
set -euo pipefail

out() {
  if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "$1=$2" >> "$GITHUB_OUTPUT"; fi
}
# An exit before aimsc ran is bad input too, and still leaves an exit-code for action.yml's
# last step to exit with.
trap 'rc=$?; out exit-code "$rc"' EXIT
usage() {
  if [ "${GITHUB_ACTIONS:-}" = true ]; then echo "::error title=aimsc::$*"; fi
  echo "aimsc action: $*" >&2
  exit 2
}
# Reports go to steps in other shells too; Git Bash on Windows spells C:\x as /c/x.
native() {
  if command -v cygpath > /dev/null; then cygpath -m "$1"; else echo "$1"; fi
}

aimsc="${AIMSC:-aimsc}"
dir="${AIMSC_OUTPUT_DIR:-aimsc-reports}"
as_of="${AIMSC_AS_OF:-$(date -u +%F)}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

# `${a[@]+"${a[@]}"}` below: an empty array is unbound under `set -u` in macOS's bash 3.2.
args=(eval --as-of "$as_of")
if [ -n "${AIMSC_FAIL_ON:-}" ]; then args+=(--fail-on "$AIMSC_FAIL_ON"); fi
written=()
seen=,
IFS=',' read -r -a formats <<< "${AIMSC_FORMATS:-}"
for f in ${formats[@]+"${formats[@]}"}; do
  f="$(printf '%s' "$f" | tr -d '[:space:]')"
  [ -n "$f" ] || continue
  case "$seen" in *",$f,"*) continue ;; esac
  seen="$seen$f,"
  case "$f" in
    sarif) ext=sarif ;;
    junit) ext=junit.xml ;;
    markdown) ext=md ;;
    json) ext=json ;;
    html) ext=html ;;
    oscal) ext=oscal.json ;;
    text) ext=txt ;;
    *) usage "unknown format '$f' in formats: give some of text, json, sarif, junit, markdown, oscal, html" ;;
  esac
  # A report left from an earlier run would pass for this run's when aimsc stops before it.
  rm -f "$dir/aimsc.$ext"
  args+=(--format "$f" -o "$dir/aimsc.$ext")
  written+=("$f=$dir/aimsc.$ext")
done
read -r -a extra <<< "$(printf '%s' "${AIMSC_ARGS:-}" | tr '\n\t' '  ')"
args+=(${extra[@]+"${extra[@]}"})
# The job's log shows the outcome of every control, whatever the files hold.
case "$seen" in *,text,*) ;; *) args+=(--format text) ;; esac

echo "aimsc action: aimsc ${args[*]}"
set +e
"$aimsc" "${args[@]}"
rc=$?
set -e

for w in ${written[@]+"${written[@]}"}; do
  f="${w%%=*}"
  path="${w#*=}"
  [ -f "$path" ] || continue
  out "$f" "$(native "$path")"
  if [ "$f" = markdown ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    cat "$path" >> "$GITHUB_STEP_SUMMARY"
  fi
done
exit "$rc"
