# shellcheck shell=bash
# Helpers for scripts/bench-compare: host apt sources, statistics, output
# measurements and JSON. Sourced, not run; every function is pure bash + awk
# and writes its result to stdout.

# die MESSAGE...: print to stderr and exit 1.
die() {
  printf 'bench-compare: %s\n' "$*" >&2
  exit 1
}

# log MESSAGE...: progress line on stderr.
log() {
  printf '== %s\n' "$*" >&2
}

# host_mirror ROOT SUITE: the first URI of an enabled "deb" entry listing
# SUITE in ROOT/etc/apt/sources.list, sources.list.d/*.list (one-line
# format) and sources.list.d/*.sources (deb822). Empty when none does.
host_mirror() {
  local root=$1 suite=$2 f
  local -a files=()
  [ -f "$root/etc/apt/sources.list" ] && files+=("$root/etc/apt/sources.list")
  for f in "$root"/etc/apt/sources.list.d/*.list "$root"/etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && files+=("$f")
  done
  [ ${#files[@]} -gt 0 ] || return 0
  for f in "${files[@]}"; do
    case $f in
      *.sources) deb822_mirror "$f" "$suite" ;;
      *) oneline_mirror "$f" "$suite" ;;
    esac
  done | head -n 1
}

# oneline_mirror FILE SUITE: URIs of "deb [opts] URI SUITE COMP..." lines.
oneline_mirror() {
  awk -v want="$2" '
    { sub(/#.*/, ""); gsub(/\[[^]]*\]/, " ") }
    $1 == "deb" && $3 == want && $2 ~ /^https?:\/\// { print $2 }
  ' "$1"
}

# deb822_mirror FILE SUITE: URIs of stanzas with Types: deb listing SUITE
# (and not Enabled: no). Field names are case-insensitive; continuation
# lines (leading white space) extend the field before them.
deb822_mirror() {
  awk -v want="$2" '
    function flush(   n, i, s, u) {
      if (types ~ /(^| )deb( |$)/ && tolower(enabled) != "no") {
        n = split(suites, s, /[ \t]+/)
        for (i = 1; i <= n; i++) if (s[i] == want) {
          split(uris, u, /[ \t]+/)
          for (i in u) if (u[i] ~ /^https?:\/\//) { print u[i]; break }
          break
        }
      }
      types = ""; suites = ""; uris = ""; enabled = ""; last = ""
    }
    /^#/ { next }
    /^[ \t]*$/ { flush(); next }
    /^[ \t]/ {
      v = $0; sub(/^[ \t]+/, "", v)
      if (last == "types") types = types " " v
      else if (last == "suites") suites = suites " " v
      else if (last == "uris") uris = uris " " v
      next
    }
    {
      key = tolower($0); sub(/:.*/, "", key)
      v = $0; sub(/^[^:]*:[ \t]*/, "", v); sub(/[ \t]+$/, "", v)
      last = key
      if (key == "types") types = v
      else if (key == "suites") suites = v
      else if (key == "uris") uris = v
      else if (key == "enabled") enabled = v
    }
    END { flush() }
  ' "$1"
}

# stats VALUE...: "median min max" of the numbers (median of an even count
# is the mean of the middle two).
stats() {
  printf '%s\n' "$@" | sort -g | awk '
    { v[NR] = $1 }
    END {
      if (NR == 0) { print "null null null"; exit }
      if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%.2f %.2f %.2f\n", m, v[1], v[NR]
    }'
}

# max VALUE...: the largest number.
max() {
  printf '%s\n' "$@" | sort -g | tail -n 1
}

# ratio A B: A/B to two decimals, or "null" when either is missing.
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN {
    if (a == "" || b == "" || a == "null" || b == "null" || b + 0 == 0) print "null"
    else printf "%.2f\n", a / b
  }'
}

# tar_content_bytes TAR: the summed size of the regular files in TAR
# (hard links counted once).
tar_content_bytes() {
  tar --numeric-owner -tvf "$1" | awk '$1 ~ /^-/ { s += $3 } END { printf "%d\n", s }'
}

# dir_content_bytes DIR: the summed size of the regular files under DIR
# (hard links counted once), staying on DIR's file system.
dir_content_bytes() {
  find "$1" -xdev -type f -printf '%i %s\n' | sort -u | awk '{ s += $2 } END { printf "%d\n", s }'
}

# tar_packages TAR: the packages var/lib/dpkg/status in TAR says are installed.
tar_packages() {
  tar -xOf "$1" --wildcards --no-anchored 'var/lib/dpkg/status' --exclude='*status-old' 2>/dev/null |
    awk 'BEGIN { RS = ""; n = 0 } /\nStatus: install ok installed/ { n++ } END { print n }'
}

# dir_packages DIR: the packages DIR's dpkg database says are installed.
dir_packages() {
  dpkg-query --admindir="$1/var/lib/dpkg" -W -f '${db:Status-Abbrev}\n' 2>/dev/null | grep -c '^ii' || true
}

# json_str STRING: STRING as a JSON string literal.
json_str() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\t'/\\t}
  s=${s//$'\n'/\\n}
  printf '"%s"' "$s"
}

# json_num VALUE: VALUE, or null when it is empty.
json_num() {
  if [ -z "${1:-}" ]; then printf 'null'; else printf '%s' "$1"; fi
}

# human_bytes N: N bytes in MB (10^6), one decimal.
human_bytes() {
  awk -v n="$1" 'BEGIN { if (n == "" || n == "null") print "-"; else printf "%.1f MB\n", n / 1e6 }'
}

# safe_rm PATH...: unmount anything mounted under PATH (a failed
# debootstrap or mmdebstrap can leave /proc or /dev bound there), then
# remove it without crossing into other file systems.
safe_rm() {
  local p m
  for p in "$@"; do
    [ -e "$p" ] || continue
    p=$(realpath "$p")
    findmnt -rn -o TARGET | awk -v p="$p/" 'index($0 "/", p) == 1' | sort -r |
      while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf --one-file-system -- "$p"
  done
}
