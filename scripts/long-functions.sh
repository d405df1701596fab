#!/usr/bin/env bash
# Lists the functions in src/ longer than LIMIT lines (default 100), longest first, and exits 1;
# prints nothing and exits 0 when every function fits. Braces are counted outside strings,
# character literals and comments; a block opened at namespace level whose header holds '(' is a
# function (a lambda or a class's member function counts inside the function or class it is in).
#   scripts/long-functions.sh [LIMIT]
set -euo pipefail
limit=${1:-100}
root=$(cd "$(dirname "$0")/.." && pwd)
found=$(find "$root/src" \( -name '*.cpp' -o -name '*.h' \) | sort | xargs awk -v limit="$limit" -v root="$root/" '
  FNR == 1 { depth = 0; header = ""; fstart = 0; fdepth = -1; incomment = 0; nsdepth = 0 }
  {
    line = $0; n = length(line); i = 1
    while (i <= n) {
      c = substr(line, i, 1); c2 = substr(line, i, 2)
      if (incomment) { if (c2 == "*/") { incomment = 0; i += 2 } else i++; continue }
      if (c2 == "//") break
      if (c2 == "/*") { incomment = 1; i += 2; continue }
      if (c == "\"" || c == "\x27") {  # skip a string or character literal (raw strings: rare here)
        q = c; i++
        while (i <= n && substr(line, i, 1) != q) { if (substr(line, i, 1) == "\\") i++; i++ }
        i++; continue
      }
      if (c == "{") {
        if (fdepth < 0 && header ~ /\(/ && header !~ /(^|[^A-Za-z_])(namespace|class|struct|enum|union)[ \t]/ && header !~ /=[ \t]*$/) {
          fdepth = depth; fstart = FNR; fname = header
        }
        if (fdepth < 0 && header ~ /(^|[^A-Za-z_])namespace([ \t]|$)/) nsdepth = depth + 1
        depth++; header = ""
      } else if (c == "}") {
        depth--; header = ""
        if (fdepth >= 0 && depth == fdepth) {
          len = FNR - fstart + 1
          if (len > limit) { f = FILENAME; sub(root, "", f); gsub(/[ \t]+/, " ", fname); printf "%5d  %s:%d  %s\n", len, f, fstart, substr(fname, 1, 80) }
          fdepth = -1
        }
      } else if (c == ";") {
        header = ""
      } else if (fdepth < 0) {
        header = header c
      }
      i++
    }
    if (fdepth < 0) header = header " "
  }' | sort -rn)
if [ -n "$found" ]; then
  echo "functions over $limit lines:"
  echo "$found"
  exit 1
fi
